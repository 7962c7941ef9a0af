import { LocalMemoryStorage } from '../../src/infra/localMemoryStorage';
import { MAX_NOTICE_ATTEMPTS, NoticeOutbox, noticeDelayMs } from '../../src/infra/noticeOutbox';
import { FixedClock } from '../fakes/ports';

const REF = 'HD-7K3M-Q9XD';

describe('NoticeOutbox: requester notifications waiting for another try', () => {
  let clock: FixedClock;
  let storage: LocalMemoryStorage;
  beforeEach(() => {
    clock = new FixedClock(new Date('2026-11-25T10:00:00Z'));
    storage = new LocalMemoryStorage();
  });
  const later = (ms: number) => (clock.current = new Date(clock.current.getTime() + ms));

  test('a failed notice comes due after a doubling delay, and is given up after the last try (bounded)', async () => {
    const outbox = new NoticeOutbox(storage, clock);
    const outcomes: string[] = [];
    for (let attempts = 1; attempts <= MAX_NOTICE_ATTEMPTS + 1; attempts += 1) {
      outcomes.push(await outbox.failed(REF, 'state', attempts));
      if (attempts > MAX_NOTICE_ATTEMPTS) break;
      expect(await outbox.claimDue()).toEqual([]);
      later(noticeDelayMs(attempts));
      expect((await outbox.claimDue()).map((n) => [n.reference, n.attempts])).toEqual([[REF, attempts]]);
    }
    expect(outcomes).toEqual([...Array<string>(MAX_NOTICE_ATTEMPTS).fill('queued'), 'gave-up']);
    expect(await outbox.list()).toEqual([]);
    expect(noticeDelayMs(1)).toBe(2 * 60_000);
    expect(noticeDelayMs(3)).toBe(8 * 60_000);
  });

  test('a claimed notice is held: two instances sweeping at once take it once between them', async () => {
    const a = new NoticeOutbox(storage, clock);
    const b = new NoticeOutbox(storage, clock);
    await a.failed(REF, 'state', 1);
    await a.failed('HD-AAAA-BBBB', 'reached', 1);
    later(noticeDelayMs(1));
    const [first, second] = await Promise.all([a.claimDue(), b.claimDue()]);
    expect([...first, ...second].map((n) => n.reference).sort()).toEqual([REF, 'HD-AAAA-BBBB']);
    await a.delivered(REF, 'state');
    expect((await a.list()).map((n) => n.reference)).toEqual(['HD-AAAA-BBBB']);
  });
});
