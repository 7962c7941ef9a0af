/**
 * The composition root: builds every concrete object once from a validated Config and wires
 * them together. `src/index.ts` runs it for real; tests run the same function on port 0.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  CloudAdapter,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type Storage,
  type StoreItem,
} from 'botbuilder';
import { preloadCardRenderer } from '../cards/render';
import { ESCALATION_INTAKE } from '../dialogs/escalationIntakeDialog';
import { MainDialog } from '../dialogs/mainDialog';
import type { SupportCase } from '../dialogs/services';
import { Voice } from '../dialogs/voice';
import { CATALOGS, LANGUAGES } from '../locales';
import { SupportBot } from './bot';
import type { Config } from './config';
import type { DirectoryPort } from './core/directory';
import { Localizer } from './core/i18n';
import { systemClock, type Clock, type EscalationPort, type OutcomePort } from './core/ports';
import { HelpdeskService } from './helpdesk/service';
import { ProactiveSender } from './helpdesk/proactiveSender';
import { HelpdeskTeamsHandler, TeamsConnector } from './helpdesk/teams';
import { HelpdeskChannelStore } from './infra/helpdeskChannel';
import { NoticeOutbox } from './infra/noticeOutbox';
import { StoredAudit } from './infra/storedAudit';
import { TicketStore } from './infra/ticketStore';
import { StoredOutcomes } from './infra/outcomeStats';
import { CheckedConversationState } from './infra/checkedState';
import { openStore } from './infra/openStore';
import { RetentionSweep } from './infra/retention';
import { TurnRunner } from './turnRunner';
import { createLogger, type Logger } from './logging';
import { createGraphCredential } from './graph/credentials';
import { createGraphClient } from './graph/graphClient';
import { GraphDirectory } from './graph/graphDirectory';
import { startLocalServices, type LocalServices } from './local';
import type { GraphSandbox } from './local/graphSandbox/graphSandbox';
import { DirectLineServiceTokens } from './portal/directLineTokens';
import { registerPortal, type TokenSource } from './portal/portal';
import { SharedConnectorAuthentication } from './connectorCache';
import { createServer, TurnGate } from './server';
import { traceFilter } from './traceFilter';
import { TypingIndicator } from './typingIndicator';
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
  readonly helpdesk: HelpdeskService;
  /** Deletes old conversation state, closed requests and old audit trails (also run on a timer). */
  readonly retention: RetentionSweep;
  /** Starts listening; resolves with the base URL, e.g. http://127.0.0.1:3978. */
  start(): Promise<string>;
  /** Stops taking requests, lets turns in flight finish, then closes the store. */
  stop(): Promise<void>;
}


