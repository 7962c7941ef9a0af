/**
 * The composition root: builds every concrete object once from a validated Config and wires
 * them together. `src/index.ts` runs it for real; tests run the same function on port 0.
 */
import type { AddressInfo } from 'node:net';
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
import { Localizer } from './core/i18n';
import { systemClock, type Clock, type EscalationPort, type OutcomePort } from './core/ports';
import { StoredEscalations } from './infra/escalationLog';
import { StoredOutcomes } from './infra/outcomeStats';
import { SqliteStorage } from './infra/sqliteStorage';
import { createLogger, type Logger } from './logging';
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
  /** Starts listening; resolves with the base URL, e.g. http://127.0.0.1:3978. */
  start(): Promise<string>;
  /** Stops taking requests, lets turns in flight finish, then closes the store. */
  stop(): Promise<void>;
}


export function createApp(config: Config, overrides: AppOverrides = {}): App {
  const log = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const sqlite = !overrides.storage && config.stateStore === 'sqlite' ? new SqliteStorage(config.sqlitePath) : undefined;
  const storage: Storage = overrides.storage ?? sqlite ?? new MemoryStorage();

  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const appLocalizer = new Localizer({ en, es }, config.defaultLocale);
  const voice = new Voice(appLocalizer);

  const dialog = new MainDialog({
    localizer: appLocalizer,
    escalations: overrides.escalations ?? new StoredEscalations(storage, log, clock),
    outcomes: overrides.outcomes ?? new StoredOutcomes(storage, log, clock),
    log,
    supportCase: conversationState.createProperty<SupportCase>('supportCase'),
    maxMisses: config.maxMisses,
    defaultPhoneCountry: config.defaultPhoneCountry,
    tenantId: config.botAuth.MicrosoftAppTenantId,
  });
  const bot = new SupportBot(conversationState, userState, dialog, voice, { maxTextChars: config.maxTextChars });

  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication(config.botAuth as ConfigurationBotFrameworkAuthenticationOptions),
  );
  adapter.use(traceFilter);
  adapter.onTurnError = createTurnErrorHandler(conversationState, voice, log);

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
    start: () =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const { port } = server.address() as AddressInfo;
          const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
          log.info(
            { url, localMode: config.localMode, stateStore: config.stateStore },
            config.localMode ? 'bot listening in local mode: requests are not authenticated' : 'bot listening',
          );
          resolve(url);
        });
      }),
    stop: async () => {
      draining = true;
      // server.close waits for requests in flight, so no turn is cut off mid-write.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sqlite?.close();
    },
  };
}
