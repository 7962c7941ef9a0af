import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printAuditTrail } from '../../src/cli/audit';
import { loadConfig } from '../../src/config';
import { BlobStorage } from '../../src/infra/blobStorage';
import { SqliteStorage } from '../../src/infra/sqliteStorage';
import { StoredAudit } from '../../src/infra/storedAudit';
import { RecordingLog } from '../fakes/ports';
import { startAzurite } from '../helpers/azurite';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-'));
const file = path.join(dir, 'bot.sqlite');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('prints the trail of one request as JSON lines, oldest first', async () => {
  const storage = new SqliteStorage(file);
  const audit = new StoredAudit(storage, new RecordingLog());
  await audit.append({ reference: 'HD-7K3M-Q9XD', at: '2026-11-25T10:00:00.000Z', kind: 'request', detail: { newMobile: '+44 ••••••••56' } });
  await audit.append({ reference: 'HD-7K3M-Q9XD', at: '2026-11-25T10:05:00.000Z', kind: 'approval', actor: 'lee', detail: { action: 'replace-mobile' } });
  storage.close();

  const lines: string[] = [];
  const code = await printAuditTrail(loadConfig({ SQLITE_PATH: file }), 'hd-7k3m-q9xd', (l) => lines.push(l));
  expect(code).toBe(0);
  expect(lines.map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['request', 'approval']);
});

test.each([
  ['not a reference', 'drop table', 2],
  ['an unknown reference', 'HD-0000-0000', 1],
])('%s is answered plainly', async (_name, reference, expected) => {
  const lines: string[] = [];
  expect(await printAuditTrail(loadConfig({ SQLITE_PATH: file }), reference, (l) => lines.push(l))).toBe(expected);
  expect(lines).toHaveLength(1);
});

test('reads the Blob container when STATE_STORE=blob (Azurite)', async () => {
  const azurite = await startAzurite();
  try {
    const env = { STATE_STORE: 'blob', BLOB_CONNECTION_STRING: azurite.connectionString, BLOB_CONTAINER: 'audit-cli' };
    const storage = await BlobStorage.open({ connectionString: azurite.connectionString, container: 'audit-cli' });
    await new StoredAudit(storage, new RecordingLog()).append({ reference: 'HD-B7QB-TK3M', at: '2026-11-28T10:00:00.000Z', kind: 'request', detail: {} });
    storage.close();
    const lines: string[] = [];
    expect(await printAuditTrail(loadConfig(env), 'HD-B7QB-TK3M', (l) => lines.push(l))).toBe(0);
    expect(lines.map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['request']);
  } finally {
    await azurite.stop();
  }
});
