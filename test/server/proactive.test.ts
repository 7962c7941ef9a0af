/**
 * Proactive messages in local mode: the bot's CloudAdapter reaches a channel's service URL (here
 * a loopback connector) to post a new activity and to update it in place. This is the mechanism
 * the helpdesk card and the requester's notifications rely on.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, MemoryStorage, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { Voice } from '../../dialogs/voice';
import en from '../../locales/en.json';
import es from '../../locales/es.json';
import { Localizer } from '../../src/core/i18n';
import { ProactiveSender } from '../../src/helpdesk/proactiveSender';
import { CheckedConversationState } from '../../src/infra/checkedState';
import { createTurnErrorHandler } from '../../src/turnError';
import { LoopbackConnector } from '../fakes/connector';
import { RecordingLog } from '../fakes/ports';
import { startBot } from '../helpers/botServer';

let connector: LoopbackConnector;
beforeAll(async () => {
  connector = new LoopbackConnector();
  await connector.start();
});
afterAll(() => connector.stop());

const channel = '19:helpdesk0123456789abcdef@thread.tacv2';

test('a proactive post and an in-place update reach the service URL, unauthenticated in local mode', async () => {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions));
  const reference = { channelId: 'msteams', serviceUrl: connector.url, conversation: { id: channel, isGroup: true, conversationType: 'channel', name: '' }, bot: { id: 'bot', name: 'bot' } };
  let posted = '';
  await adapter.continueConversationAsync('', reference, async (context) => {
    posted = (await context.sendActivity({ type: 'message', text: 'request HD-TEST-0001' }))!.id;
  });
  expect(posted).toMatch(/^activity-/);
  await adapter.continueConversationAsync('', reference, async (context) => {
    await context.updateActivity({ id: posted, type: 'message', text: 'request HD-TEST-0001: done' });
  });
  const calls = connector.inConversation(channel);
  expect(calls.map((c) => c.method)).toEqual(['POST', 'PUT']);
  expect(calls[1]).toMatchObject({ activityId: posted, activity: { text: 'request HD-TEST-0001: done' } });
  expect(calls[0]!.authorization).toBeUndefined();
});

test('a connector outage surfaces as an error the caller can handle (not a hang)', async () => {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions));
  const reference = { channelId: 'msteams', serviceUrl: connector.url, conversation: { id: channel, isGroup: true, conversationType: 'channel', name: '' }, bot: { id: 'bot', name: 'bot' } };
  connector.failNext = 10;
  connector.failStatus = 400; // a non-retryable answer, so the test does not wait out the client's retries
  const before = connector.calls.length;
  await expect(
    adapter.continueConversationAsync('', reference, async (context) => {
      await context.sendActivity('will not arrive');
    }),
  ).rejects.toThrow();
  connector.failNext = 0;
  expect(connector.calls.length).toBe(before);
});

test('normal delivery (no expectReplies): replies reach the channel, the trace-only sends do not fail the turn', async () => {
  const bot = await startBot();
  try {
    const post = (text: string) =>
      fetch(`${bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message', channelId: 'webchat', serviceUrl: connector.url, text,
          conversation: { id: 'plain-delivery' }, from: { id: 'u1' }, recipient: { id: 'bot' }, locale: 'en-GB',
        }),
      });
    expect((await post('hi')).status).toBeLessThan(300);
    expect((await post('personal')).status).toBeLessThan(300);
    expect((await post('old phone gone')).status).toBeLessThan(300);
    const texts = connector.inConversation('plain-delivery').map((c) => String(c.activity.text ?? ''));
    expect(texts.join('\n')).toContain('Can you still sign in to this account another way?');
    expect(texts.join('\n')).not.toContain('something went wrong');
    expect(connector.inConversation('plain-delivery').some((c) => c.activity.type === 'trace')).toBe(false);
    expect(bot.logs.join('')).not.toContain('turn failed');
  } finally {
    await bot.stop();
  }
});

describe('proactive sends report their real outcome, and a failed one never costs a conversation its state', () => {
  const requester = 'web-proactive-state';
  const reference = () => ({
    channelId: 'webchat', serviceUrl: connector.url, conversation: { id: requester, isGroup: false, conversationType: 'personal', name: '' }, user: { id: 'u1', name: '' }, bot: { id: 'bot', name: 'bot' },
  });
  /** The adapter as the app builds it: the app's own onTurnError, which swallows the error. */
  function appAdapter(storage: MemoryStorage, log: RecordingLog) {
    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions));
    adapter.onTurnError = createTurnErrorHandler(new CheckedConversationState(storage), new Voice(new Localizer({ en, es }, 'en')), log);
    return adapter;
  }
  const stateKey = `webchat/conversations/${requester}/`;

  afterEach(() => {
    connector.failNext = 0;
    connector.failStatus = 503;
  });

  test('a send to an unreachable connector is a failure the caller sees (the bare adapter resolves as if it had worked)', async () => {
    const log = new RecordingLog();
    const adapter = appAdapter(new MemoryStorage(), log);
    connector.failNext = 10;
    connector.failStatus = 400;
    await expect(adapter.continueConversationAsync('', reference(), async (context) => void (await context.sendActivity('lost')))).resolves.toBeUndefined();
    const outcome = await new ProactiveSender(adapter, '').send(reference(), { type: 'message', text: 'lost' });
    expect(outcome.ok).toBe(false);
    connector.failNext = 0;
    const delivered = await new ProactiveSender(adapter, '').send(reference(), { type: 'message', text: 'arrives' });
    expect(delivered).toEqual({ ok: true, activityId: expect.stringMatching(/^activity-/) });
    const updated = await new ProactiveSender(adapter, '').update(reference(), { id: (delivered as { activityId: string }).activityId, type: 'message', text: 'arrives, edited' });
    expect(updated.ok).toBe(true);
  });

  test('a proactive turn that fails in middleware, before the send ran, is a failure too', async () => {
    const adapter = appAdapter(new MemoryStorage(), new RecordingLog());
    adapter.use(async () => {
      throw new Error('middleware broke');
    });
    const outcome = await new ProactiveSender(adapter, '').send(reference(), { type: 'message', text: 'never sent' });
    expect(outcome).toMatchObject({ ok: false });
  });

  test('onTurnError on a proactive turn logs it and leaves the conversation state alone (no apology, no trace sent)', async () => {
    const storage = new MemoryStorage();
    await storage.write({ [stateKey]: { dialogState: { dialogStack: [{ id: 'intake' }] }, eTag: '*' } });
    const log = new RecordingLog();
    const adapter = appAdapter(storage, log);
    const calls = connector.calls.length;
    await adapter.continueConversationAsync('', reference(), async () => {
      throw new Error('send failed');
    });
    expect((await storage.read([stateKey]))[stateKey]).toMatchObject({ dialogState: { dialogStack: [{ id: 'intake' }] } });
    expect(connector.calls.length).toBe(calls);
    expect(log.lines.map((l) => l.msg)).toEqual(['proactive turn failed']);
  });
});
