import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printOutcomeStats } from '../../src/cli/stats';
import { loadConfig } from '../../src/config';
import { StoredOutcomes } from '../../src/infra/outcomeStats';
import { SqliteStorage } from '../../src/infra/sqliteStorage';
import { FixedClock, RecordingLog } from '../fakes/ports';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stats-cli-'));
const file = path.join(dir, 'bot.sqlite');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('counts per problem over the last days, most common first, with the conversations that never said', async () => {
  const clock = new FixedClock(new Date('2026-12-01T09:00:00Z'));
  const storage = new SqliteStorage(file);
  const outcomes = new StoredOutcomes(storage, new RecordingLog(), clock);
  const base = { channelId: 'webchat', locale: 'en-GB' };
  await outcomes.record({ ...base, outcome: 'resolved', path: 'work/self-service', problem: 'same-number' });
  await outcomes.record({ ...base, outcome: 'escalated', path: 'work/escalation', problem: 'lost-or-stolen' });
  clock.current = new Date('2026-12-02T09:00:00Z');
  await outcomes.record({ ...base, outcome: 'escalated', path: 'work/escalation', problem: 'lost-or-stolen' });
  await outcomes.record({ ...base, outcome: 'gave-up', path: 'cancelled' });
  // Outside a 2-day window.
  clock.current = new Date('2026-11-20T09:00:00Z');
  await outcomes.record({ ...base, outcome: 'resolved', path: 'work/self-service', problem: 'authenticator-restored' });
  storage.close();

  const lines: string[] = [];
  clock.current = new Date('2026-12-02T18:00:00Z');
  expect(await printOutcomeStats(loadConfig({ SQLITE_PATH: file }), '2', (l) => lines.push(l), clock)).toBe(0);
  const rows = lines.slice(2).map((l) => l.split('\t').map((c) => c.trim()));
  expect(rows).toEqual([
    ['lost-or-stolen', '2', '0', '2', '0'],
    ['same-number', '1', '1', '0', '0'],
    ['not asked', '1', '0', '0', '1'],
  ]);
});

test.each([['0'], ['abc'], ['400']])('"%s" days is refused plainly', async (days) => {
  const lines: string[] = [];
  expect(await printOutcomeStats(loadConfig({ SQLITE_PATH: file }), days, (l) => lines.push(l))).toBe(2);
  expect(lines).toHaveLength(1);
});
