/**
 * The typing indicator against a slow channel (issue 10): a serviceUrl that takes 1.5 s per
 * reply and answers the typing post with 400, after the turn (5 s) or during it. botbuilder's
 * ShowTypingMiddleware ended the process in the first case and deleted the conversation's
 * state in the second; the indicator must own its errors and never touch a finished turn.
 */
import en from '../../locales/en.json';
import { LocalMemoryStorage } from '../../src/infra/localMemoryStorage';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    expect(texts()).toContain(en.personal.canSignIn.slice(0, 30));
    expect(failures()).toBe(2);

    // The dialog goes on where it was: its state survived both failures.
    connector.typingFailure = undefined;
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
