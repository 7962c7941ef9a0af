/**
 * The composition root: builds every concrete object once from a validated Config and wires
 * them together. `src/index.ts` runs it for real; tests run the same function on port 0.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConversationState,
  MemoryStorage,
  UserState,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type Storage,
} from 'botbuilder';
import { MainDialog } from '../dialogs/mainDialog';
import type { SupportCase } from '../dialogs/services';
import { Voice } from '../dialogs/voice';
import en from '../locales/en.json';
import es from '../locales/es.json';
import { SupportBot } from './bot';
import type { Config } from './config';
import type { DirectoryPort } from './core/directory';
import { Localizer } from './core/i18n';
import { systemClock, type Clock, type EscalationPort, type OutcomePort } from './core/ports';
import { Helpdesk } from './helpdesk/helpdesk';
import { HelpdeskChannelStore } from './infra/helpdeskChannel';
import { StoredAudit } from './infra/storedAudit';
import { TicketStore } from './infra/ticketStore';
import { StoredOutcomes } from './infra/outcomeStats';
import { SqliteStorage } from './infra/sqliteStorage';
import { createLogger, type Logger } from './logging';
import { createGraphCredential } from './graph/credentials';
import { createGraphClient } from './graph/graphClient';
import { GraphDirectory } from './graph/graphDirectory';
import { startGraphSandbox, type GraphSandbox } from './sandbox/graphSandbox';
import { loadTenantSeed } from './sandbox/tenant';
import { startDevDirectLine, type DevDirectLine } from './directline/devDirectLine';
import { DevDirectLineTokens, DirectLineServiceTokens } from './portal/directLineTokens';
import { registerPortal, type TokenSource } from './portal/portal';
import { createServer } from './server';
import { traceFilter } from './traceFilter';
import { createTurnErrorHandler } from './turnError';

export interface AppOverrides {
  logger?: Logger;
  /** Replace the configured store (tests inject a failing one). */
  storage?: Storage;
  clock?: Clock;
  /** Replace a port (tests use fakes for failure paths). */
  escalations?: EscalationPort;
  outcomes?: OutcomePort;
}

export interface App {
  readonly storage: Storage;
  readonly log: Logger;
  /** The built-in sandbox tenant when no Graph credential is configured (tests inspect its state). */
  readonly sandbox?: GraphSandbox;
  readonly helpdesk: Helpdesk;
  /** Starts listening; resolves with the base URL, e.g. http://127.0.0.1:3978. */
  start(): Promise<string>;
  /** Stops taking requests, lets turns in flight finish, then closes the store. */
  stop(): Promise<void>;
}


