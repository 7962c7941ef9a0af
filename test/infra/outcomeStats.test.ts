import { MemoryStorage, type Storage, type StoreItems } from 'botbuilder';
import type { OutcomeRecord } from '../../src/core/ports';
import { FixedClock, RecordingLog } from '../fakes/ports';
import { isOutcomesKey, outcomesKey, StoredOutcomes } from '../../src/infra/outcomeStats';
import { SlowWrites } from '../fakes/slowWrites';
import { storageBackends } from '../helpers/storageBackends';

/** A store whose every call fails the way a broken disk or network would (not an eTag conflict). */
class BrokenStorage implements Storage {
  calls = 0;
  async read(_keys: string[]): Promise<StoreItems> {
    this.calls += 1;
    throw new Error('connection reset');
  }
  async write(_changes: StoreItems): Promise<void> {
    this.calls += 1;
    throw new Error('connection reset');
  }
  async delete(_keys: string[]): Promise<void> {
    throw new Error('connection reset');
  }
}

/** Reads fine, every write fails: checks that a non-conflict write error is not retried. */
class UnwritableStorage extends MemoryStorage {
  writes = 0;
  override async write(_changes: StoreItems): Promise<void> {
    this.writes += 1;
    throw new Error('disk full');
  }
}

const entry = (outcome: OutcomeRecord['outcome'], p: string, channelId = 'msteams'): OutcomeRecord => ({
  outcome,
  path: p,
  channelId,
  locale: 'en-GB',
});

const storages = storageBackends('outcome-stats-test');

