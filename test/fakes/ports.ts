import { MemoryStorage, type Storage, type StoreItems } from 'botbuilder';
import type { Clock, EscalationDraft, EscalationPort, EscalationReceipt, Log, OutcomePort, OutcomeRecord, RequestSummary, RequestTracker } from '../../src/core/ports';

/** Keeps every request it is given, tracks its state per conversation; can be told to fail. */
export class FakeEscalations implements EscalationPort, RequestTracker {
  readonly drafts: EscalationDraft[] = [];
  readonly requests: { conversationId: string; summary: RequestSummary }[] = [];
  failWith?: Error;
  private next = 1;

  async submit(draft: EscalationDraft): Promise<EscalationReceipt> {
    if (this.failWith) throw this.failWith;
    this.drafts.push(draft);
    const reference = `HD-TEST-${String(this.next++).padStart(4, '0')}`;
    this.requests.push({ conversationId: draft.replyTo.conversationId, summary: { reference, state: 'pending' } });
    return { reference, delivery: 'recorded' };
  }

  async latest(conversationId: string): Promise<RequestSummary | undefined> {
    return this.requests.filter((r) => r.conversationId === conversationId).at(-1)?.summary;
  }

  async cancelLatest(conversationId: string): Promise<(RequestSummary & { cancelled: boolean }) | undefined> {
    const latest = await this.latest(conversationId);
    if (!latest) return undefined;
    const cancelled = latest.state === 'pending';
    if (cancelled) latest.state = 'cancelled';
    return { ...latest, cancelled };
  }
}

export class FakeOutcomes implements OutcomePort {
  readonly records: OutcomeRecord[] = [];

  async record(entry: OutcomeRecord): Promise<void> {
    this.records.push(entry);
  }
}

/** A logger that keeps its lines, so tests can check what was (and was not) logged. */
export class RecordingLog implements Log {
  readonly lines: { level: string; obj: object; msg?: string }[] = [];
  debug(obj: object, msg?: string) { this.lines.push({ level: 'debug', obj, msg }); }
  info(obj: object, msg?: string) { this.lines.push({ level: 'info', obj, msg }); }
  warn(obj: object, msg?: string) { this.lines.push({ level: 'warn', obj, msg }); }
  error(obj: object, msg?: string) { this.lines.push({ level: 'error', obj, msg }); }
  text(): string {
    return JSON.stringify(this.lines);
  }
}

/** A real MemoryStorage whose writes can be made to fail, as a store outage would. */
export class FlakyStorage implements Storage {
  private readonly inner = new MemoryStorage();
  failWrites = false;

  read(keys: string[]): Promise<StoreItems> {
    return this.inner.read(keys);
  }

  async write(changes: StoreItems): Promise<void> {
    if (this.failWrites) throw new Error('storage unavailable (simulated)');
    return this.inner.write(changes);
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }
}

/** A clock the test moves by hand. */
export class FixedClock implements Clock {
  constructor(public current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
}
