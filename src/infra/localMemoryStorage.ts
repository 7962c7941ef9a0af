import { MemoryStorage, type StoreItems } from 'botbuilder';
import { systemClock, type Clock } from '../core/ports';
import type { CreateIfAbsent } from './storageErrors';
import type { ListableStorage, StoredKey } from './storeListing';

/**
 * botbuilder's MemoryStorage plus create-if-absent and listing, for STATE_STORE=memory (tests and
 * demos: one process, nothing survives a restart). The check and the write happen in the same
 * tick, so no other turn can slip between them.
 */
export class LocalMemoryStorage extends MemoryStorage implements CreateIfAbsent, ListableStorage {
  /** When each key was last written, for listing (MemoryStorage keeps no times). */
  private readonly modified = new Map<string, Date>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    super();
    this.clock = options.clock ?? systemClock;
  }

  createIfAbsent(key: string, item: object): Promise<boolean> {
    // MemoryStorage.delete leaves the key holding undefined, so presence is a value, not a property.
    if (this.memory[key] !== undefined) return Promise.resolve(false);
    const { eTag: _eTag, ...fields } = item as Record<string, unknown>;
    // MemoryStorage.write stores synchronously inside its promise executor.
    return this.write({ [key]: fields }).then(() => true);
  }

  override write(changes: StoreItems): Promise<void> {
    const keys = Object.keys(changes ?? {});
    const before = keys.map((key) => this.memory[key] as unknown);
    const written = super.write(changes);
    // Stamped in the same tick as MemoryStorage stores, so a listing never sees a key without a
    // time; a stored document changes on every write (its eTag does), an eTag conflict leaves it.
    const at = this.clock.now();
    keys.forEach((key, i) => {
      if (this.memory[key] !== before[i]) this.modified.set(key, at);
    });
    return written;
  }

  override delete(keys: string[]): Promise<void> {
    const deleted = super.delete(keys);
    for (const key of keys ?? []) if (this.memory[key] === undefined) this.modified.delete(key);
    return deleted;
  }

  async *list(prefix: string): AsyncIterable<StoredKey> {
    // A snapshot: the sweep deletes while it walks the listing.
    const found: StoredKey[] = [];
    for (const key of Object.keys(this.memory)) {
      if (key.startsWith(prefix) && this.memory[key] !== undefined) found.push({ key, modifiedAt: this.modified.get(key) ?? new Date(0) });
    }
    yield* found;
  }
}