describe.each(storages)('StoredOutcomes on %s', (_name, open) => {
  let storage: Storage;
  let dispose: () => void | Promise<void>;
  let clock: FixedClock;
  let log: RecordingLog;
  let outcomes: StoredOutcomes;

  beforeEach(() => {
    ({ storage, dispose } = open());
    clock = new FixedClock(new Date('2025-06-01T10:00:00.000Z'));
    log = new RecordingLog();
    outcomes = new StoredOutcomes(storage, log, clock);
  });
  afterEach(() => dispose());

  test('counts per outcome and per path accumulate for the day', async () => {
    await outcomes.record(entry('resolved', 'personal/self-service'));
    await outcomes.record(entry('resolved', 'personal/self-service', 'webchat'));
    await outcomes.record(entry('escalated', 'work/escalation'));
    await outcomes.record(entry('gave-up', 'work/escalation'));
    await outcomes.record(entry('resolved', 'work/self-service'));

    const day = await outcomes.day('2025-06-01');
    expect(day).toMatchObject({
      day: '2025-06-01',
      outcomes: { resolved: 3, escalated: 1, 'gave-up': 1 },
      paths: {
        'personal/self-service': { resolved: 2 },
        'work/escalation': { escalated: 1, 'gave-up': 1 },
        'work/self-service': { resolved: 1 },
      },
    });
    expect(Object.keys(day?.paths ?? {}).sort()).toEqual(['personal/self-service', 'work/escalation', 'work/self-service']);
  });

  test('the day is the UTC date of the clock, and another day gets its own document', async () => {
    clock.current = new Date('2025-06-01T23:59:59.999Z');
    await outcomes.record(entry('resolved', 'personal/recovery'));
    clock.current = new Date('2025-06-02T00:00:00.000Z');
    await outcomes.record(entry('escalated', 'personal/handoff'));
    await outcomes.record(entry('escalated', 'personal/handoff'));
    // 20:00 in New York on 1 June is already 2 June in UTC.
    clock.current = new Date('2025-06-01T20:00:00-04:00');
    await outcomes.record(entry('gave-up', 'personal/recovery'));

    expect(await outcomes.day('2025-06-01')).toMatchObject({
      day: '2025-06-01',
      outcomes: { resolved: 1 },
      paths: { 'personal/recovery': { resolved: 1 } },
    });
    const second = await outcomes.day('2025-06-02');
    expect(second).toMatchObject({
      day: '2025-06-02',
      outcomes: { escalated: 2, 'gave-up': 1 },
      paths: { 'personal/handoff': { escalated: 2 }, 'personal/recovery': { 'gave-up': 1 } },
    });
    expect(second?.outcomes.resolved).toBeUndefined();
    const stored = await storage.read([outcomesKey('2025-06-01'), outcomesKey('2025-06-02')]);
    expect(Object.keys(stored).sort()).toEqual([outcomesKey('2025-06-01'), outcomesKey('2025-06-02')]);
  });

  test('a day with nothing recorded reads as undefined', async () => {
    await outcomes.record(entry('resolved', 'work/self-service'));
    expect(await outcomes.day('2025-05-31')).toBeUndefined();
  });

  test('each record is logged without personal data', async () => {
    await outcomes.record(entry('escalated', 'work/escalation', 'webchat'));
    expect(log.lines).toEqual([
      { level: 'info', obj: { outcome: 'escalated', path: 'work/escalation', channelId: 'webchat', locale: 'en-GB' }, msg: 'conversation outcome' },
    ]);
  });

  test('20 records started at once are all counted', async () => {
    // The first write of a day is unconditional (botbuilder's Storage cannot create-if-absent),
    // so the document exists before the concurrent burst.
    await outcomes.record(entry('resolved', 'personal/self-service'));
    const burst = Array.from({ length: 20 }, (_, i) =>
      entry(i % 2 === 0 ? 'resolved' : 'escalated', i % 2 === 0 ? 'personal/self-service' : 'work/escalation'),
    );
    await Promise.all(burst.map((e) => outcomes.record(e)));

    const day = await outcomes.day('2025-06-01');
    expect(day?.outcomes).toEqual({ resolved: 11, escalated: 10 });
    expect(day?.paths).toEqual({ 'personal/self-service': { resolved: 11 }, 'work/escalation': { escalated: 10 } });
    expect(log.lines).toHaveLength(21);
  });

  test('ten instances recording at once on the same store lose nothing', async () => {
    // Other bot instances share the store: their writes conflict for real and are retried, more
    // times in a row than the attempt limit unless the retries spread out.
    const instances = [outcomes, ...Array.from({ length: 9 }, () => new StoredOutcomes(storage, new RecordingLog(), clock))];
    await outcomes.record(entry('resolved', 'work/self-service'));
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => instances[i % instances.length]!.record(entry('resolved', 'work/self-service'))),
    );
    expect((await outcomes.day('2025-06-01'))?.outcomes).toEqual({ resolved: 31 });
  });

  test('ten instances on a slow store (60 ms a write) lose nothing', async () => {
    // The pause after a conflict has to grow with how long a read-modify-write takes: pauses of a
    // few milliseconds left every writer on a slow store (Blob storage under load) colliding until
    // it ran out of attempts.
    const slow = new SlowWrites(storage, 60, isOutcomesKey);
    const instances = Array.from({ length: 10 }, () => new StoredOutcomes(slow, new RecordingLog(), clock));
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => instances[i % instances.length]!.record(entry('escalated', 'work/escalation'))),
    );
    expect((await outcomes.day('2025-06-01'))?.outcomes).toEqual({ escalated: 30 });
  }, 30_000);

  test('the day is taken when record is called, not when its turn comes', async () => {
    await outcomes.record(entry('resolved', 'a'));
    const late = outcomes.record(entry('resolved', 'a'));
    const queued = outcomes.record(entry('escalated', 'a'));
    clock.current = new Date('2025-06-02T00:00:00.000Z');
    await Promise.all([late, queued]);
    expect((await outcomes.day('2025-06-01'))?.outcomes).toEqual({ resolved: 2, escalated: 1 });
    expect(await outcomes.day('2025-06-02')).toBeUndefined();
  });
});

describe('StoredOutcomes when the store fails', () => {
  const clock = new FixedClock(new Date('2025-06-01T10:00:00.000Z'));

  test('a store that always throws makes record reject', async () => {
    const storage = new BrokenStorage();
    const log = new RecordingLog();
    await expect(new StoredOutcomes(storage, log, clock).record(entry('resolved', 'personal/self-service'))).rejects.toThrow('connection reset');
    expect(log.lines).toEqual([]);
  });

  test('a write error that is not an eTag conflict is not retried', async () => {
    const storage = new UnwritableStorage();
    await expect(new StoredOutcomes(storage, new RecordingLog(), clock).record(entry('gave-up', 'work/escalation'))).rejects.toThrow('disk full');
    expect(storage.writes).toBe(1);
  });

  test('a record that fails does not block the next one', async () => {
    const storage = new MemoryStorage();
    const original = storage.write.bind(storage);
    let failNext = true;
    storage.write = async (changes: StoreItems) => {
      if (failNext) {
        failNext = false;
        throw new Error('transient');
      }
      return original(changes);
    };
    const outcomes = new StoredOutcomes(storage, new RecordingLog(), clock);
    await expect(outcomes.record(entry('resolved', 'a'))).rejects.toThrow('transient');
    await outcomes.record(entry('resolved', 'a'));
    expect((await outcomes.day('2025-06-01'))?.outcomes).toEqual({ resolved: 1 });
  });
});
