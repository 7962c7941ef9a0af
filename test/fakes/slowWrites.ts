import type { Storage, StoreItems } from 'botbuilder';
import { createIfAbsent, type CreateIfAbsent } from '../../src/infra/storageErrors';

/**
 * A real store whose writes of matching keys wait a moment first, so two turns that start
 * together both read before either writes: the race two instances run, made certain instead of
 * likely. Reads and everything else pass straight through.
 */
export class SlowWrites implements Storage, CreateIfAbsent {
  constructor(
    private readonly inner: Storage,
    private readonly delayMs: number,
    private readonly matches: (key: string) => boolean = (key) => key.includes('/conversations/'),
  ) {}

  read(keys: string[]): Promise<StoreItems> {
    return this.inner.read(keys);
  }

  async write(changes: StoreItems): Promise<void> {
    if (Object.keys(changes).some(this.matches)) await sleep(this.delayMs);
    return this.inner.write(changes);
  }

  /** Atomic when the wrapped store is (storageErrors' createIfAbsent), a read then a write on botbuilder's MemoryStorage. */
  async createIfAbsent(key: string, item: Record<string, unknown>): Promise<boolean> {
    if (this.matches(key)) await sleep(this.delayMs);
    return createIfAbsent(this.inner, key, item);
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
