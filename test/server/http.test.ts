/**
 * The real server over real HTTP on loopback: routes, Bot Framework wiring with expectReplies,
 * and every kind of bad input the issue lists. The server must keep running and answer.
 */
import en from '../../locales/en.json';
import es from '../../locales/es.json';
import { LANGUAGES } from '../../locales';
import { wordCount } from '../conversation/explorer';
import type { AddressInfo } from 'node:net';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { createServer, TurnGate } from '../../src/server';
import { FlakyStorage, RecordingLog } from '../fakes/ports';
import { HttpConversation, readable, startBot, type RunningBot } from '../helpers/botServer';

let bot: RunningBot;
beforeAll(async () => {
  bot = await startBot();
});
afterAll(async () => {
  await bot.stop();
});

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${bot.url}/api/messages`, { method: 'POST', headers, body });

describe('routes', () => {
  test('GET /healthz is liveness JSON', async () => {
    const res = await fetch(`${bot.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('GET /readyz is ready while the store is open', async () => {
    const res = await fetch(`${bot.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true });
  });

  test('GET /readyz answers 503 when the store is not ready', async () => {
    const server = createServer({ adapter: new CloudAdapter(), auth: new ConfigurationBotFrameworkAuthentication({}), localMode: true, logic: async () => undefined, log: new RecordingLog(), ready: () => false, gate: new TurnGate(), maxBodyBytes: 4096 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ready: false });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a correlation id is returned, and a safe one supplied by the caller is kept', async () => {
    const c = new HttpConversation(bot.url, 'corr');
    const res = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'trace-123' },
      body: JSON.stringify(c.activity({ text: 'hi' })),
    });
    expect(res.headers.get('x-correlation-id')).toBe('trace-123');
    const other = await post(JSON.stringify(c.activity({ text: 'hi' })), { 'content-type': 'application/json', 'x-correlation-id': 'bad id; drop table' });
    expect(other.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the help portal as npm start serves it', () => {
  test('GET / is the portal page, and a token from the local Direct Line stand-in works', async () => {
    const page = await fetch(`${bot.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const res = await fetch(`${bot.url}/api/directline/token`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; domain?: string; userId: string; conversationId?: string };
    expect(body.userId).toMatch(/^dl_/);
    expect(body.domain).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v3\/directline$/);
    // The token opens the conversation it names on the stand-in.
    const conversation = await fetch(`${body.domain}/conversations`, { method: 'POST', headers: { authorization: `Bearer ${body.token}` } });
    expect(conversation.status).toBeLessThan(300);
    expect(((await conversation.json()) as { conversationId: string }).conversationId).toBe(body.conversationId);
  });
});