/** After listening, when the card renderer is loaded (see start()). */
const CARD_RENDERER_WARM_UP_MS = 250;

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.logger ?? createLogger(config.logLevel, undefined, config.instanceId);
  // The store first: an unreachable one stops start-up with a clear message before anything listens.
  const store = overrides.storage ? { storage: overrides.storage, ready: () => true, close: () => undefined } : await openStore(config);
  const storage = store.storage;
  // Local mode only (src/local): the sandbox tenant and the Direct Line stand-in.
  const local = config.localMode ? await startLocalServices(config, log) : undefined;
  const graph = connectGraph(config, log, local);
  const clock = overrides.clock ?? systemClock;

  const conversationState = new CheckedConversationState(storage);
  const turns = new TurnRunner({ states: [conversationState], log });
  const appLocalizer = new Localizer(CATALOGS, config.defaultLocale);
  const voice = new Voice(appLocalizer);

  // Connector clients shared between turns, bounded; none built for an expectReplies turn (src/connectorCache.ts).
  const botAuth = new SharedConnectorAuthentication(config.botAuth as ConfigurationBotFrameworkAuthenticationOptions, { maxClients: 64 });
  const adapter = new CloudAdapter(botAuth);
  const tickets = new TicketStore(storage, clock, config.helpdesk.limits);
  const botAppId = config.botAuth.MicrosoftAppId ?? '';
  const helpdesk = new HelpdeskService({
    teams: new TeamsConnector(new ProactiveSender(adapter, botAppId), botAppId),
    notices: new NoticeOutbox(storage, clock),
    store: tickets,
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
      // Unauthenticated clicks are trusted only against the sandbox tenant (config refuses local
      // mode with live Graph; this says so where the trust is granted).
      localMode: config.localMode && config.graph.mode === 'sandbox',
      requestTtlMinutes: config.helpdesk.requestTtlMinutes,
      language: config.helpdeskLocale,
      phoneSignIn: config.phoneSignIn,
      requireManagerConfirmation: config.helpdesk.requireManagerConfirmation,
    },
  });
  const helpdeskTeams = new HelpdeskTeamsHandler(helpdesk);

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
    clock,
    phoneSignIn: config.phoneSignIn,
    entraAccountRecovery: config.entraAccountRecovery,
  });
  const bot = new SupportBot(conversationState, dialog, voice, {
    maxTextChars: config.maxTextChars,
    botAppId: config.botAuth.MicrosoftAppId,
    onCardAction: (context, invoke) => helpdeskTeams.onCardAction(context, invoke),
    onTeamInstall: async (context) => {
      await helpdeskTeams.captureChannel(context);
    },
  });
  adapter.use(traceFilter);
  // A turn's replies are held until its state is saved (src/turnRunner.ts), so a turn that waits
  // on Graph (throttling, retries) shows the person a typing indicator instead of silence.
  adapter.use(new TypingIndicator({ delayMs: 1000, periodMs: 3000, log }));
  adapter.onTurnError = createTurnErrorHandler(conversationState, voice, log);

  const retention = new RetentionSweep({
    storage,
    tickets,
    clock,
    log,
    settings: { days: config.retention.days, abandonedIntakeHours: config.retention.abandonedIntakeHours, auditDays: config.retention.auditDays },
    holdsUnsentIntake,
  });
  // Every instance may run both sweeps: the ticket store's eTag lets one of them expire (or
  // recover, or re-post) each request; retention deletes are idempotent and an abandoned intake
  // is dropped with an eTag check.
  const timers = [
    every(config.helpdesk.expirySweepSeconds * 1000, () => helpdesk.sweep(), 'expiry sweep failed', log),
    every(config.retention.sweepMinutes * 60_000, () => retention.sweep(), 'retention sweep failed', log),
  ];

  const webChatTokens = async (botUrl: string): Promise<TokenSource | undefined> => {
    const directLine = config.webChat.directLine;
    if (directLine.mode === 'service') return new DirectLineServiceTokens({ secret: directLine.secret, endpoint: directLine.endpoint });
    if (directLine.mode === 'off' || !local) return undefined;
    return local.startDirectLine(botUrl);
  };

  const gate = new TurnGate();
  let warmUp: NodeJS.Timeout | undefined;
  let stopped: Promise<void> = Promise.resolve();
  const server = createServer({
    adapter,
    auth: botAuth,
    localMode: config.localMode,
    logic: (context) => turns.run(context, () => bot.run(context)),
    log,
    ready: store.ready,
    gate,
    maxBodyBytes: config.maxBodyBytes,
  });

  return {
    storage,
    log,
    sandbox: local?.sandbox,
    helpdesk,
    retention,
    start: async () => {
      const url = await new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const { port } = server.address() as AddressInfo;
          resolve(`http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`);
        });
      });
      log.info(
        { url, localMode: config.localMode, stateStore: config.stateStore, instance: config.instanceId },
        config.localMode ? 'bot listening in local mode: requests are not authenticated' : 'bot listening',
      );
      // The portal's page and token endpoint; in local mode the Direct Line stand-in needs the
      // bot's address, so it starts once the bot listens.
      registerPortal(server, {
        publicDir: projectDir('public'),
        log,
        tokens: await webChatTokens(url),
        rateLimit: { perMinute: config.webChat.tokenRequestsPerMinute, trustedProxyHops: config.trustedProxyHops },
        clients: tickets,
        localizer: appLocalizer,
        languages: LANGUAGES,
        retention: { abandonedHours: config.retention.abandonedIntakeHours, conversationDays: config.retention.days, auditDays: config.retention.auditDays },
      });
      log.info({ portal: `${url}/` }, 'help portal ready');
      // The card renderer's libraries are loaded lazily to keep them out of the cold start; load
      // them just after it (past the first health checks, well before anyone reaches a card), so
      // no turn pays for them either.
      warmUp = setTimeout(preloadCardRenderer, CARD_RENDERER_WARM_UP_MS);
      warmUp.unref();
      return url;
    },
    stop: async () => {
      if (gate.draining) return stopped;
      gate.drain();
      stopped = (async () => {
        for (const timer of timers) clearInterval(timer);
        clearTimeout(warmUp);
        log.info({ inFlight: gate.inFlight, drainSeconds: config.shutdownDrainSeconds }, 'draining: /readyz now answers 503 and new turns are refused');
        // Time for the load balancer to see /readyz fail and stop sending here.
        if (config.shutdownDrainSeconds > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainSeconds * 1000));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Turns in flight finish (and save their state) before the store closes; idle keep-alive
        // connections would otherwise hold server.close open.
        await gate.idle();
        server.closeIdleConnections?.();
        await closed;
        await local?.close();
        await store.close();
        log.info('stopped');
      })();
      return stopped;
    },
  };
}

/**
 * Microsoft Graph through the one adapter. Live and sandbox differ only in the credential, the
 * base URL and (sandbox only) the certificate to trust; the code path is the same.
 */
function connectGraph(config: Config, log: Logger, local: LocalServices | undefined): { directory: DirectoryPort } {
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
  if (!local) throw new Error('the sandbox tenant needs local mode'); // config refuses this already
  const client = createGraphClient({
    credential: createGraphCredential({ kind: 'static', token: local.graph.token }),
    baseUrl: local.graph.origin,
    trustedCaPem: local.graph.caPem,
    maxRetryTotalSeconds: config.graphMaxRetrySeconds,
    log,
  });
  log.warn(
    { graph: local.graph.origin, tenantFile: local.graph.tenantFile, shared: !local.graph.tenantFile },
    'Microsoft Graph: SANDBOX tenant in use (no Graph credential configured); no real account is read or changed',
  );
  return { directory: new GraphDirectory(client, policy, log) };
}

/** An escalation intake still on the dialog stack: its answers (both phone numbers) were never sent. */
function holdsUnsentIntake(state: StoreItem): boolean {
  return JSON.stringify((state as { dialogState?: unknown }).dialogState ?? null).includes(`"id":${JSON.stringify(ESCALATION_INTAKE)}`);
}

/** Runs `work` every `ms` (0: never) without keeping the process alive; a failure is one log line. */
function every(ms: number, work: () => Promise<unknown>, failure: string, log: Logger): NodeJS.Timeout | undefined {
  if (ms <= 0) return undefined;
  const timer = setInterval(() => {
    work().catch((error: unknown) => log.warn({ err: { name: (error as Error).name } }, failure));
  }, ms);
  timer.unref();
  return timer;
}

/** A folder at the project root, found from this file whether it runs from src/ or dist/src/. */
function projectDir(name: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, name);
    if (path.dirname(dir) === dir) throw new Error(`cannot find the project root from ${__dirname}`);
  }
}
