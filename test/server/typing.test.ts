/**
 * The typing indicator against a slow channel (issue 10): a serviceUrl that takes 1.5 s per
 * reply and answers the typing post with 400, after the turn (5 s) or during it. botbuilder's
 * ShowTypingMiddleware ended the process in the first case and deleted the conversation's
 * state in the second; the indicator must own its errors and never touch a finished turn.
 */
import { TestAdapter, TurnContext, type Activity } from 'botbuilder';
import en from '../../locales/en.json';
import { LocalMemoryStorage } from '../../src/infra/localMemoryStorage';
import { TypingIndicator } from '../../src/typingIndicator';
import { RecordingLog } from '../fakes/ports';
import { LoopbackConnector } from '../fakes/connector';
import { SlowWrites } from '../fakes/slowWrites';
import { HttpConversation, readable, startBot, type RunningBot } from '../helpers/botServer';

let connector: LoopbackConnector;
let bot: RunningBot;
beforeAll(async () => {
  connector = new LoopbackConnector();
  await connector.start();
  bot = await startBot();
});
afterAll(async () => {
  await bot.stop();
  await connector.stop();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(50);
  }
}

test('a typing post that fails after a slow turn, or during one, costs nothing: process up, state kept, no error turn', async () => {
  const id = 'typing-slow-channel';
  const say = async (text: string) => {
    const res = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message', channelId: 'webchat', serviceUrl: connector.url, text,
        conversation: { id }, from: { id: 'typing-user' }, recipient: { id: 'bot' }, locale: 'en-GB',
      }),
    });
    expect(res.status).toBe(200);
  };
  const failures = () => bot.logs.filter((l) => l.includes('typing indicator failed')).length;
  const texts = () => connector.inConversation(id).map((c) => `${String(c.activity.text ?? '')} ${JSON.stringify(c.activity.attachments ?? [])}`).join('\n');
  connector.replyDelayMs = 1500;
  try {
    // Two replies at 1.5 s each: the indicator goes out at 1 s, and its 400 arrives after the turn.
    connector.typingFailure = { status: 400, afterMs: 5000 };
    await say('hi');
    expect(texts()).toContain(en.account.ask.slice(0, 30));
    await until(() => failures() === 1, 8000);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);

    // Now the 400 arrives during the turn (one reply of 1.5 s): the turn carries on regardless.
    connector.typingFailure = { status: 400, afterMs: 100 };
    await say('personal');
    expect(texts()).toContain(en.diagnosis.ask.slice(0, 30));
    expect(failures()).toBe(2);

    // The dialog goes on where it was: its state survived both failures.
    connector.typingFailure = undefined;
    await say('old phone gone');
    expect(texts()).toContain(en.personal.canSignIn.slice(0, 30));
    await say('yes');
    expect(texts()).toContain(en.personal.steps.open.title);
    expect(connector.inConversation(id).filter((c) => c.activity.type === 'typing').length).toBeGreaterThanOrEqual(2);
    expect(texts()).not.toContain(en.errors.turn);
    expect(bot.logs.join('')).not.toContain('turn failed');
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  } finally {
    connector.replyDelayMs = 0;
    connector.typingFailure = undefined;
  }
}, 30_000);

test('no indicator for an expectReplies turn (answered in the HTTP response), however slow', async () => {
  // Every conversation-state write waits 1.2 s, so the turn outlasts the indicator's 1 s delay.
  const slow = await startBot({}, { storage: new SlowWrites(new LocalMemoryStorage(), 1200) });
  try {
    const c = new HttpConversation(slow.url, 'typing-expect-replies', 'webchat', { serviceUrl: connector.url });
    const started = Date.now();
    expect(readable(await c.say('hi'))).toContain(en.account.ask.slice(0, 30));
    expect(Date.now() - started).toBeGreaterThan(1100);
    await sleep(300);
    expect(connector.inConversation('typing-expect-replies')).toEqual([]);
  } finally {
    await slow.stop();
  }
});

describe('which turns get an indicator (the middleware alone, short delays)', () => {
  /** Runs one turn of `ms` through the indicator; returns the activity types it posted. */
  async function postedDuring(activity: Partial<Activity>, ms = 200): Promise<string[]> {
    const posted: string[] = [];
    const connector = {
      conversations: {
        replyToActivity: async (_c: string, _id: string, a: Partial<Activity>) => void posted.push(String(a.type)),
        sendToConversation: async (_c: string, a: Partial<Activity>) => void posted.push(String(a.type)),
      },
    };
    const adapter = new TestAdapter();
    const context = new TurnContext(adapter, { channelId: 'webchat', serviceUrl: 'http://127.0.0.1:9', conversation: { id: 'c' } as Activity['conversation'], from: { id: 'u' }, recipient: { id: 'bot' }, id: 'a1', ...activity } as Activity);
    context.turnState.set(adapter.ConnectorClientKey, connector);
    await new TypingIndicator({ delayMs: 20, periodMs: 50, log: new RecordingLog() }).onTurn(context, () => sleep(ms));
    const atEnd = posted.length;
    await sleep(150);
    expect(posted.length).toBe(atEnd); // nothing after the turn
    return posted;
  }

  test('a slow message: typing, repeated, and nothing once the turn is over', async () => {
    const posted = await postedDuring({ type: 'message', text: 'hi' });
    expect(posted.length).toBeGreaterThanOrEqual(2);
    expect(new Set(posted)).toEqual(new Set(['typing']));
  });

  test.each([
    ['an expectReplies message', { type: 'message', text: 'hi', deliveryMode: 'expectReplies' }],
    ['an invoke', { type: 'invoke', name: 'adaptiveCard/action' }],
    ['an event', { type: 'event', name: 'webchat/join' }],
    ['a conversationUpdate', { type: 'conversationUpdate' }],
  ])('%s: none', async (_name, activity) => {
    expect(await postedDuring(activity as Partial<Activity>)).toEqual([]);
  });

  test('a failed post is logged once, not rethrown, and ends the indicator for the turn', async () => {
    const log = new RecordingLog();
    let calls = 0;
    const adapter = new TestAdapter();
    const context = new TurnContext(adapter, { type: 'message', channelId: 'webchat', serviceUrl: 'http://127.0.0.1:9', conversation: { id: 'c' } as Activity['conversation'], from: { id: 'u' }, recipient: { id: 'bot' }, id: 'a1' } as Activity);
    const fail = async () => {
      calls += 1;
      throw Object.assign(new Error('Bad Request'), { name: 'RestError', statusCode: 400 });
    };
    context.turnState.set(adapter.ConnectorClientKey, { conversations: { replyToActivity: fail, sendToConversation: fail } });
    await new TypingIndicator({ delayMs: 10, periodMs: 20, log }).onTurn(context, () => sleep(200));
    expect(calls).toBe(1);
    expect(log.lines).toEqual([{ level: 'warn', obj: expect.objectContaining({ err: { name: 'RestError', status: 400, code: undefined } }), msg: 'typing indicator failed' }]);
  });
});