describe('a conversation over HTTP with expectReplies', () => {
  test('Web Chat: no welcome on conversationUpdate (no locale yet); the join event starts the conversation in its locale', async () => {
    const c = new HttpConversation(bot.url, 'welcome-1', 'webchat', { locale: undefined });
    expect(await c.post({ type: 'conversationUpdate', membersAdded: [{ id: 'bot' }, { id: 'user-welcome-1' }] })).toEqual([]);
    const joined = await c.post({ type: 'event', name: 'webchat/join', value: { locale: 'es-ES' } });
    // A short welcome (with the one-time scam warning), the tip, the account question and its buttons: in Spanish.
    expect(joined.map((a) => a.text)).toEqual([`${es.welcome}\n\n${es.start.scam}`, es.account.hint, es.account.ask]);
    expect(joined.every((a) => a.locale === undefined || a.locale === 'es-ES')).toBe(true);
    expect(joined[2]!.suggestedActions?.actions.map((a) => a.title)).toEqual([es.account.choices.personal, es.account.choices.work, es.account.choices.unsure]);
    // Once per conversation.
    expect(await c.post({ type: 'event', name: 'webchat/join', value: { locale: 'es-ES' } })).toEqual([]);
    expect(readable(await c.post({ text: 'Personal', locale: 'es-ES' }))).toContain(es.diagnosis.ask);
  });

  describe.each(LANGUAGES.map((l) => [l.intl, l.catalog as typeof en] as const))('the first minute in %s', (locale, catalog) => {
    test('Web Chat: the join event gets the welcome, the tip and the account question with its buttons, short', async () => {
      const c = new HttpConversation(bot.url, `first-minute-${locale}`, 'webchat', { locale: undefined });
      const joined = await c.post({ type: 'event', name: 'webchat/join', value: { locale } });
      expect(joined.map((a) => a.text)).toEqual([`${catalog.welcome}\n\n${catalog.start.scam}`, catalog.account.hint, catalog.account.ask]);
      expect(joined[2]!.suggestedActions?.actions.map((a) => a.title)).toEqual([catalog.account.choices.personal, catalog.account.choices.work, catalog.account.choices.unsure]);
      for (const reply of joined) expect(wordCount(reply.text ?? '')).toBeLessThanOrEqual(60);
    });

    test('Teams: installing the bot gets the welcome and the work-account confirmation with Yes / No', async () => {
      const id = `a:1first-${locale}`;
      const teams = new HttpConversation(bot.url, id, 'msteams', { locale, conversation: { id, conversationType: 'personal' } });
      const installed = await teams.post({ type: 'installationUpdate', action: 'add' });
      expect(installed.length).toBeLessThanOrEqual(3);
      expect(installed[0]!.text).toBe(`${catalog.welcome}\n\n${catalog.start.scam}`);
      const shown = readable(installed);
      for (const text of [catalog.account.teamsConfirm, catalog.choices.yes, catalog.choices.no]) expect(shown).toContain(JSON.stringify(text).slice(1, -1));
    });
  });

  test('after the welcome, a first message that is not an answer is an opening, not "Sorry, I didn\'t catch that"', async () => {
    const hi = new HttpConversation(bot.url, 'welcome-hi');
    await hi.post({ type: 'event', name: 'webchat/join' });
    const greeted = await hi.say('hi');
    expect(greeted.map((a) => a.text)).toEqual([`${en.start.hello}\n\n${en.account.ask}`]);
    expect(readable(greeted)).not.toContain(en.account.retry);
    const problem = new HttpConversation(bot.url, 'welcome-problem');
    await problem.post({ type: 'event', name: 'webchat/join' });
    expect((await problem.say('I changed my phone and get no codes')).map((a) => a.text)).toEqual([`${en.start.problemHeard}\n\n${en.account.ask}`]);
    // The second miss is a miss.
    expect((await problem.say('banana')).map((a) => a.text)).toEqual([`${en.account.retry}\n\n${en.account.ask}`]);
    // An address answers the question straight away.
    const address = new HttpConversation(bot.url, 'welcome-address');
    await address.post({ type: 'event', name: 'webchat/join' });
    expect(readable(await address.say('it is me@hotmail.com'))).toContain(en.account.byConsumerDomain.replace('{{domain}}', 'hotmail.com'));
  });

  test('a join event after the person has written does not start again; a join locale that is not a tag is ignored', async () => {
    const c = new HttpConversation(bot.url, 'welcome-late');
    await c.say('hi');
    expect(await c.post({ type: 'event', name: 'webchat/join' })).toEqual([]);
    const odd = new HttpConversation(bot.url, 'welcome-odd', 'webchat', { locale: undefined });
    const replies = await odd.post({ type: 'event', name: 'webchat/join', value: { locale: 'es"><script>' } });
    expect(replies[0]!.text).toContain(en.welcome);
  });

  test('Teams: installing the bot starts the conversation with the work-account confirmation, once', async () => {
    const teams = new HttpConversation(bot.url, 'a:1teams-personal', 'msteams', { conversation: { id: 'a:1teams-personal', conversationType: 'personal' } });
    const installed = await teams.post({ type: 'installationUpdate', action: 'add' });
    expect(installed[0]!.text).toBe(`${en.welcome}\n\n${en.start.scam}`);
    expect(readable(installed)).toContain(en.account.teamsConfirm);
    expect(readable(installed)).toContain(en.choices.yes);
    expect(await teams.post({ type: 'conversationUpdate', membersAdded: [{ id: 'bot' }] })).toEqual([]);
  });

  test('no greeting in a Teams channel (the helpdesk channel is not a self-service chat)', async () => {
    const c = new HttpConversation(bot.url, '19:abc@thread.tacv2', 'msteams', { conversation: { id: '19:abc@thread.tacv2', conversationType: 'channel' } });
    expect(await c.post({ type: 'conversationUpdate', membersAdded: [{ id: 'someone' }] })).toEqual([]);
  });

  test('the personal path end to end, with card buttons submitted as Web Chat sends them', async () => {
    const c = new HttpConversation(bot.url, 'http-personal');
    expect(readable(await c.say('I changed my phone and get no codes'))).toContain(en.start.problemHeard);
    expect(readable(await c.say('Personal'))).toContain(en.diagnosis.ask);
    expect(readable(await c.say('old phone gone'))).toContain(en.personal.canSignIn);
    const first = await c.say('Yes');
    expect(readable(first)).toContain(en.personal.steps.open.title);
    for (const title of [en.personal.steps.manage.title, en.personal.steps.add.title, en.personal.steps.remove.title]) {
      expect(readable(await c.post({ value: { choice: 'done' } }))).toContain(title);
    }
    expect(readable(await c.post({ value: { choice: 'done' } }))).toContain(en.outcome.ask);
    expect(readable(await c.say('Yes'))).toContain(en.outcome.resolved);
  });

  test('no trace activity (dialog memory snapshot) is ever returned to the caller', async () => {
    const c = new HttpConversation(bot.url, 'http-traces');
    const all = [...(await c.say('hi')), ...(await c.say('work')), ...(await c.say('old phone gone')), ...(await c.say('no')), ...(await c.say('pat@contoso.com'))];
    expect(all.filter((a) => a.type === 'trace')).toEqual([]);
    expect(all.length).toBeGreaterThan(0);
  });
});

