/**
 * Listing, which botbuilder's Storage does not have: the retention sweep needs to find documents
 * by key prefix and know when each was last written. Every store this project ships implements
 * it (SQLite from its `updated_at` column, Blob from the blob's Last-Modified, memory from the
 * times it keeps); a store without it (botbuilder's MemoryStorage in some tests) is not swept.
 */
import type { Storage } from 'botbuilder';

export interface StoredKey {
  key: string;
  /** When the document was last written (created or replaced). */
  modifiedAt: Date;
}

export interface ListableStorage {
  /**
   * Every key that starts with `prefix` ('' lists everything), with its last write time, in no
   * particular order. Keys written or deleted while the listing runs may or may not appear.
   */
  list(prefix: string): AsyncIterable<StoredKey>;
}

export function canList(storage: Storage): storage is Storage & ListableStorage {
  return typeof (storage as Partial<ListableStorage>).list === 'function';
}
