import { MemoryStorage, type Storage, type StoreItems } from 'botbuilder';
import type { Clock, EscalationDraft, EscalationPort, EscalationReceipt, Log, OutcomePort, OutcomeRecord } from '../../src/core/ports';

/** Keeps every request it is given; can be told to fail, as a broken store would. */
export class FakeEscalations implements EscalationPort {
  readonly drafts: EscalationDraft[] = [];
  failWith?: Error;
  private next = 1;

  async submit(draft: EscalationDraft): Promise<EscalationReceipt> {
    if (this.failWith) throw this.failWith;
    this.drafts.push(draft);
    return { reference: `HD-TEST-${String(this.next++).padStart(4, '0')}`, delivery: 'recorded' };
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