describe('bad input', () => {
  test('malformed JSON is a 400 and the server keeps serving', async () => {
    const res = await post('{"type": "message", ');
    expect(res.status).toBe(400);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });

  test.each([
    ['an activity without type', { channelId: 'webchat', conversation: { id: 'x' }, from: { id: 'u' } }, /type/],
    ['an array', [], /JSON object/],
    ['a string', 'hello', /JSON object/],
    ['no conversation', { type: 'message', channelId: 'webchat', from: { id: 'u' } }, /conversation/],
    ['no from', { type: 'message', channelId: 'webchat', conversation: { id: 'x' } }, /from/],
    ['text that is not a string', { type: 'message', channelId: 'webchat', conversation: { id: 'x' }, from: { id: 'u' }, text: { a: 1 } }, /text/],
  ])('%s is a 400 with a clear error', async (_name, body, message) => {
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('BadActivity');
    expect(json.error.message).toMatch(message);
  });

  test('a 1 MB message is refused with 413 before it reaches the bot', async () => {
    const c = new HttpConversation(bot.url, 'big');
    const res = await post(JSON.stringify(c.activity({ text: 'x'.repeat(1024 * 1024) })));
    expect(res.status).toBe(413);
  });

  test('a long message within the body limit gets a polite refusal, not a crash', async () => {
    const c = new HttpConversation(bot.url, 'long');
    expect(readable(await c.say('a'.repeat(5000)))).toContain(en.errors.tooLong);
  });

  test('unknown activity types are accepted and ignored', async () => {
    const c = new HttpConversation(bot.url, 'unknown-type');
    expect(await c.post({ type: 'somethingNew' })).toEqual([]);
    expect(readable(await c.say('hi'))).toContain(en.account.ask);
  });

  test('a message with neither text nor card value asks for text', async () => {
    const c = new HttpConversation(bot.url, 'no-text');
    expect(readable(await c.post({ text: undefined, attachments: [{ contentType: 'image/png', contentUrl: 'http://127.0.0.1:9/x.png' }] }))).toContain(en.errors.nonText);
  });

  test.each([
    ['empty', {}],
    ['null choice', { choice: null }],
    ['a choice this step never offered', { choice: 'approve', target: 'admin@contoso.com' }],
    ['an oversized choice', { choice: 'x'.repeat(10000) }],
    ['a prototype key', { choice: '__proto__' }],
    ['a number', { choice: 7 }],
  ])('a card submit with %s is re-asked, never acted on', async (name, value) => {
    const c = new HttpConversation(bot.url, `forged-${name}`);
    await c.say('hi');
    await c.say('personal');
    await c.say('yes');
    {
      const replies = readable(await c.post({ value }));
      // A string choice not on offer is a button from an earlier question: the re-ask says so.
      const choice: unknown = (value as { choice?: unknown }).choice;
      const staleButton = typeof choice === 'string' && choice.length <= 64;
      expect(replies).toContain(staleButton ? en.prompt.staleButton : "Sorry, I didn't catch that");
      expect(replies).not.toContain(en.personal.steps.manage.title);
    }
  });

  test('HTML and markdown typed by a person are not echoed as markup', async () => {
    const c = new HttpConversation(bot.url, 'inject');
    await c.say('hi');
    await c.say('work');
    await c.say('old phone gone');
    await c.say('no');
    const replies = readable(await c.say('<img src=x onerror=alert(1)>@contoso.com'));
    expect(replies).toContain(en.intake.badAddress);
    expect(replies).not.toContain('<img');
    // A domain is echoed back: it can only be letters, digits, dots and dashes by then.
    const hint = readable(await new HttpConversation(bot.url, 'inject-2').say('my account is pat@outlook.com<script>alert(1)</script>'));
    expect(hint).toContain('An address at outlook.com');
    expect(hint).not.toContain('<script>');
  });

  test('emoji and other scripts are handled like any other unrecognised answer', async () => {
    const c = new HttpConversation(bot.url, 'emoji');
    await c.say('hi');
    expect(readable(await c.say('🙈🙉🙊'))).toContain(en.account.retry);
    expect(readable(await c.say('手机号码'))).toContain(en.account.retry);
  });

  test('phone numbers in every wrong shape get a reason and an example, and never reach the logs', async () => {
    const c = new HttpConversation(bot.url, 'phones');
    for (const text of ['hi', 'work', 'old phone gone', 'no', 'pat@contoso.com', 'skip']) await c.say(text);
    const wrong: [string, string][] = [
      ['', en.errors.nonText],
      ['123', 'too short'],
      ['+999 1234567', 'looks like +44 7400 123456'],
    ];
    for (const [text, expected] of wrong) expect(readable(await c.say(text))).toContain(expected);
    expect(readable(await c.say('+44 7400 123456'))).toContain(en.intake.askFix);
    expect(bot.logs.join('')).not.toMatch(/7400\s?123\s?456/);
  });
});

