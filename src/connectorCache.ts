/**
 * Connector clients shared between turns. CloudAdapter asks its authentication for a new
 * ConnectorClient (a full HTTP pipeline: policies, credentials, serializer) and a new
 * UserTokenClient (another pipeline) for every activity, though an expectReplies turn is answered
 * in its HTTP response and never calls the connector, and this bot never asks for user tokens.
 *
 * This authentication builds each client once per (app id, audience, serviceUrl) and hands the
 * same one to later turns: a client holds no per-turn state, only its base URL and credentials,
 * and those are exactly what the key names (the credential factory takes the app id and the
 * audience; login endpoint and options are fixed per instance). The cache is bounded (least
 * recently used goes first), so serviceUrls nobody vouches for cannot grow memory: local mode
 * admits loopback URLs only (src/activityGuard.ts), and a signed token's serviceUrl claim must
 * match the activity's, but any number of loopback ports or paths still fit through.
 *
 * An expectReplies turn gets the shared client when there is one, and otherwise a stand-in that
 * builds the real one only if the turn does call the connector (an update or a delete does);
 * it never adds a serviceUrl to the cache by itself. The UserTokenClient is built on first use.
 */
import { ConfigurationBotFrameworkAuthentication, DeliveryModes, type Activity, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';

/** botframework-connector's types, through botbuilder's (botbuilder does not re-export them). */
type ClaimsIdentity = Parameters<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>[0];
type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;
type UserTokenClient = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['createUserTokenClient']>>;
type AuthenticateRequestResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

export interface SharedConnectorOptions {
  /** Clients kept; one per channel service in practice (a handful), far more only if forged. */
  maxClients: number;
}

export class SharedConnectorAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly clients = new Map<string, Promise<ConnectorClient>>();
  private readonly tokenClients = new Map<string, UserTokenClient>();
  private built = 0;

  constructor(
    config: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly options: SharedConnectorOptions,
  ) {
    super(config);
    if (!(options.maxClients >= 1)) throw new RangeError('maxClients must be at least 1');
  }

  /** Connector clients built so far (tests and diagnostics: a turn served from the cache adds none). */
  get clientsBuilt(): number {
    return this.built;
  }

  /** Connector clients held now. */
  get size(): number {
    return this.clients.size;
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await super.authenticateRequest(activity, authHeader);
    if (!result.connectorFactory) return result;
    const shared = this.share(result.connectorFactory, appIdOf(result.claimsIdentity));
    if (activity.deliveryMode !== DeliveryModes.ExpectReplies) return { ...result, connectorFactory: shared };
    const factory: ConnectorFactory = {
      create: async (serviceUrl, audience) => {
        const held = this.lookup(this.key(appIdOf(result.claimsIdentity), serviceUrl, audience));
        return held ? await held : deferredConnector(() => shared.create(serviceUrl, audience));
      },
    };
    return { ...result, connectorFactory: factory };
  }

  /** Proactive turns (continueConversationAsync, createConversationAsync) come through here. */
  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.share(super.createConnectorFactory(claimsIdentity), appIdOf(claimsIdentity));
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    const appId = appIdOf(claimsIdentity) ?? '';
    let client = this.tokenClients.get(appId);
    if (!client) {
      // The framework builds it from the app id alone, so one per app id serves every turn.
      client = deferredUserTokenClient(() => super.createUserTokenClient(claimsIdentity));
      // App ids come from validated tokens (ours, or none when unauthenticated): a handful at most.
      if (this.tokenClients.size >= this.options.maxClients) this.tokenClients.delete(this.tokenClients.keys().next().value!);
      this.tokenClients.set(appId, client);
    }
    return Promise.resolve(client);
  }

  private share(inner: ConnectorFactory, appId: string | undefined): ConnectorFactory {
    return {
      create: (serviceUrl, audience) => {
        const k = this.key(appId, serviceUrl, audience);
        const held = this.lookup(k);
        if (held) return held;
        this.built += 1;
        const created = inner.create(serviceUrl, audience);
        // A failed build (a credential that cannot be made) is not kept: the next turn tries again.
        created.catch(() => {
          if (this.clients.get(k) === created) this.clients.delete(k);
        });
        if (this.clients.size >= this.options.maxClients) this.clients.delete(this.clients.keys().next().value!);
        this.clients.set(k, created);
        return created;
      },
    };
  }

  /**
   * No audience means the channel's default, which the factory knows and this class does not
   * (ConfigurationBotFrameworkAuthentication does not say): such calls (proactive turns) get a
   * client of their own, at most one more per serviceUrl.
   */
  private key(appId: string | undefined, serviceUrl: string, audience: string | undefined): string {
    return JSON.stringify([appId ?? null, audience ?? null, serviceUrl]);
  }

  /** The held client, marked as the most recently used. */
  private lookup(k: string): Promise<ConnectorClient> | undefined {
    const held = this.clients.get(k);
    if (held) {
      this.clients.delete(k);
      this.clients.set(k, held);
    }
    return held;
  }
}

/** What the connector factory keys its credentials on: the audience claim, else the appid claim. */
function appIdOf(identity: ClaimsIdentity): string | undefined {
  return identity.getClaimValue('aud') ?? identity.getClaimValue('appid') ?? undefined;
}


/**
 * A ConnectorClient for a turn that will most likely not call it: its operation groups build the
 * real client on the first call. Only the groups are offered; code that wants the client's
 * credentials (TeamsInfo) runs on Teams turns, which are never expectReplies.
 */
function deferredConnector(build: () => Promise<ConnectorClient>): ConnectorClient {
  let client: Promise<ConnectorClient> | undefined;
  const group = (name: 'conversations' | 'attachments'): object =>
    new Proxy(
      {},
      {
        get: (_target, method) => {
          if (typeof method !== 'string' || method === 'then') return undefined;
          return async (...args: unknown[]): Promise<unknown> => {
            const real = await (client ??= build());
            const operations = real[name] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
            return operations[method]!.apply(real[name], args);
          };
        },
      },
    );
  return { conversations: group('conversations'), attachments: group('attachments') } as unknown as ConnectorClient;
}

/** A UserTokenClient that builds the real one (its own HTTP pipeline) on the first call. */
function deferredUserTokenClient(build: () => Promise<UserTokenClient>): UserTokenClient {
  let client: Promise<UserTokenClient> | undefined;
  const real = (): Promise<UserTokenClient> => {
    if (!client) {
      const building = build();
      // A failed build is not kept: the next call tries again.
      building.catch(() => {
        if (client === building) client = undefined;
      });
      client = building;
    }
    return client;
  };
  return {
    getUserToken: async (...args) => (await real()).getUserToken(...args),
    getSignInResource: async (...args) => (await real()).getSignInResource(...args),
    signOutUser: async (...args) => (await real()).signOutUser(...args),
    getTokenStatus: async (...args) => (await real()).getTokenStatus(...args),
    getAadTokens: async (...args) => (await real()).getAadTokens(...args),
    exchangeToken: async (...args) => (await real()).exchangeToken(...args),
  };
}
