import type { Storage, StoreItem } from 'botbuilder';
import { canCreateIfAbsent } from '../../src/infra/storageErrors';
import { canList, type StoredKey } from '../../src/infra/storeListing';

export interface StorageUnderTest {
  storage: Storage;
  /** Closes and reopens the same backing store; given only for durable stores. */
  reopen?: () => Promise<Storage>;
  dispose: () => Promise<void>;
}

export interface StorageContractOptions {
  /** True when a batch with one conflicting item must leave every item of the batch unwritten. */
  atomicBatches: boolean;
  /** True for the project's own stores: they must list keys by prefix (the retention sweep needs it). */
  listable?: boolean;
}

/** Keys shaped like the ones botbuilder derives from Teams activities, plus hostile variants. */
export const TEAMS_LIKE_KEYS: readonly string[] = [
  'msteams/conversations/19:abc-def@thread.tacv2;messageid=1700000000000/',
  'msteams/conversations/19:abc-def@thread.tacv2;messageid=1700000000000',
  'msteams/users/29:1Xyz' + 'AbC-_'.repeat(60) + '/',
  'a:1Xyz' + 'q'.repeat(400) + '7Lw',
  'A:1XYZ' + 'Q'.repeat(400) + '7LW',
  "emulator/conversations/x'y\"z`; DROP TABLE state; --/",
  'webchat/conversations/Ünïcödé 会话 🚀/users/%2F..%00',
  'line\nbreak\ttab',
];

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const NESTED_DOC: { [key: string]: Json } = {
  dialogState: {
    dialogStack: [
      { id: 'root', state: { options: {}, values: { instanceId: 'b4c3', turn: 3 } } },
      { id: 'phoneChange', state: { stepIndex: 2, values: { upn: 'ana@contoso.com', verified: false } } },
    ],
  },
  greeting: 'Grüß Gott — こんにちは — مرحبا — 👋🏽👩‍💻',
  emojiOnly: '🔐📱➡️📲',
  long: 'x'.repeat(100_000) + '✓',
  quotes: 'He said "hi" and \'bye\'\\n',
  numbers: [0, -1, 3.14159, 1e21, Number.MAX_SAFE_INTEGER],
  flags: { t: true, f: false, n: null },
  empty: { obj: {}, arr: [], str: '' },
};

function withoutETag(item: StoreItem | undefined): Record<string, unknown> {
  expect(item).toBeDefined();
  const { eTag: _eTag, ...rest } = item as StoreItem;
  return rest;
}

function eTagOf(item: StoreItem | undefined): string {
  expect(item).toBeDefined();
  const eTag = (item as StoreItem).eTag;
  expect(typeof eTag).toBe('string');
  expect(eTag).not.toBe('');
  expect(eTag).not.toBe('*');
  return eTag as string;
}

/**
 * Behaviour every Storage used by this bot must have. Written against botbuilder's MemoryStorage
 * semantics so a production store can be swapped in without changing bot behaviour.
 */
