/**
 * Connector clients shared between turns (src/connectorCache.ts): one per (app id, audience,
 * serviceUrl), bounded, none built for an expectReplies turn that does not call the connector,
 * and the shared ones still reach the channel with the credentials the framework would give.
 */
import { CloudAdapter, TurnContext, type Activity, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { SharedConnectorAuthentication } from '../../src/connectorCache';
import { LoopbackConnector } from '../fakes/connector';

let connector: LoopbackConnector;
beforeAll(async () => {
  connector = new LoopbackConnector();
  await connector.start();
});
afterAll(() => connector.stop());

const anonymous = {} as ConfigurationBotFrameworkAuthenticationOptions;
type AuthResult = Awaited<ReturnType<SharedConnectorAuthentication['authenticateRequest']>>;
type Processes = { processActivity(auth: AuthResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<{ status: number; body?: unknown } | undefined> };

function message(serviceUrl: string, extra: Partial<Activity> = {}): Activity {
  return {
    type: 'message',
    id: 'incoming-1',
    text: 'hi',
    channelId: 'webchat',
    serviceUrl,
    conversation: { id: `conversation-${Math.random()}` },
    from: { id: 'person' },
    recipient: { id: 'bot' },
    ...extra,
  } as Activity;
}

/** One turn as src/server.ts runs it: authenticate, then process with the result. */
async function turn(auth: SharedConnectorAuthentication, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
  const adapter = new CloudAdapter(auth) as unknown as Processes;
  return adapter.processActivity(await auth.authenticateRequest(activity, ''), activity, logic);
}

test('turns on one serviceUrl share one client, and their replies still reach the channel', async () => {
  const auth = new SharedConnectorAuthentication(anonymous, { maxClients: 8 });
  const seen: unknown[] = [];
  for (const text of ['one', 'two', 'three']) {
    const activity = message(connector.url);
    await turn(auth, activity, async (context) => {
      seen.push(context.turnState.get(context.adapter.ConnectorClientKey));
      await context.sendActivity(text);
    });
    expect(connector.inConversation(activity.conversation.id).map((c) => c.activity.text)).toEqual([text]);
  }
  expect(auth.clientsBuilt).toBe(1);
  expect(new Set(seen).size).toBe(1);
});

test('a distinct serviceUrl, audience or app id gets its own client', async () => {
  const auth = new SharedConnectorAuthentication(anonymous, { maxClients: 8 });
  const factory = (await auth.authenticateRequest(message(connector.url), '')).connectorFactory!;
  const a = await factory.create(connector.url, 'https://api.botframework.com');
  expect(await factory.create(connector.url, 'https://api.botframework.com')).toBe(a);
  const otherUrl = await factory.create('http://127.0.0.1:9/', 'https://api.botframework.com');
  const otherAudience = await factory.create(connector.url, 'api://some-skill');
  const otherApp = await auth.createConnectorFactory(claims('other-app')).create(connector.url, 'https://api.botframework.com');
  expect(new Set([a, otherUrl, otherAudience, otherApp]).size).toBe(4);
  expect(auth.clientsBuilt).toBe(4);
});

test('the cache is bounded: forged serviceUrls evict the least recently used, and the cache stays at its bound', async () => {
  const auth = new SharedConnectorAuthentication(anonymous, { maxClients: 3 });
  const factory = auth.createConnectorFactory(claims(undefined));
  const kept = await factory.create(connector.url);
  for (let port = 1; port <= 50; port++) {
    await factory.create(`http://127.0.0.1:${port}/`);
    // The channel in real use stays warm; only the forged ones cycle.
    if (port % 2 === 0) expect(await factory.create(connector.url)).toBe(kept);
    expect(auth.size).toBeLessThanOrEqual(3);
  }
  const evicted = auth.clientsBuilt;
  await factory.create('http://127.0.0.1:1/');
  expect(auth.clientsBuilt).toBe(evicted + 1);
});

test('an expectReplies turn builds no client: its replies come back in the response', async () => {
  const auth = new SharedConnectorAuthentication(anonymous, { maxClients: 8 });
  const activity = message('http://127.0.0.1:9/', { deliveryMode: 'expectReplies' });
  const result = await turn(auth, activity, async (context) => {
    await context.sendActivity('answered in the response');
  });
  expect(result?.status).toBe(200);
  expect((result?.body as { activities: Activity[] }).activities.map((a) => a.text)).toEqual(['answered in the response']);
  expect(auth.clientsBuilt).toBe(0);
  expect(auth.size).toBe(0);
  expect((await auth.createUserTokenClient(claims(undefined))) === (await auth.createUserTokenClient(claims(undefined)))).toBe(true);
});

test('an expectReplies turn that does call the connector (an update) builds the client then, and it works', async () => {
  const auth = new SharedConnectorAuthentication(anonymous, { maxClients: 8 });
  const activity = message(connector.url, { deliveryMode: 'expectReplies' });
  await turn(auth, activity, async (context) => {
    expect(auth.clientsBuilt).toBe(0);
    await context.updateActivity({ id: 'card-1', type: 'message', text: 'updated in place' });
  });
  expect(auth.clientsBuilt).toBe(1);
  expect(connector.inConversation(activity.conversation.id)).toEqual([expect.objectContaining({ method: 'PUT', activityId: 'card-1', activity: expect.objectContaining({ text: 'updated in place' }) })]);
  // The next expectReplies turn on that serviceUrl is handed the client just built.
  await turn(auth, message(connector.url, { deliveryMode: 'expectReplies' }), async (context) => {
    expect(typeof (context.turnState.get(context.adapter.ConnectorClientKey) as { credentials?: unknown }).credentials).toBe('object');
  });
  expect(auth.clientsBuilt).toBe(1);
});

test('proactive sends (continueConversationAsync) share the client and still arrive', async () => {
  const auth = new SharedConnectorAuthentication(anonymous, { maxClients: 8 });
  const adapter = new CloudAdapter(auth);
  const reference = { channelId: 'msteams', serviceUrl: connector.url, conversation: { id: '19:proactive@thread.tacv2', isGroup: true, conversationType: 'channel', name: '' }, bot: { id: 'bot', name: 'bot' } };
  for (const text of ['first', 'second']) {
    await adapter.continueConversationAsync('', reference, async (context) => void (await context.sendActivity(text)));
  }
  expect(connector.inConversation('19:proactive@thread.tacv2').map((c) => c.activity.text)).toEqual(['first', 'second']);
  expect(auth.clientsBuilt).toBe(1);
});

test('with an app id, each shared client carries the credentials the framework would build for it', async () => {
  const auth = new SharedConnectorAuthentication(
    { MicrosoftAppId: 'app-1', MicrosoftAppPassword: 'not-a-real-secret', MicrosoftAppType: 'MultiTenant' } as ConfigurationBotFrameworkAuthenticationOptions,
    { maxClients: 8 },
  );
  const factory = auth.createConnectorFactory(claims('app-1'));
  const channel = (await factory.create('https://smba.trafficmanager.net/emea/')) as unknown as { credentials: { appId: string; oAuthScope: string } };
  const skill = (await factory.create('https://smba.trafficmanager.net/emea/', 'api://skill')) as unknown as { credentials: { appId: string; oAuthScope: string } };
  expect(channel.credentials).toMatchObject({ appId: 'app-1', oAuthScope: 'https://api.botframework.com' });
  expect(skill.credentials).toMatchObject({ appId: 'app-1', oAuthScope: 'api://skill' });
  // A token for another app gets no client, and the failure is not cached.
  await expect(auth.createConnectorFactory(claims('someone-else')).create('https://smba.trafficmanager.net/emea/')).rejects.toThrow('Invalid appId');
  expect(auth.size).toBe(2);
});

/** A claims identity as the framework builds it: the app id in the audience claim. */
function claims(appId: string | undefined): Parameters<SharedConnectorAuthentication['createConnectorFactory']>[0] {
  const list = appId ? [{ type: 'aud', value: appId }] : [];
  return { claims: list, isAuthenticated: true, getClaimValue: (type: string) => list.find((c) => c.type === type)?.value ?? null } as unknown as Parameters<
    SharedConnectorAuthentication['createConnectorFactory']
  >[0];
}
