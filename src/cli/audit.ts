/**
 * `npm run audit -- HD-XXXX-XXXX`: the audit trail of one request, as JSON lines, oldest first,
 * from the store the bot is configured with (SQLite or Blob). Records hold no secrets, no pass codes and only
 * masked numbers, so the output can go into a ticketing system or an incident report.
 */
import type { Config } from '../config';
import { loadConfig, readEnvironment } from '../config';
import { isReference } from '../core/reference';
import { openStore } from '../infra/openStore';
import { StoredAudit } from '../infra/storedAudit';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Writes the trail and returns the exit code; separate from `main` so a test can call it. */
export async function printAuditTrail(config: Config, reference: string, write: (line: string) => void): Promise<number> {
  const ref = reference.trim().toUpperCase();
  if (!isReference(ref)) {
    write(`Not a request reference: expected HD-XXXX-XXXX`);
    return 2;
  }
  if (config.stateStore === 'memory') {
    write('The audit trail is read from the durable store; STATE_STORE=memory keeps none.');
    return 2;
  }
  const store = await openStore(config);
  try {
    const records = await new StoredAudit(store.storage, quiet).list(ref);
    if (records.length === 0) {
      write(`No audit records for ${ref}.`);
      return 1;
    }
    for (const record of records) write(JSON.stringify(record));
    return 0;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  printAuditTrail(loadConfig(readEnvironment()), process.argv[2] ?? '', (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
