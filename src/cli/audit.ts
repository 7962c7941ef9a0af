/**
 * `npm run audit -- HD-XXXX-XXXX`: the audit trail of one request, as JSON lines, oldest first,
 * from the store the bot is configured with (SQLite or Blob). Records hold no secrets, no pass codes and only
 * masked numbers, so the output can go into a ticketing system or an incident report.
 */
import type { Config } from '../config';
import { loadConfig, readEnvironment } from '../config';
import { isReference } from '../core/reference';
import { StoredAudit } from '../infra/storedAudit';
import { quiet, runTool, withDurableStore } from './durableStore';

/** Writes the trail and returns the exit code; separate from `main` so a test can call it. */
export async function printAuditTrail(config: Config, reference: string, write: (line: string) => void): Promise<number> {
  const ref = reference.trim().toUpperCase();
  if (!isReference(ref)) {
    write(`Not a request reference: expected HD-XXXX-XXXX`);
    return 2;
  }
  return withDurableStore(config, 'The audit trail is', write, async (storage) => {
    const records = await new StoredAudit(storage, quiet).list(ref);
    if (records.length === 0) {
      write(`No audit records for ${ref}.`);
      return 1;
    }
    for (const record of records) write(JSON.stringify(record));
    return 0;
  });
}

if (require.main === module) {
  runTool('audit', () => printAuditTrail(loadConfig(readEnvironment()), process.argv[2] ?? '', (line) => process.stdout.write(`${line}\n`)));
}
