/**
 * The dev Direct Line endpoint with the real bot and the official Direct Line client, all on
 * loopback: conversations over WebSocket and polling, tokens, resuming after a watermark, uploads,
 * and the bot's own calls back (replies, proactive posts, updates in place, deletes).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import type { Activity, Message } from 'botframework-directlinejs';
import { startDevDirectLine, type DevDirectLine } from '../../../src/local/directLine/devDirectLine';
import { RecordingLog } from '../../fakes/ports';
import { startBot, type RunningBot } from '../../helpers/botServer';
import { ACCOUNT_QUESTION, Chat, NON_TEXT, SECRET, WELCOME, api, botSays, botSide, fromBot } from './client';

let bot: RunningBot;
let dl: DevDirectLine;
const log = new RecordingLog();
const chats: Chat[] = [];

beforeAll(async () => {
  bot = await startBot({});
  dl = await startDevDirectLine({ botEndpoint: `${bot.url}/api/messages`, secret: SECRET, log });
});
afterEach(() => {
  for (const chat of chats.splice(0)) chat.end();
});
afterAll(async () => {
  await dl.close();
  await bot.stop();
});

function open(options: { secret?: string; token?: string; webSocket: boolean; conversationId?: string; watermark?: string }): Chat {
  const chat = Chat.open({ domain: `${dl.url}/v3/directline`, ...options });
  chats.push(chat);
  return chat;
}

const text = (a: Activity) => (a as Message).text ?? '';
const polled = (conversationId: string) =>
  log.lines.some((l) => (l.obj as { method?: string }).method === 'GET' && (l.obj as { path?: string }).path === `/v3/directline/conversations/${conversationId}/activities`);

describe('a conversation with the real bot through the official client', () => {
  test('over WebSocket with the secret: the page join event gets the welcome, and "hi" gets the account question', async () => {
    const chat = open({ secret: SECRET, webSocket: true });
    await chat.join({ id: 'dl_ws_user', name: 'Wes' });
    const welcome = await chat.waitFor(botSays(WELCOME), 'the welcome');
    const id = await chat.post({ type: 'message', from: { id: 'dl_ws_user', name: 'Wes' }, text: 'hi' });

    const echo = await chat.waitFor((a) => a.id === id, 'the echo of "hi"');
    expect(echo).toMatchObject({ type: 'message', text: 'hi', channelId: 'webchat', from: { id: 'dl_ws_user', name: 'Wes', role: 'user' } });
    const question = await chat.waitFor(botSays(ACCOUNT_QUESTION), 'the account question');
    expect(chat.received.indexOf(welcome)).toBeLessThan(chat.received.indexOf(question));
    expect(question.from).toMatchObject({ id: 'dev-bot', role: 'bot' });
    expect(question.conversation?.id).toBe(echo.conversation?.id);
    expect(polled(echo.conversation!.id)).toBe(false);
  });

  test('by polling with a token from generateToken: the bound user is welcomed when the page joins and cannot be changed', async () => {
    const { token, conversationId, expires_in } = await dl.generateToken('dl_poll_user');
    expect(expires_in).toBe(1800);
    const chat = open({ token, webSocket: false });
    await chat.join();
    await chat.waitFor(botSays(WELCOME), 'the welcome, before anything is typed');

    const id = await chat.post({ type: 'message', from: { id: 'someone-else', name: 'Pat' }, text: 'hi' });
    const echo = await chat.waitFor((a) => a.id === id, 'the echo');
    expect(echo.from).toEqual({ id: 'dl_poll_user', name: 'Pat', role: 'user' });
    expect(echo.conversation?.id).toBe(conversationId);
    await chat.waitFor(botSays(ACCOUNT_QUESTION), 'the account question');
    expect(polled(conversationId)).toBe(true);
  });

  test('tokens/generate over HTTP, then tokens/refresh: the refreshed token opens the same conversation', async () => {
    const generated = await api(dl.url, 'POST', '/tokens/generate', { auth: SECRET, body: { user: { id: 'dl_http_user', name: 'Hana' } } });
    expect(generated.status).toBe(200);
    expect(generated.json).toEqual({ conversationId: expect.any(String), token: expect.any(String), expires_in: 1800 });
    const { conversationId, token } = generated.json as { conversationId: string; token: string };

    const refreshed = await api(dl.url, 'POST', '/tokens/refresh', { auth: token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json).toEqual({ conversationId, token: expect.any(String), expires_in: 1800 });
    expect(refreshed.json.token).not.toBe(token);

    const chat = open({ token: refreshed.json.token as string, webSocket: true });
    await chat.join();
    await chat.waitFor(botSays(WELCOME), 'the welcome');
    const id = await chat.post({ type: 'message', from: { id: 'ignored' }, text: 'hi' });
    expect((await chat.waitFor((a) => a.id === id, 'the echo')).from).toMatchObject({ id: 'dl_http_user', name: 'Hana' });
    await chat.waitFor(botSays(ACCOUNT_QUESTION), 'the account question');
    // The token it replaced still works until it expires, as with Direct Line.
    expect((await api(dl.url, 'GET', `/conversations/${conversationId}/activities`, { auth: token })).status).toBe(200);
  });

  test.each([
    ['WebSocket', true],
    ['polling', false],
  ])('a second client resumes after a watermark over %s and gets only newer activities', async (_name, webSocket) => {
    const { token, conversationId } = await dl.generateToken(`dl_resume_${String(webSocket)}`);
    const first = open({ token, webSocket: true });
    await first.post({ type: 'message', from: { id: 'x' }, text: 'hi' });
    await first.waitFor(botSays(ACCOUNT_QUESTION), 'the account question');
    first.end();

    const before = await api(dl.url, 'GET', `/conversations/${conversationId}/activities`, { auth: token });
    const seen = (before.json.activities as { id: string }[]).map((a) => a.id);
    const watermark = before.json.watermark as string;
    expect(seen.length).toBeGreaterThanOrEqual(3);

    const second = open({ token, conversationId, watermark, webSocket });
    const id = await second.post({ type: 'message', from: { id: 'x' }, text: 'personal' });
    await second.waitFor((a) => a.id === id, 'the echo of the new message');
    await second.waitFor((a) => fromBot(a) && second.received.findIndex((b) => b.id === id) < second.received.indexOf(a), 'a bot answer to it');
    expect(second.received.filter((a) => seen.includes(a.id!))).toEqual([]);
    expect(second.received[0]!.id).toBe(id);
  });
});

describe('uploads', () => {
  let files: http.Server;
  let filesUrl: string;
  beforeAll(async () => {
    // Stands in for the browser's blob: URL the client reads the file from before uploading it.
    files = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end('hello from a text file');
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    files.closeAllConnections();
    await new Promise<void>((resolve) => files.close(() => resolve()));
  });

  test('a text file sent through the client reaches the bot, which answers that it only reads text', async () => {
    const { token } = await dl.generateToken('dl_upload_user');
    const chat = open({ token, webSocket: true });
    await chat.join();
    await chat.waitFor(botSays(WELCOME), 'the welcome');
    const id = await chat.post({
      type: 'message',
      from: { id: 'dl_upload_user' },
      attachments: [{ contentType: 'text/plain', contentUrl: `${filesUrl}/note.txt`, name: 'note.txt' }],
    });
    const echo = (await chat.waitFor((a) => a.id === id, 'the echo of the upload')) as Message;
    expect(echo.attachments).toEqual([{ contentType: 'text/plain', contentUrl: expect.stringMatching(new RegExp(`^${dl.url}/attachments/[^/]+/note\\.txt$`)), name: 'note.txt' }]);
    const stored = await fetch((echo.attachments![0] as { contentUrl: string }).contentUrl);
    expect(stored.headers.get('content-type')).toBe('text/plain');
    expect(stored.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await stored.text()).toBe('hello from a text file');
    await chat.waitFor(botSays(NON_TEXT), 'the non-text answer');
  });

  test('a multipart upload with an activity part carries its text to the bot; userId names the sender', async () => {
    const started = await api(dl.url, 'POST', '/conversations', { auth: SECRET });
    const conversationId = started.json.conversationId as string;
    const form = new FormData();
    form.append('activity', new Blob([JSON.stringify({ type: 'message', text: 'hi' })], { type: 'application/vnd.microsoft.activity' }));
    form.append('file', new Blob(['a, b\n1, 2\n'], { type: 'text/csv' }), 'data.csv');
    const uploaded = await api(dl.url, 'POST', `/conversations/${conversationId}/upload?userId=dl_raw_user`, { auth: SECRET, raw: form });
    expect(uploaded.status).toBe(200);

    const activities = async () => (await api(dl.url, 'GET', `/conversations/${conversationId}/activities`, { auth: SECRET })).json.activities as Record<string, unknown>[];
    const echo = (await activities()).find((a) => a.id === uploaded.json.id)!;
    expect(echo).toMatchObject({ text: 'hi', from: { id: 'dl_raw_user', role: 'user' }, attachments: [{ contentType: 'text/csv', name: 'data.csv' }] });
    // The bot read the text, so it answered the greeting rather than refusing the attachment.
    expect((await activities()).some((a) => typeof a.text === 'string' && a.text.includes(ACCOUNT_QUESTION))).toBe(true);
  });
});

describe('the bot-side Connector routes', () => {
  test('a direct PUT updates an activity in place: clients get it again with the same id', async () => {
    const { token, conversationId } = await dl.generateToken('dl_update_user');
    const chat = open({ token, webSocket: true });
    await chat.join();
    const welcome = await chat.waitFor(botSays(WELCOME), 'the welcome');

    const res = await api(botSide(dl), 'PUT', `/v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(welcome.id!)}`, {
      body: { type: 'message', text: 'Welcome (edited)' },
    });
    expect(res).toEqual({ status: 200, json: { id: welcome.id } });
    const updated = await chat.waitFor((a) => a.id === welcome.id && text(a) === 'Welcome (edited)', 'the updated welcome');
    expect(updated.timestamp).toBe(welcome.timestamp);

    const all = (await api(dl.url, 'GET', `/conversations/${conversationId}/activities`, { auth: token })).json.activities as { id: string; text: string }[];
    expect(all.filter((a) => a.id === welcome.id).map((a) => a.text)).toEqual(['Welcome (edited)']);
  });

  test('the bot SDK posts proactively, updates and deletes through serviceUrl; an open stream sees it all', async () => {
    const { token, conversationId } = await dl.generateToken('dl_proactive_user');
    const chat = open({ token, webSocket: true });
    await chat.join();
    await chat.waitFor(botSays(WELCOME), 'the welcome');

    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions));
    const reference = { channelId: 'webchat', serviceUrl: dl.serviceUrl, conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' }, bot: { id: 'dev-bot', name: 'Bot' } };
    let id = '';
    await adapter.continueConversationAsync('', reference, async (context) => {
      id = (await context.sendActivity('The helpdesk approved your request.'))!.id;
    });
    await chat.waitFor((a) => a.id === id && text(a) === 'The helpdesk approved your request.', 'the proactive message');

    await adapter.continueConversationAsync('', reference, async (context) => {
      await context.updateActivity({ id, type: 'message', text: 'The helpdesk approved your request. Done.' });
    });
    await chat.waitFor((a) => a.id === id && text(a).endsWith('Done.'), 'the update');

    await adapter.continueConversationAsync('', reference, async (context) => {
      await context.deleteActivity(id);
    });
    const all = (await api(dl.url, 'GET', `/conversations/${conversationId}/activities`, { auth: token })).json.activities as { id: string }[];
    expect(all.some((a) => a.id === id)).toBe(false);
  });

  test('trace activities are not shown to clients; unknown conversations and activities are 404', async () => {
    const { token, conversationId } = await dl.generateToken('dl_trace_user');
    const path = `/v3/conversations/${conversationId}/activities`;
    expect((await api(botSide(dl), 'POST', path, { body: { type: 'trace', name: 'debug' } })).status).toBe(200);
    const all = (await api(dl.url, 'GET', `/conversations/${conversationId}/activities`, { auth: token })).json.activities as { type: string }[];
    expect(all.filter((a) => a.type === 'trace')).toEqual([]);

    const unknown = await api(botSide(dl), 'POST', '/v3/conversations/no-such-conversation/activities', { body: { type: 'message', text: 'x' } });
    expect(unknown).toEqual({ status: 404, json: { error: { code: 'NotFound', message: expect.any(String) } } });
    expect((await api(botSide(dl), 'PUT', `${path}/no-such-activity`, { body: { type: 'message' } })).status).toBe(404);
    expect((await api(botSide(dl), 'DELETE', `${path}/no-such-activity`)).status).toBe(404);
  });

  test('only the capability serviceUrl reaches them: without the bot secret in the path it is 404, with no CORS', async () => {
    const { token, conversationId } = await dl.generateToken('dl_capability_user');
    const path = `/v3/conversations/${encodeURIComponent(conversationId)}/activities`;
    const forged = { type: 'message', text: 'Your helpdesk says: call +1 555 0100 now' };
    expect(new URL(dl.serviceUrl).pathname).toMatch(/^\/bot\/[A-Za-z0-9_-]{40,}\/$/);
    const wrongSecret = `${dl.url}/bot/${'A'.repeat(43)}`;
    for (const base of [dl.url, wrongSecret, `${dl.url}/bot`]) {
      expect((await api(base, 'POST', path, { body: forged })).status).toBe(404);
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify(forged) });
      expect(res.status).toBe(404);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      await res.arrayBuffer();
    }
    const preflight = await fetch(`${botSide(dl)}${path}`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    await preflight.arrayBuffer();
    const withSecret = await fetch(`${botSide(dl)}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'from the bot' }) });
    expect(withSecret.status).toBe(200);
    expect(withSecret.headers.get('access-control-allow-origin')).toBeNull();
    await withSecret.arrayBuffer();
    const all = (await api(dl.url, 'GET', `/conversations/${conversationId}/activities`, { auth: token })).json.activities as { text?: string }[];
    expect(all.map((a) => a.text)).toContain('from the bot');
    expect(all.map((a) => a.text)).not.toContain(forged.text);
    // The secret path never reaches the log.
    expect(JSON.stringify(log.lines)).not.toContain(new URL(dl.serviceUrl).pathname.split('/')[2]);
  });

  test('every answer says nosniff, the client-facing API keeps its CORS, and the bot is given the capability serviceUrl', async () => {
    for (const [method, path, cors] of [
      ['GET', '/v3/directline/conversations/x/activities', '*'],
      ['OPTIONS', '/v3/directline/conversations', '*'],
      ['GET', '/nowhere', null],
    ] as const) {
      const res = await fetch(`${dl.url}${path}`, { method, headers: { origin: 'http://localhost:3978' } });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('access-control-allow-origin')).toBe(cors);
      await res.arrayBuffer();
    }
    const chat = open({ secret: SECRET, webSocket: false });
    await chat.post({ type: 'message', from: { id: 'dl_service_url_user' }, text: 'hi' });
    await chat.waitFor(botSays(ACCOUNT_QUESTION), 'the account question, sent back through the capability serviceUrl');
  });
});
