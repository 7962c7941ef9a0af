import type { Storage, StoreItems } from 'botbuilder';
import type { AuditKind, AuditRecord } from '../../src/core/audit';
import { LocalMemoryStorage } from '../../src/infra/localMemoryStorage';
import type { CreateIfAbsent } from '../../src/infra/storageErrors';

/**
 * A real in-memory store whose audit writes fail (a store outage, as the audit sees it) while the
 * record being appended is of one of the kinds in `failing`. Everything else passes straight through.
 */
export class FailingAuditStore implements Storage, CreateIfAbsent {
  readonly inner = new LocalMemoryStorage();
  failing = new Set<AuditKind>();
  /** Audit writes refused so far, by kind. */
  readonly refused: AuditKind[] = [];

  read(keys: string[]): Promise<StoreItems> {
    return this.inner.read(keys);
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      if (!key.startsWith('audit/')) continue;
      const last = (item as { records?: AuditRecord[] }).records?.at(-1);
      if (last && this.failing.has(last.kind)) {
        this.refused.push(last.kind);
        throw new Error('audit store unavailable (simulated)');
      }
    }
    return this.inner.write(changes);
  }

  createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    return this.inner.createIfAbsent(key, item);
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }
}
