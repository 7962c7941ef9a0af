/**
 * What every store this project ships has in common beyond botbuilder's `Storage`: one error for
 * a failed eTag check, and (where the backend can do it atomically) create-if-absent.
 */
import type { Storage } from 'botbuilder';

/** Raised when optimistic concurrency fails; `code` lets callers branch without parsing messages. */
export class ETagConflictError extends Error {
  readonly code = 'ETAG_CONFLICT';
  constructor(readonly key: string) {
    // Message wording mirrors botbuilder's MemoryStorage so log searches and tests match either store.
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'ETagConflictError';
  }
}

/** Our stores throw ETagConflictError; botbuilder's MemoryStorage only says so in the message. */
export function isETagConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (error as Error & { code?: unknown }).code === 'ETAG_CONFLICT' || /etag conflict/i.test(error.message);
}

/**
 * botbuilder's Storage creates a missing key whatever eTag the write carries, so two instances
 * creating the same document at once both "succeed". A store that can create atomically says so
 * by implementing this; shared documents (the ticket index, audit trails, counters) use it.
 */
export interface CreateIfAbsent {
  /** Writes `item` only if `key` does not exist. True when this call created it. */
  createIfAbsent(key: string, item: object): Promise<boolean>;
}

export function canCreateIfAbsent(storage: Storage): storage is Storage & CreateIfAbsent {
  return typeof (storage as Partial<CreateIfAbsent>).createIfAbsent === 'function';
}

/**
 * Creates `key` only if it does not exist; true when this call created it. Atomic on stores that
 * implement CreateIfAbsent; on others (botbuilder's MemoryStorage, one process) a read then a
 * write, which only a writer in between could beat.
 */
export async function createIfAbsent(storage: Storage, key: string, doc: object): Promise<boolean> {
  if (canCreateIfAbsent(storage)) return storage.createIfAbsent(key, doc);
  if ((await storage.read([key]))[key] !== undefined) return false;
  await storage.write({ [key]: { ...doc } });
  return true;
}
