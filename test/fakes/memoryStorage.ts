import type { Storage, StoreItems } from 'botbuilder';

/**
 * botbuilder's Storage contract in a few lines, with its eTag rule (a write with a stale eTag
 * fails; '*' or none overwrites), and no botbuilder at run time: the helpdesk service's own tests
 * show it runs without the SDK.
 */
export class PlainMemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  private version = 0;

  async read(keys: string[]): Promise<StoreItems> {
    const out: StoreItems = {};
    for (const key of keys) {
      const item = this.items.get(key);
      if (item !== undefined) out[key] = JSON.parse(item) as object;
    }
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, change] of Object.entries(changes)) {
      const eTag = (change as { eTag?: string }).eTag;
      const current = this.items.get(key);
      const currentTag = current === undefined ? undefined : (JSON.parse(current) as { eTag?: string }).eTag;
      if (eTag && eTag !== '*' && current !== undefined && eTag !== currentTag) {
        throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
      }
      this.items.set(key, JSON.stringify({ ...(change as object), eTag: String(++this.version) }));
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.items.delete(key);
  }
}
