/**
 * Proactive messages in local mode: the bot's CloudAdapter reaches a channel's service URL (here
 * a loopback connector) to post a new activity and to update it in place. This is the mechanism
 * the helpdesk card and the requester's notifications rely on.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { LoopbackConnector } from '../fakes/connector';
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
    const texts = connector.inConversation('plain-delivery').map((c) => String(c.activity.text ?? ''));
    expect(texts.join('\n')).toContain('Can you still sign in to this account another way?');
    expect(texts.join('\n')).not.toContain('something went wrong');
    expect(connector.inConversation('plain-delivery').some((c) => c.activity.type === 'trace')).toBe(false);
    expect(bot.logs.join('')).not.toContain('turn failed');
  } finally {
    await bot.stop();
  }
});
