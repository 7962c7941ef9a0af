/**
 * What the command-line tools share: they read the store the bot is configured with, never an
 * in-memory one (it holds nothing once the bot has stopped), and log nothing of their own.
 */
import type { Storage } from 'botbuilder';
import type { Config } from '../config';
import type { Log } from '../core/ports';
import { openStore } from '../infra/openStore';

export const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs `work` on the configured durable store and closes it; exit code 2 for STATE_STORE=memory. */
export async function withDurableStore(config: Config, what: string, write: (line: string) => void, work: (storage: Storage) => Promise<number>): Promise<number> {
  if (config.stateStore === 'memory') {
    write(`${what} read from the durable store; STATE_STORE=memory keeps none.`);
    return 2;
  }
  const store = await openStore(config);
  try {
    return await work(store.storage);
  } finally {
    await store.close();
  }
}

/** Runs a tool's `main` when the file is executed, with its exit code, and its name on a failure. */
export function runTool(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