export function describeStorageContract(
  name: string,
  makeStore: () => Promise<StorageUnderTest>,
  options: StorageContractOptions = { atomicBatches: false },
): void {
  async function listed(storage: Storage, prefix: string): Promise<StoredKey[]> {
    if (!canList(storage)) throw new Error(`${name} cannot list keys`);
    const found: StoredKey[] = [];
    for await (const entry of storage.list(prefix)) found.push(entry);
    return found;
  }
  const keysOf = async (storage: Storage, prefix: string) => (await listed(storage, prefix)).map((e) => e.key).sort();

  describe(`Storage contract: ${name}`, () => {
    let sut: StorageUnderTest;
    let storage: Storage;

    beforeEach(async () => {
      sut = await makeStore();
      storage = sut.storage;
    });

    afterEach(async () => {
      await sut.dispose();
    });

    it('returns {} when no requested key exists', async () => {
      await expect(storage.read(['nope', 'also-nope'])).resolves.toEqual({});
      await expect(storage.read([])).resolves.toEqual({});
    });

    it('returns only the keys that exist', async () => {
      await storage.write({ present: { v: 1 } });
      const items = await storage.read(['present', 'absent']);
      expect(Object.keys(items)).toEqual(['present']);
    });

    it('round-trips nested JSON with unicode, emoji and long strings', async () => {
      await storage.write({ doc: { ...NESTED_DOC } });
      const items = await storage.read(['doc']);
      expect(withoutETag(items.doc)).toEqual(NESTED_DOC);
    });

    it('does not mutate the caller’s item and returns independent copies', async () => {
      const item = { v: 1, nested: { a: [1, 2] } };
      await storage.write({ k: item });
      expect(item).toEqual({ v: 1, nested: { a: [1, 2] } });
      expect('eTag' in item).toBe(false);

      const first = await storage.read(['k']);
      (first.k as { nested: { a: number[] } }).nested.a.push(3);
      const second = await storage.read(['k']);
      expect(withoutETag(second.k)).toEqual({ v: 1, nested: { a: [1, 2] } });
    });

    it('returns an eTag on read that changes on every write', async () => {
      await storage.write({ k: { v: 1 } });
      const e1 = eTagOf((await storage.read(['k'])).k);
      await storage.write({ k: { v: 2 } });
      const e2 = eTagOf((await storage.read(['k'])).k);
      await storage.write({ k: { v: 2 } });
      const e3 = eTagOf((await storage.read(['k'])).k);
      expect(new Set([e1, e2, e3]).size).toBe(3);
    });

    it('accepts a write carrying the current eTag', async () => {
      await storage.write({ k: { v: 1 } });
      const read1 = (await storage.read(['k'])).k as StoreItem;
      await expect(storage.write({ k: { ...read1, v: 2 } })).resolves.toBeUndefined();
      const read2 = (await storage.read(['k'])).k as StoreItem;
      expect(withoutETag(read2)).toEqual({ v: 2 });
      expect(eTagOf(read2)).not.toBe(read1.eTag);
    });

    it('rejects a write with a stale eTag and keeps the stored value', async () => {
      await storage.write({ k: { v: 1 } });
      const stale = (await storage.read(['k'])).k as StoreItem;
      await storage.write({ k: { ...stale, v: 2 } });
      const current = (await storage.read(['k'])).k as StoreItem;

      await expect(storage.write({ k: { ...stale, v: 3 } })).rejects.toThrow(/eTag conflict/);

      const after = (await storage.read(['k'])).k as StoreItem;
      expect(withoutETag(after)).toEqual({ v: 2 });
      expect(after.eTag).toBe(current.eTag);
    });

    it("overwrites unconditionally with eTag '*'", async () => {
      await storage.write({ k: { v: 1 } });
      await storage.write({ k: { v: 2, eTag: '*' } });
      expect(withoutETag((await storage.read(['k'])).k)).toEqual({ v: 2 });
    });

    it('overwrites unconditionally without an eTag', async () => {
      await storage.write({ k: { v: 1 } });
      await storage.write({ k: { v: 2 } });
      expect(withoutETag((await storage.read(['k'])).k)).toEqual({ v: 2 });
    });

    it('creates a missing key even when the write carries an eTag (MemoryStorage semantics)', async () => {
      await storage.write({ k: { v: 1, eTag: 'from-a-row-that-no-longer-exists' } });
      const item = (await storage.read(['k'])).k;
      expect(withoutETag(item)).toEqual({ v: 1 });
      expect(eTagOf(item)).not.toBe('from-a-row-that-no-longer-exists');
    });

    it('writes and reads several keys in one call', async () => {
      await storage.write({ a: { v: 'a' }, b: { v: 'b' }, c: { v: 'c' } });
      const items = await storage.read(['a', 'b', 'c']);
      expect(Object.keys(items).sort()).toEqual(['a', 'b', 'c']);
      expect(withoutETag(items.b)).toEqual({ v: 'b' });
    });

    it('rejects a batch containing a stale item and leaves that item unchanged', async () => {
      await storage.write({ fresh: { v: 1 }, stale: { v: 1 } });
      const before = await storage.read(['fresh', 'stale']);
      await storage.write({ stale: { v: 2 } });

      await expect(
        storage.write({
          fresh: { ...before.fresh, v: 'batch' },
          stale: { ...before.stale, v: 'batch' },
          brandNew: { v: 'batch' },
        }),
      ).rejects.toThrow(/eTag conflict/);

      const after = await storage.read(['fresh', 'stale', 'brandNew']);
      expect(withoutETag(after.stale)).toEqual({ v: 2 });
      if (options.atomicBatches) {
        expect(withoutETag(after.fresh)).toEqual({ v: 1 });
        expect(after.fresh?.eTag).toBe(before.fresh?.eTag);
        expect(after.brandNew).toBeUndefined();
      }
    });

    it('deletes keys and ignores keys that do not exist', async () => {
      await storage.write({ a: { v: 1 }, b: { v: 2 } });
      await expect(storage.delete(['a', 'never-existed'])).resolves.toBeUndefined();
      await expect(storage.read(['a', 'b'])).resolves.toEqual({ b: expect.objectContaining({ v: 2 }) });
      await expect(storage.delete([])).resolves.toBeUndefined();
      await expect(storage.delete(['a'])).resolves.toBeUndefined();
    });

    it('stores Teams-looking and hostile keys as distinct, exact keys', async () => {
      const changes: Record<string, StoreItem> = {};
      TEAMS_LIKE_KEYS.forEach((key, i) => {
        changes[key] = { index: i, key };
      });
      await storage.write(changes);

      const items = await storage.read([...TEAMS_LIKE_KEYS]);
      expect(Object.keys(items).sort()).toEqual([...TEAMS_LIKE_KEYS].sort());
      TEAMS_LIKE_KEYS.forEach((key, i) => {
        expect(withoutETag(items[key])).toEqual({ index: i, key });
      });

      const [first, ...rest] = TEAMS_LIKE_KEYS;
      await storage.delete([first]);
      const remaining = await storage.read([...TEAMS_LIKE_KEYS]);
      expect(Object.keys(remaining).sort()).toEqual([...rest].sort());
    });

    it('lets exactly one of two concurrent writers with the same read eTag succeed', async () => {
      await storage.write({ k: { turn: 0 } });
      const [viewA, viewB] = await Promise.all([storage.read(['k']), storage.read(['k'])]);
      expect(viewA.k?.eTag).toBe(viewB.k?.eTag);

      const results = await Promise.allSettled([
        storage.write({ k: { ...viewA.k, turn: 'A' } }),
        storage.write({ k: { ...viewB.k, turn: 'B' } }),
      ]);
      const fulfilled = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(String(rejected[0].reason)).toMatch(/eTag conflict/);

      const winner = results[0].status === 'fulfilled' ? 'A' : 'B';
      expect(withoutETag((await storage.read(['k'])).k)).toEqual({ turn: winner });
    });

    it('createIfAbsent creates a missing key once and never overwrites (stores that offer it)', async () => {
      if (!canCreateIfAbsent(storage)) return; // botbuilder's Storage has no create-if-absent
      await expect(storage.createIfAbsent('k', { v: 1 })).resolves.toBe(true);
      const created = (await storage.read(['k'])).k;
      expect(withoutETag(created)).toEqual({ v: 1 });
      await expect(storage.createIfAbsent('k', { v: 2 })).resolves.toBe(false);
      const after = (await storage.read(['k'])).k;
      expect(withoutETag(after)).toEqual({ v: 1 });
      expect(after?.eTag).toBe(eTagOf(created));

      await storage.delete(['k']);
      await expect(storage.createIfAbsent('k', { v: 3 })).resolves.toBe(true);
      expect(withoutETag((await storage.read(['k'])).k)).toEqual({ v: 3 });
    });

    it('createIfAbsent lets exactly one of several concurrent creators win (stores that offer it)', async () => {
      const store = storage;
      if (!canCreateIfAbsent(store)) return;
      const creators = ['A', 'B', 'C', 'D'];
      const results = await Promise.all(creators.map((by) => store.createIfAbsent('shared', { by })));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = creators[results.indexOf(true)];
      expect(withoutETag((await storage.read(['shared'])).shared)).toEqual({ by: winner });
    });

    it('keeps data and eTags across a reopen when the store is durable', async () => {
      if (!sut.reopen) return; // volatile stores have nothing to prove here
      await storage.write({ [TEAMS_LIKE_KEYS[0]]: { ...NESTED_DOC }, gone: { v: 1 } });
      await storage.delete(['gone']);
      const before = await storage.read([TEAMS_LIKE_KEYS[0]]);

      storage = await sut.reopen();

      const after = await storage.read([TEAMS_LIKE_KEYS[0], 'gone']);
      expect(Object.keys(after)).toEqual([TEAMS_LIKE_KEYS[0]]);
      expect(withoutETag(after[TEAMS_LIKE_KEYS[0]])).toEqual(NESTED_DOC);
      expect(after[TEAMS_LIKE_KEYS[0]]?.eTag).toBe(before[TEAMS_LIKE_KEYS[0]]?.eTag);

      // The concurrency check must keep working against data written before the reopen.
      await expect(
        storage.write({ [TEAMS_LIKE_KEYS[0]]: { v: 'stale', eTag: 'not-the-current-etag' } }),
      ).rejects.toThrow(/eTag conflict/);
      await expect(
        storage.write({ [TEAMS_LIKE_KEYS[0]]: { ...after[TEAMS_LIKE_KEYS[0]], v: 'fresh' } }),
      ).resolves.toBeUndefined();
    });

    const listing = options.listable ? it : it.skip;

    listing('lists keys by prefix, exactly: hostile keys, wildcards, case and long keys', async () => {
      const LONG = 'long/' + 'k'.repeat(1_100);
      const keys = [...TEAMS_LIKE_KEYS, 'x_y', 'x%y', 'xAy', 'tickets/HD-AAAA-BBBB', 'tickets/_index', 'audit/HD-AAAA-BBBB', LONG, 'dot.'];
      // A few at a time: one blob request per key, each listening on the store's abort signal.
      for (let i = 0; i < keys.length; i += 5) await storage.write(Object.fromEntries(keys.slice(i, i + 5).map((k, j) => [k, { i: i + j }])));
      expect(await keysOf(storage, '')).toEqual([...keys].sort());
      for (const prefix of ['msteams/', 'msteams/conversations/', 'a:1', 'A:1', 'x_', 'x%', 'tickets/HD-', 'webchat/conversations/Ünï', 'line\n', 'long/', 'dot', 'nothing/']) {
        expect({ prefix, keys: await keysOf(storage, prefix) }).toEqual({ prefix, keys: keys.filter((k) => k.startsWith(prefix)).sort() });
      }
    });

    listing('reports when each key was last written, and forgets deleted keys', async () => {
      const before = Date.now();
      await storage.write({ 'p/one': { v: 1 }, 'p/two': { v: 2 } });
      const store = storage;
      if (canCreateIfAbsent(store)) await store.createIfAbsent('p/three', { v: 3 });
      else await storage.write({ 'p/three': { v: 3 } });
      const after = Date.now();
      await storage.delete(['p/two']);
      const found = await listed(storage, 'p/');
      expect(found.map((e) => e.key).sort()).toEqual(['p/one', 'p/three']);
      for (const entry of found) {
        expect(entry.modifiedAt).toBeInstanceOf(Date);
        // Blob Last-Modified has whole seconds.
        expect(entry.modifiedAt.getTime()).toBeGreaterThanOrEqual(before - 2_000);
        expect(entry.modifiedAt.getTime()).toBeLessThanOrEqual(after + 2_000);
      }
    });

    listing('a failed eTag write does not count as a write', async () => {
      await storage.write({ 'q/k': { v: 1 } });
      const first = (await listed(storage, 'q/'))[0]!.modifiedAt.getTime();
      await expect(storage.write({ 'q/k': { v: 2, eTag: 'not-the-current-etag' } })).rejects.toThrow(/eTag conflict/);
      expect((await listed(storage, 'q/'))[0]!.modifiedAt.getTime()).toBe(first);
    });
  });
}
