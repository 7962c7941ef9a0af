/**
 * Graceful shutdown, in process: once stop() begins, /readyz says 503 and new turns are refused
 * with 503 + Retry-After (the channel retries them on another instance), while the turn already
 * running finishes and saves its state before the store closes.
 */
import en from '../../locales/en.json';
import { LocalMemoryStorage } from '../../src/infra/localMemoryStorage';
import { SlowWrites } from '../fakes/slowWrites';
import { HttpConversation, readable, startBot } from '../helpers/botServer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('draining: readyz 503, new turns 503, the turn in flight completes and is saved', async () => {
  const store = new LocalMemoryStorage();
  const bot = await startBot({ SHUTDOWN_DRAIN_SECONDS: '1' }, { storage: new SlowWrites(store, 700) });
  const inFlight = new HttpConversation(bot.url, 'drain-in-flight');
  const turn = inFlight.say('hi');
  await sleep(150); // the turn is now waiting on its state write

  const stopping = bot.stop();
  const ready = await fetch(`${bot.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ ready: false, draining: true });

  const refused = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(new HttpConversation(bot.url, 'drain-new').activity({ text: 'hi' })),
  });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(await refused.json()).toMatchObject({ error: { code: 'ShuttingDown' } });

  expect(readable(await turn)).toContain(en.start.hello.slice(0, 20));
  await stopping;
  const saved = await store.read(['webchat/conversations/drain-in-flight/']);
  expect(saved['webchat/conversations/drain-in-flight/']).toMatchObject({ dialogState: expect.any(Object) });
  expect(await store.read(['webchat/conversations/drain-new/'])).toEqual({});

  await expect(fetch(`${bot.url}/healthz`)).rejects.toThrow();
  const lines = bot.logs.join('');
  expect(lines).toMatch(/"msg":"draining: \/readyz now answers 503/);
  expect(lines).toMatch(/"msg":"stopped"/);
});

test('every log line of a turn carries the instance, the correlation id and the conversation hash', async () => {
  const bot = await startBot({ INSTANCE_ID: 'bot-test-7', LOG_LEVEL: 'debug' });
  try {
    await new HttpConversation(bot.url, 'a:1secretPersonalChatId').say('hi');
  } finally {
    await bot.stop();
  }
  const lines = bot.logs.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.every((l) => l.instance === 'bot-test-7')).toBe(true);
  const turnLines = lines.filter((l) => l.correlationId !== undefined);
  expect(turnLines.length).toBeGreaterThan(0);
  expect(turnLines.every((l) => typeof l.conversation === 'string' && /^[0-9a-f]{12}$/.test(l.conversation))).toBe(true);
  expect(bot.logs.join('')).not.toContain('secretPersonalChatId');
});
