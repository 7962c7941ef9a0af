/**
 * One line for the person who just typed `npm start` in a terminal: where to go, which tenant,
 * which store. The JSON log stays as it is; when stdout is not a terminal (a container, a
 * service manager, a pipe into a log shipper) nothing is added, so those logs stay JSON only.
 */
import type { Config } from './config';

/** What the line says, from the config and the address the server listens on. */
export function startupLine(config: Config, url: string): string {
  const graph = config.graph;
  const tenant =
    graph.mode === 'sandbox'
      ? graph.external
        ? `sandbox tenant at ${graph.external.origin}`
        : 'sandbox tenant'
      : `live tenant ${('tenantId' in graph.credential ? graph.credential.tenantId : undefined) ?? config.botAuth.MicrosoftAppTenantId ?? '(tenant of the managed identity)'}`;
  const store =
    config.stateStore === 'sqlite'
      ? `SQLite store ${config.sqlitePath}`
      : config.stateStore === 'blob'
        ? `Blob store, container ${config.blob?.container ?? '?'}`
        : 'in-memory store, lost when the process stops';
  const where =
    config.webChat.directLine.mode === 'off'
      ? `the bot answers on ${url}/api/messages (no web chat: DIRECT_LINE_SECRET is not set)`
      : `open ${url}/`;
  return `Sign-in help is running: ${where} (${tenant}, ${store})`;
}

/** Writes the line only when `out` is a terminal. */
export function announceStartup(out: { isTTY?: boolean; write(text: string): unknown }, config: Config, url: string): void {
  if (out.isTTY) out.write(`${startupLine(config, url)}\n`);
}
