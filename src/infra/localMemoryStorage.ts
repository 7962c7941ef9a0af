import { MemoryStorage } from 'botbuilder';
import type { CreateIfAbsent } from './storageErrors';

/**
 * botbuilder's MemoryStorage plus create-if-absent, for STATE_STORE=memory (tests and demos: one
 * process, nothing survives a restart). The check and the write happen in the same tick, so no
 * other turn can slip between them.
 */
export class LocalMemoryStorage extends MemoryStorage implements CreateIfAbsent {
  createIfAbsent(key: string, item: object): Promise<boolean> {
    if (Object.prototype.hasOwnProperty.call(this.memory, key)) return Promise.resolve(false);
    const { eTag: _eTag, ...fields } = item as Record<string, unknown>;
    // MemoryStorage.write stores synchronously inside its promise executor.
    return this.write({ [key]: fields }).then(() => true);
  }
}
