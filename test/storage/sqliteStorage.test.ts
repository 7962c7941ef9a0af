import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStorage, type SqliteStorageOptions } from '../../src/infra/sqliteStorage';
import { ETagConflictError } from '../../src/infra/storageErrors';
import { describeStorageContract, TEAMS_LIKE_KEYS } from './storageContract';

function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-storage-test-'));
}

describeStorageContract(
  'SqliteStorage',
  async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'state.db');
    let current = new SqliteStorage(file);
    return {
      storage: current,
      reopen: async () => {
        current.close();
        current = new SqliteStorage(file);
        return current;
      },
      dispose: async () => {
        current.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { atomicBatches: true, listable: true },
);

describe('SqliteStorage specifics', () => {
  let dir: string;
  const opened: SqliteStorage[] = [];

  function open(file: string, options?: SqliteStorageOptions): SqliteStorage {
    const storage = new SqliteStorage(file, options);
    opened.push(storage);
    return storage;
  }

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates missing parent directories', async () => {
    const file = path.join(dir, 'deeply', 'nested', 'dir', 'state.db');
    const storage = open(file);
    expect(fs.existsSync(file)).toBe(true);
    await storage.write({ k: { v: 1 } });
    expect(Object.keys(await storage.read(['k']))).toEqual(['k']);
  });

  it('uses WAL so two processes can share the file', () => {
    const file = path.join(dir, 'state.db');
    open(file);
    // WAL mode is persisted in the file header, so a plain second connection can observe it.
    expect(fs.existsSync(`${file}-wal`) || fs.existsSync(`${file}-shm`)).toBe(true);
  });

  it('waits for the disk on every record write but not on every conversation turn', async () => {
    const storage = open(path.join(dir, 'state.db'));
    // FULL (2) fsyncs the WAL on each commit: requests, audit, outbox. NORMAL (1) leaves the
    // conversation documents (writeJson) to the next FULL commit or checkpoint.
    expect(storage.syncLevels()).toEqual({ conversations: 1, records: 2 });
    // Both connections see one another's commits at once.
    const eTag = (await storage.writeJson('c', '{"step":1}', undefined))!;
    expect((await storage.read(['c']))['c']).toEqual({ step: 1, eTag });
    await storage.write({ r: { audit: true } });
    expect((await storage.readJson('r'))?.json).toBe('{"audit":true}');
  });

  it('commits a batch of relaxed keys only without waiting for the disk, with the same eTag rules', async () => {
    const file = path.join(dir, 'state.db');
    const storage = open(file, { relaxed: (key) => key.startsWith('stats/') });
    // Rows each connection has changed: which of the two (NORMAL or FULL) committed a batch.
    type Connection = { prepare(sql: string): { get(): { n: number } } };
    const changes = (connection: 'conversationDb' | 'db') =>
      (storage as unknown as Record<string, Connection>)[connection]!.prepare('SELECT total_changes() AS n').get().n;
    await storage.write({ 'stats/a': { n: 1 } });
    expect([changes('conversationDb'), changes('db')]).toEqual([1, 0]);
    const first = (await storage.read(['stats/a']))['stats/a']!;
    await storage.write({ 'stats/a': { n: 2, eTag: first.eTag } });
    await expect(storage.write({ 'stats/a': { n: 3, eTag: first.eTag } })).rejects.toThrow(ETagConflictError);
    // A batch with any other key is a record: all of it waits for the disk, all-or-nothing as ever.
    await storage.write({ 'stats/a': { n: 4 }, 'audit/x': { y: 1 } });
    expect([changes('conversationDb'), changes('db')]).toEqual([2, 2]);
    expect((await storage.read(['stats/a', 'audit/x']))).toEqual({ 'stats/a': expect.objectContaining({ n: 4 }), 'audit/x': expect.objectContaining({ y: 1 }) });
  });

  it('answers ping while open and returns false after close', () => {
    const storage = open(path.join(dir, 'state.db'));
    expect(storage.ping()).toBe(true);
    storage.close();
    expect(storage.ping()).toBe(false);
  });

  it('close is idempotent and later operations reject with a clear error', async () => {
    const storage = open(path.join(dir, 'state.db'));
    storage.close();
    expect(() => storage.close()).not.toThrow();
    await expect(storage.read(['k'])).rejects.toThrow('SQLite storage is closed');
    await expect(storage.write({ k: { v: 1 } })).rejects.toThrow('SQLite storage is closed');
    await expect(storage.delete(['k'])).rejects.toThrow('SQLite storage is closed');
  });

  it('tags eTag conflicts with code ETAG_CONFLICT', async () => {
    const storage = open(path.join(dir, 'state.db'));
    await storage.write({ k: { v: 1 } });
    await storage.write({ k: { v: 2 } });
    await expect(storage.write({ k: { v: 3, eTag: 'stale' } })).rejects.toMatchObject({
      code: 'ETAG_CONFLICT',
      message: expect.stringContaining('eTag conflict'),
    });
  });

  it('does not store the eTag inside the JSON document', async () => {
    const file = path.join(dir, 'state.db');
    const storage = open(file);
    await storage.write({ k: { v: 1, eTag: '*' } });
    const raw = new Database(file, { readonly: true });
    try {
      const row = raw.prepare('SELECT doc, etag, updated_at FROM state WHERE key = ?').get('k') as {
        doc: string;
        etag: string;
        updated_at: string;
      };
      expect(JSON.parse(row.doc)).toEqual({ v: 1 });
      expect(row.etag).not.toBe('*');
      expect(Number.isNaN(Date.parse(row.updated_at))).toBe(false);
    } finally {
      raw.close();
    }
  });

  it('treats keys the Object prototype knows about as ordinary keys', async () => {
    // MemoryStorage keeps items in a plain object, so these names break it; SQLite must not care.
    const storage = open(path.join(dir, 'state.db'));
    await expect(storage.read(['constructor', '__proto__', 'toString'])).resolves.toEqual({});
    await storage.write({ constructor: { v: 1 }, toString: { v: 2 } });
    const items = await storage.read(['constructor', 'toString']);
    expect(items.constructor).toEqual(expect.objectContaining({ v: 1 }));
    expect(items.toString).toEqual(expect.objectContaining({ v: 2 }));
  });

  it('rejects non-object items without writing any of the batch', async () => {
    const storage = open(path.join(dir, 'state.db'));
    await expect(storage.write({ ok: { v: 1 }, bad: null })).rejects.toThrow(TypeError);
    await expect(storage.write({ ok: { v: 1 }, bad: 'text' })).rejects.toThrow(TypeError);
    await expect(storage.read(['ok', 'bad'])).resolves.toEqual({});
  });

  it('shares state and enforces eTags across two instances on one file (two server processes)', async () => {
    const file = path.join(dir, 'shared', 'state.db');
    const serverA = open(file);
    const serverB = open(file);
    const key = TEAMS_LIKE_KEYS[0];

    await serverA.write({ [key]: { turn: 1 } });
    const seenByB = (await serverB.read([key]))[key];
    expect(seenByB).toEqual(expect.objectContaining({ turn: 1 }));
    const seenByA = (await serverA.read([key]))[key];
    expect(seenByA?.eTag).toBe(seenByB?.eTag);

    // Both "processes" loaded the same turn state; only the first save may win.
    await serverB.write({ [key]: { ...seenByB, turn: 'B' } });
    await expect(serverA.write({ [key]: { ...seenByA, turn: 'A' } })).rejects.toThrow(/eTag conflict/);

    const final = (await serverA.read([key]))[key];
    expect(final).toEqual(expect.objectContaining({ turn: 'B' }));

    await serverA.delete([key]);
    await expect(serverB.read([key])).resolves.toEqual({});
  });

  it('hands a document over as its JSON text and its eTag, the same text and eTag read() sees', async () => {
    const storage = open(path.join(dir, 'state.db'));
    await storage.write({ k: { b: 1, a: [true, 'x'] } });
    const stored = await storage.readJson('k');
    const read = (await storage.read(['k']))['k']!;
    expect(stored).toEqual({ eTag: read.eTag, json: '{"b":1,"a":[true,"x"]}' });
    await expect(storage.readJson('missing')).resolves.toBeUndefined();
  });

  it('writes JSON text only against the eTag it was read with, and hands back the new eTag', async () => {
    const file = path.join(dir, 'state.db');
    const [a, b] = [open(file), open(file)];
    const first = await a.writeJson('k', '{"n":1}', undefined);
    expect(first).toEqual(expect.any(String));
    // Created only if absent: a second creator (another process) is told it lost.
    await expect(b.writeJson('k', '{"n":99}', undefined)).resolves.toBeUndefined();
    const second = await b.writeJson('k', '{"n":2}', first);
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    // The stale eTag loses, and the row keeps the winner's text and eTag.
    await expect(a.writeJson('k', '{"n":3}', first)).resolves.toBeUndefined();
    await expect(a.readJson('k')).resolves.toEqual({ eTag: second, json: '{"n":2}' });
    expect((await a.read(['k']))['k']).toEqual({ n: 2, eTag: second });
  });

  it('leaves the JSON text out when the caller already has the stored eTag', async () => {
    const storage = open(path.join(dir, 'state.db'));
    const eTag = (await storage.writeJson('k', '{"n":1}', undefined))!;
    await expect(storage.readJson('k', eTag)).resolves.toEqual({ eTag });
    await expect(storage.readJson('k', 'an older eTag')).resolves.toEqual({ eTag, json: '{"n":1}' });
    await expect(storage.readJson('missing', eTag)).resolves.toBeUndefined();
  });

  it('writes JSON text with an eTag to a document deleted since, as write() does', async () => {
    const storage = open(path.join(dir, 'state.db'));
    const eTag = await storage.writeJson('k', '{"n":1}', undefined);
    await storage.delete(['k']);
    await expect(storage.writeJson('k', '{"n":2}', eTag)).resolves.toEqual(expect.any(String));
    expect((await storage.read(['k']))['k']).toMatchObject({ n: 2 });
  });

  it('fails at construction with a clear error when the parent path is a file', () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'plain file');
    const file = path.join(blocker, 'state.db');
    expect(() => open(file)).toThrow(/Cannot open SQLite storage at ".*not-a-dir.*state\.db"/);
  });

  it('fails at construction with a clear error when the file is not a SQLite database', () => {
    const file = path.join(dir, 'corrupt.db');
    fs.writeFileSync(file, Buffer.alloc(8192, 'this is definitely not sqlite '));
    expect(() => open(file)).toThrow(/Cannot open SQLite storage at ".*corrupt\.db": .*not a database/);
  });

  it('fails at construction with a clear error when the path is a directory', () => {
    expect(() => open(dir)).toThrow(/Cannot open SQLite storage at/);
  });
});
