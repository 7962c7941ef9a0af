/**
 * Everything that exists only for local mode (no Bot Framework app id, nothing authenticates a
 * caller): the Graph sandbox tenant and the Direct Line stand-in. Production runs none of this
 * folder; `startLocalServices` is the one way in, and it refuses to run outside local mode, so a
 * misconfigured deployment cannot end up trusting unauthenticated callers against a fake or, worse,
 * a live tenant.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import type { Log } from '../core/ports';
import type { TokenSource } from '../portal/portal';
import { startDevDirectLine, type DevDirectLine } from './directLine/devDirectLine';
import { DevDirectLineTokens } from './directLine/tokens';
import { startGraphSandbox, type GraphSandbox } from './graphSandbox/graphSandbox';
import { loadTenantSeed } from './graphSandbox/tenant';

export class LocalModeOnlyError extends Error {
  constructor(what: string) {
    super(`${what} runs only in local mode (no MicrosoftAppId); refusing to start it next to an authenticated bot`);
    this.name = 'LocalModeOnlyError';
  }
}

/** Where the Graph client finds the sandbox tenant: same client code as live, another origin. */
export interface SandboxGraphEndpoint {
  origin: string;
  token: string;
  caPem: string;
  /** The tenant file this process serves, or undefined for a shared sandbox (npm run sandbox). */
  tenantFile?: string;
}

export interface LocalServices {
  /** This process's own sandbox tenant; undefined when a shared one is configured. */
  readonly sandbox?: GraphSandbox;
  readonly graph: SandboxGraphEndpoint;
  /** The portal's token source for web chat: starts the Direct Line stand-in, once the bot listens. */
  startDirectLine(botUrl: string): Promise<TokenSource>;
  close(): Promise<void>;
}

export async function startLocalServices(config: Config, log: Log): Promise<LocalServices> {
  if (!config.localMode) throw new LocalModeOnlyError('The local services (Graph sandbox, Direct Line stand-in)');
  // Config refuses this combination already; checked again here because trusting unauthenticated
  // callers against a live tenant is the one mistake this folder must never make.
  if (config.graph.mode !== 'sandbox') throw new Error('local mode talks to the sandbox tenant only, never to live Microsoft Graph');
  const settings = config.graph;
  const external = settings.external;
  // A shared sandbox (npm run sandbox) lets several local instances see one tenant; otherwise
  // this process starts its own.
  const sandbox = external
    ? undefined
    : await startGraphSandbox({ seed: loadTenantSeed(settings.tenantFile), port: settings.port, certificateCache: certificateCacheFile(config) });
  const graph: SandboxGraphEndpoint = external
    ? { origin: external.origin, token: external.token, caPem: readSandboxCa(external.caFile) }
    : { origin: sandbox!.origin, token: sandbox!.token, caPem: sandbox!.caPem, tenantFile: settings.tenantFile };

  let directLine: DevDirectLine | undefined;
  return {
    sandbox,
    graph,
    startDirectLine: async (botUrl) => {
      if (config.webChat.directLine.mode !== 'dev') throw new LocalModeOnlyError('The Direct Line stand-in');
      directLine = await startDevDirectLine({
        botEndpoint: `${botUrl}/api/messages`,
        // A fresh secret per run: only this server's token endpoint ever holds it.
        secret: randomBytes(32).toString('base64url'),
        port: config.webChat.directLine.port,
        log,
      });
      log.warn({ directLine: directLine.url }, 'web chat uses the local Direct Line stand-in (development only, loopback)');
      return new DevDirectLineTokens(directLine);
    },
    close: async () => {
      await directLine?.close();
      await sandbox?.close();
    },
  };
}

/**
 * Where the sandbox keeps its certificate between starts (saves generating one, ~0.1 s of every
 * start): beside the SQLite file, the folder that already holds this instance's local data. Other
 * stores keep nothing on this machine, so neither does the sandbox.
 */
function certificateCacheFile(config: Config): string | undefined {
  return config.stateStore === 'sqlite' && config.sqlitePath !== ':memory:' ? path.join(path.dirname(config.sqlitePath), 'graph-sandbox-tls.json') : undefined;
}

function readSandboxCa(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read SANDBOX_GRAPH_CA_FILE "${file}": ${(error as Error).message}`, { cause: error });
  }
}
