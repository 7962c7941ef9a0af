import type { Storage } from 'botbuilder';
import { assertSafeDetail, type AuditPort, type AuditRecord } from '../core/audit';
import type { Log } from '../core/ports';
import { isCanonicalReference, readModifyWrite } from './ticketStore';

export const auditKey = (reference: string) => `audit/${reference}`;

interface AuditDoc {
  reference: string;
  records: AuditRecord[];
}

/**
 * The audit trail in storage: one append-only document per ticket, shared by every bot instance
 * (eTag-checked appends, retried on conflict), and each record mirrored to the structured log so
 * the trail survives even if the store is later lost.
 */
export class StoredAudit implements AuditPort {
  /** This instance's appends, one at a time and in call order: they only conflict with other instances'. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly storage: Storage, private readonly log: Log) {}

  append(record: AuditRecord): Promise<void> {
    try {
      // Checked before queueing, so an unsafe record is refused even when the store is down.
      assertSafeDetail(record.detail);
      if (!isCanonicalReference(record.reference)) throw new RangeError('StoredAudit: reference must look like HD-XXXX-XXXX');
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // A copy, so a caller changing its object after the call cannot change what gets written.
    const entry = structuredClone(record);
    const run = this.queue.then(() => this.write(entry));
    this.queue = run.catch(() => undefined);
    return run;
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