export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.logger ?? createLogger(config.logLevel);
  const graph = await connectGraph(config, log);
  const clock = overrides.clock ?? systemClock;
  const sqlite = !overrides.storage && config.stateStore === 'sqlite' ? new SqliteStorage(config.sqlitePath) : undefined;
  const storage: Storage = overrides.storage ?? sqlite ?? new MemoryStorage();

  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const appLocalizer = new Localizer({ en, es }, config.defaultLocale);
  const voice = new Voice(appLocalizer);

  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication(config.botAuth as ConfigurationBotFrameworkAuthenticationOptions),
  );
  const helpdesk = new Helpdesk({
    adapter,
    store: new TicketStore(storage, clock, config.helpdesk.limits),
    audit: new StoredAudit(storage, log),
    directory: graph.directory,
    localizer: appLocalizer,
    log,
    clock,
    channels: new HelpdeskChannelStore(storage),
    settings: {
      channel: config.helpdesk.channel,
      teamId: config.helpdesk.teamId,
      approverIds: config.helpdesk.approverIds,
      helpdeskConversationId: config.helpdesk.channel?.conversationId,
      tenantId: config.botAuth.MicrosoftAppTenantId,
      localMode: config.localMode,
      requestTtlMinutes: config.helpdesk.requestTtlMinutes,
      botAppId: config.botAuth.MicrosoftAppId ?? '',
      language: config.defaultLocale,
    },
  });

  const dialog = new MainDialog({
    localizer: appLocalizer,
    escalations: overrides.escalations ?? helpdesk,
    requests: helpdesk,
    outcomes: overrides.outcomes ?? new StoredOutcomes(storage, log, clock),
    log,
    supportCase: conversationState.createProperty<SupportCase>('supportCase'),
    maxMisses: config.maxMisses,
    defaultPhoneCountry: config.defaultPhoneCountry,
    tenantId: config.botAuth.MicrosoftAppTenantId,
    directory: graph.directory,
    directoryMode: config.graph.mode,
  });
  const bot = new SupportBot(conversationState, userState, dialog, voice, {
    maxTextChars: config.maxTextChars,
    onCardAction: (context, invoke) => helpdesk.onCardAction(context, invoke),
    onTeamInstall: async (context) => {
      await helpdesk.captureChannel(context);
    },
  });
  adapter.use(traceFilter);
  adapter.onTurnError = createTurnErrorHandler(conversationState, voice, log);

  // Every instance may sweep: the ticket store's eTag lets one of them expire each request.
  const sweep = config.helpdesk.expirySweepSeconds > 0
    ? setInterval(() => {
        helpdesk.expireDue().catch((error: unknown) => log.warn({ err: { name: (error as Error).name } }, 'expiry sweep failed'));
      }, config.helpdesk.expirySweepSeconds * 1000)
    : undefined;
  sweep?.unref();

  let devDirectLine: DevDirectLine | undefined;
  const webChatTokens = async (botUrl: string): Promise<TokenSource | undefined> => {
    const directLine = config.webChat.directLine;
    if (directLine.mode === 'service') return new DirectLineServiceTokens({ secret: directLine.secret, endpoint: directLine.endpoint });
    if (directLine.mode === 'off') return undefined;
    devDirectLine = await startDevDirectLine({
      botEndpoint: `${botUrl}/api/messages`,
      // A fresh secret per run: only this server's token endpoint ever holds it.
      secret: randomBytes(32).toString('base64url'),
      port: directLine.port,
      log,
    });
    log.warn({ directLine: devDirectLine.url }, 'web chat uses the local Direct Line stand-in (development only, loopback)');
    return new DevDirectLineTokens(devDirectLine);
  };

  let draining = false;
  const server = createServer({
    adapter,
    logic: (context) => bot.run(context),
    log,
    ready: () => !draining && (sqlite ? sqlite.ping() : true),
    maxBodyBytes: config.maxBodyBytes,
  });

  return {
    storage,
    log,
    sandbox: graph.sandbox,
    helpdesk,
    start: async () => {
      const url = await new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const { port } = server.address() as AddressInfo;
          resolve(`http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`);
        });
      });
      log.info(
        { url, localMode: config.localMode, stateStore: config.stateStore },
        config.localMode ? 'bot listening in local mode: requests are not authenticated' : 'bot listening',
      );
      // The portal's page and token endpoint; in local mode the Direct Line stand-in needs the
      // bot's address, so it starts once the bot listens.
      registerPortal(server, {
        publicDir: projectDir('public'),
        log,
        tokens: await webChatTokens(url),
        rateLimit: { perMinute: config.webChat.tokenRequestsPerMinute },
      });
      log.info({ portal: `${url}/` }, 'help portal ready');
      return url;
    },
    stop: async () => {
      draining = true;
      if (sweep) clearInterval(sweep);
      // server.close waits for requests in flight, so no turn is cut off mid-write.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await devDirectLine?.close();
      await graph.sandbox?.close();
      sqlite?.close();
    },
  };
}

/**
 * Microsoft Graph through the one adapter. Live and sandbox differ only in the credential, the
 * base URL and (sandbox only) the certificate to trust; the code path is the same.
 */
async function connectGraph(config: Config, log: Logger): Promise<{ directory: DirectoryPort; sandbox?: GraphSandbox }> {
  const policy = {
    tapLifetimeMinutes: config.temporaryAccessPass.lifetimeInMinutes,
    tapUsableOnce: config.temporaryAccessPass.isUsableOnce,
    helpdeskGroupId: config.helpdeskGroupId,
  };
  if (config.graph.mode === 'live') {
    const client = createGraphClient({
      credential: createGraphCredential(config.graph.credential),
      baseUrl: config.graph.baseUrl,
      maxRetryTotalSeconds: config.graphMaxRetrySeconds,
      log,
    });
    log.info({ graph: config.graph.baseUrl, credential: config.graph.credential.kind }, 'Microsoft Graph: live tenant');
    return { directory: new GraphDirectory(client, policy, log) };
  }
  const sandbox = await startGraphSandbox({ seed: loadTenantSeed(config.graph.tenantFile), port: config.graph.port });
  const client = createGraphClient({
    credential: createGraphCredential({ kind: 'static', token: sandbox.token }),
    baseUrl: sandbox.origin,
    trustedCaPem: sandbox.caPem,
    maxRetryTotalSeconds: config.graphMaxRetrySeconds,
    log,
  });
  log.warn(
    { graph: sandbox.baseUrl, tenantFile: config.graph.tenantFile },
    'Microsoft Graph: SANDBOX tenant in use (no Graph credential configured); no real account is read or changed',
  );
  return { directory: new GraphDirectory(client, policy, log), sandbox };
}

/** A folder at the project root, found from this file whether it runs from src/ or dist/src/. */
function projectDir(name: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, name);
    if (path.dirname(dir) === dir) throw new Error(`cannot find the project root from ${__dirname}`);
  }
}