describe('the turn error handler', () => {
  test('a failing turn apologises, logs with a correlation id and no message text, and the next turn starts cleanly', async () => {
    const storage = new FlakyStorage();
    const failing = await startBot({}, { storage });
    try {
      const c = new HttpConversation(failing.url, 'err');
      expect(readable(await c.say('hi'))).toContain(en.account.ask);
      storage.failWrites = true;
      const res = await fetch(`${failing.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-err-1' },
        body: JSON.stringify(c.activity({ text: 'personal secret-typed-words' })),
      });
      const replies = ((await res.json()) as { activities: { type: string; text?: string }[] }).activities;
      expect(replies.map((a) => a.text)).toContain(en.errors.turn);
      expect(replies.some((a) => /at .*\.ts:\d+/.test(a.text ?? ''))).toBe(false);
      const line = failing.logs.find((l) => l.includes('turn failed'))!;
      expect(JSON.parse(line)).toMatchObject({ correlationId: 'corr-err-1', level: 50 });
      expect(failing.logs.join('')).not.toContain('secret-typed-words');
      storage.failWrites = false;
      expect(readable(await c.say('hi'))).toContain(en.start.hello);
    } finally {
      await failing.stop();
    }
  });
});

describe('Bot Framework authentication', () => {
  test('with an app id configured, requests without a valid token are refused', async () => {
    const secured = await startBot({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret', GRAPH_USE_MANAGED_IDENTITY: 'true' });
    try {
      const body = JSON.stringify(new HttpConversation(secured.url, 'auth').activity({ text: 'hi' }));
      const none = await fetch(`${secured.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(none.status).toBe(401);
      const junk = await fetch(`${secured.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer junk' }, body });
      expect(junk.status).toBe(401);
      expect(secured.logs.join('')).not.toContain('not-a-real-secret');
    } finally {
      await secured.stop();
    }
  });
});
