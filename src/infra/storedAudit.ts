import type { Storage } from 'botbuilder';
import { redactDetail, type AuditPort, type AuditRecord } from '../core/audit';
import type { Log } from '../core/ports';
import { isCanonicalReference, readModifyWrite } from './ticketStore';

export const auditKey = (reference: string) => `audit/${reference}`;

interface AuditDoc {
  reference: string;
  records: AuditRecord[];
}

/** How often a failed store write is tried again, and after how long: bounded, so a caller learns soon. */
export interface AuditRetry {
  delaysMs: readonly number[];
}
export const DEFAULT_AUDIT_RETRY: AuditRetry = { delaysMs: [50, 250, 1000] };

/**
 * The audit trail in storage: one append-only document per ticket, shared by every bot instance
 * (eTag-checked appends, retried on conflict), and each record mirrored to the structured log so
 * the trail survives even if the store is later lost.
 *
 * A record is never refused for its content: its detail is redacted field by field
 * (core/audit.ts redactDetail) before it is queued, and the record says which fields were. A
 * store that fails is tried again (AuditRetry); if it still fails, append rejects and the caller
 * decides what the missing record means for the action (see Helpdesk.record).
 */
export class StoredAudit implements AuditPort {
  /** This instance's appends, one at a time and in call order: they only conflict with other instances'. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    private readonly log: Log,
    private readonly retry: AuditRetry = DEFAULT_AUDIT_RETRY,
  ) {}

  append(record: AuditRecord): Promise<void> {
    if (!isCanonicalReference(record.reference)) return Promise.reject(new RangeError('StoredAudit: reference must look like HD-XXXX-XXXX'));
    // Redacted before queueing, so nothing unsafe is held in memory waiting for a slow store; the
    // copy also means a caller changing its object after the call cannot change what gets written.
    const { detail, redacted } = redactDetail(record.detail);
    const entry: AuditRecord = { ...structuredClone(record), detail: redacted.length > 0 ? { ...detail, redactedFields: redacted.join(',') } : detail };
    const run = this.queue.then(() => this.writeWithRetry(entry));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeWithRetry(record: AuditRecord): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.write(record);
        return;
      } catch (error) {
        const delay = this.retry.delaysMs[attempt];
        if (delay === undefined) throw error;
        this.log.warn({ reference: record.reference, audit: record.kind, attempt: attempt + 1, err: { name: (error as Error).name } }, 'audit write failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async list(reference: string): Promise<AuditRecord[]> {
    if (!isCanonicalReference(reference)) return [];
    const key = auditKey(reference);
    const doc = (await this.storage.read([key]))[key] as AuditDoc | undefined;
    return doc?.records ?? [];
  }

  private async write(record: AuditRecord): Promise<void> {
    await readModifyWrite<AuditDoc>(
      this.storage,
      auditKey(record.reference),
      () => ({ reference: record.reference, records: [] }),
      (doc) => ({ ...doc, records: [...doc.records, record] }),
    );
    // The detail goes first so none of its keys can pass itself off as the kind, reference or actor.
    this.log.info(
      { ...record.detail, audit: record.kind, reference: record.reference, ...(record.actor === undefined ? {} : { actor: record.actor }) },
      'audit',
    );
  }
}
