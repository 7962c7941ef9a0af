import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Storage, StoreItem, StoreItems } from 'botbuilder';
import { systemClock, type Clock } from '../core/ports';
import type { JsonDocuments } from './checkedState';
import { ETagConflictError, type CreateIfAbsent } from './storageErrors';
import type { ListableStorage, StoredKey } from './storeListing';

interface StateRow {
  etag: string;
  doc: string;
}

interface PreparedWrite {
  key: string;
  /** True when the caller's eTag must match the stored one. */
  conditional: boolean;
  expectedETag: unknown;
  doc: string;
}

/**
 * Durable botbuilder Storage backed by one SQLite file.
 *
 * Semantics deliberately match botbuilder's MemoryStorage (the reference the SDK ships), so swapping
 * stores never changes bot behaviour, with one intended difference: a batch is all-or-nothing.
 */
export interface SqliteStorageOptions {
  /** The time written to `updated_at` (listing reports it); tests inject one. */
  clock?: Clock;
  /**
   * Keys whose writes may be lost in a power cut, like the conversation documents: a batch of
   * only such keys commits without waiting for the disk (see conversationDb). Everything else
   * written through write() does wait. Default: none.
   */
  relaxed?: (key: string) => boolean;
}

export class SqliteStorage implements Storage, CreateIfAbsent, ListableStorage, JsonDocuments {
  private readonly db: Database.Database;
  /**
   * A second connection to the same file, for the conversation documents (readJson/writeJson),
   * with synchronous=NORMAL (better-sqlite3's build default in WAL mode): a commit survives a
   * crash of the process but not necessarily a power loss, and skips the fsync of the WAL that
   * FULL makes on every commit (about 120 µs on this project's machines, blocking the event loop,
   * against a support turn of under a millisecond). Losing the last turns of a conversation to a
   * power cut sends the person back a question or two. Everything else (helpdesk requests, the
   * audit trail, the notice outbox: write/createIfAbsent on `db`) is set to FULL, and its fsync
   * also makes every earlier conversation commit durable; write() batches of `relaxed` keys only
   * (the outcome counters, once per finished conversation) commit here too.
   */
  private readonly conversationDb: Database.Database;
  private readonly selectStmt: Database.Statement<[string], StateRow>;
  private readonly documentStmt: Database.Statement<[string], StateRow>;
  private readonly selectUnlessStmt: Database.Statement<[string, string], { etag: string; doc: string | null }>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly insertStmt: Database.Statement<[string, string, string, string]>;
  private readonly insertDocumentStmt: Database.Statement<[string, string, string, string]>;
  private readonly upsertIfMatchStmt: Database.Statement<[string, string, string, string, string]>;
  private readonly pingStmt: Database.Statement<[], { ok: number }>;
  private readonly listStmt: Database.Statement<[{ prefix: string }], { key: string; updated_at: string }>;
  private readonly clock: Clock;
  private readonly readAll: (keys: readonly string[]) => StoreItems;
  private readonly writeAll: (writes: readonly PreparedWrite[]) => void;
  private readonly writeAllRelaxed: (writes: readonly PreparedWrite[]) => void;
  private readonly relaxed: (key: string) => boolean;
  private readonly deleteAll: (keys: readonly string[]) => void;
  private closed = false;

  constructor(readonly filePath: string, options: SqliteStorageOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.relaxed = options.relaxed ?? (() => false);
    let db: Database.Database | undefined;
    let conversationDb: Database.Database | undefined;
    try {
      fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
      db = new Database(filePath);
      // WAL lets readers in another process proceed while one process writes; busy_timeout makes a
      // second writer wait for the lock instead of failing immediately with SQLITE_BUSY.
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      // Not the build default (NORMAL in WAL mode): an approval's audit record must not vanish in a
      // power cut after the bot reported it. See conversationDb for the other half.
      db.pragma('synchronous = FULL');
      db.exec(`CREATE TABLE IF NOT EXISTS state (
        key TEXT PRIMARY KEY,
        etag TEXT NOT NULL,
        doc TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`);
      conversationDb = new Database(filePath);
      conversationDb.pragma('busy_timeout = 5000');
      conversationDb.pragma('synchronous = NORMAL');
    } catch (err) {
      conversationDb?.close();
      db?.close();
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`Cannot open SQLite storage at "${filePath}": ${reason}`, { cause: err });
    }
    this.db = db;
    this.conversationDb = conversationDb;

    this.selectStmt = db.prepare<[string], StateRow>(SELECT_ROW);
    this.documentStmt = conversationDb.prepare<[string], StateRow>(SELECT_ROW);
    // Parameters: the eTag the caller has, then the key.
    this.selectUnlessStmt = conversationDb.prepare<[string, string], { etag: string; doc: string | null }>(
      'SELECT etag, CASE WHEN etag = ? THEN NULL ELSE doc END AS doc FROM state WHERE key = ?',
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM state WHERE key = ?');
    this.insertStmt = db.prepare<[string, string, string, string]>(INSERT_IF_ABSENT);
    // The eTag check and the write in one statement: atomic on its own, so no BEGIN IMMEDIATE,
    // eTag SELECT and COMMIT around it. A missing row is inserted, as write() does.
    this.insertDocumentStmt = conversationDb.prepare<[string, string, string, string]>(INSERT_IF_ABSENT);
    this.upsertIfMatchStmt = conversationDb.prepare<[string, string, string, string, string]>(
      `INSERT INTO state (key, etag, doc, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET etag = excluded.etag, doc = excluded.doc, updated_at = excluded.updated_at
       WHERE state.etag = ?`,
    );
    this.pingStmt = db.prepare<[], { ok: number }>('SELECT 1 AS ok');
    // A range on the primary key rather than LIKE, whose `%`/`_` wildcards and case folding would
    // need escaping; keys are compared as SQLite's default BINARY collation compares them.
    this.listStmt = db.prepare<[{ prefix: string }], { key: string; updated_at: string }>(
      'SELECT key, updated_at FROM state WHERE key >= @prefix AND substr(key, 1, length(@prefix)) = @prefix',
    );

    // One transaction so a multi-key read sees a single consistent snapshot even while another
    // process is committing.
    this.readAll = db.transaction((keys: readonly string[]): StoreItems => {
      const items: StoreItems = {};
      for (const key of keys) {
        const row = this.selectStmt.get(key);
        if (row) items[key] = toItem(row);
      }
      return items;
    });

    // The same transaction on either connection: the eTag check, then the write, per key.
    const writeAllOn = (connection: Database.Database, select: Database.Statement<[string], StateRow>) => {
      const upsert = connection.prepare<[string, string, string, string]>(UPSERT);
      const transaction = connection.transaction((writes: readonly PreparedWrite[]): void => {
        const now = this.clock.now().toISOString();
        for (const w of writes) {
          if (w.conditional) {
            const current = select.get(w.key);
            // A missing row is written unconditionally, as MemoryStorage does: the first save of a
            // conversation may carry an eTag from a row that another process has since deleted.
            if (current && current.etag !== w.expectedETag) {
              // Throwing inside the transaction rolls back every change already made in this batch.
              throw new ETagConflictError(w.key);
            }
          }
          upsert.run(w.key, randomUUID(), w.doc, now);
        }
      });
      // IMMEDIATE takes the write lock before the eTag check. A deferred transaction would read first
      // and could then fail with SQLITE_BUSY_SNAPSHOT (which busy_timeout cannot retry) if another
      // process committed in between.
      return (writes: readonly PreparedWrite[]) => transaction.immediate(writes);
    };
    this.writeAll = writeAllOn(db, this.selectStmt);
    this.writeAllRelaxed = writeAllOn(conversationDb, this.documentStmt);

    this.deleteAll = db.transaction((keys: readonly string[]): void => {
      for (const key of keys) this.deleteStmt.run(key);
    });
  }

  async read(keys: string[]): Promise<StoreItems> {
    this.assertOpen();
    if (!Array.isArray(keys)) throw new TypeError('SqliteStorage.read: keys must be an array of strings');
    // One key is one SELECT, consistent on its own; BEGIN/COMMIT around it only costs (every turn
    // reads its two state documents this way).
    if (keys.length === 1) {
      const key = keys[0]!;
      const row = this.selectStmt.get(key);
      return row ? { [key]: toItem(row) } : {};
    }
    return this.readAll(keys);
  }

  async write(changes: StoreItems): Promise<void> {
    this.assertOpen();
    if (changes === null || typeof changes !== 'object') {
      throw new TypeError('SqliteStorage.write: changes must be an object keyed by storage key');
    }
    // Serialise before taking the write lock so a non-serialisable item fails fast and never holds
    // the database lock that other processes are waiting on.
    const writes: PreparedWrite[] = Object.keys(changes).map((key) => {
      const item: unknown = changes[key];
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw new TypeError(`SqliteStorage.write: item "${key}" must be a plain object`);
      }
      const { eTag, ...fields } = item as Record<string, unknown>;
      const doc: unknown = JSON.stringify(fields);
      if (typeof doc !== 'string') {
        throw new TypeError(`SqliteStorage.write: item "${key}" did not serialise to a JSON object`);
      }
      // Same rule as MemoryStorage: any falsy eTag or '*' means "last writer wins".
      return { key, conditional: Boolean(eTag) && eTag !== '*', expectedETag: eTag, doc };
    });
    if (writes.length === 0) return;
    if (writes.every((w) => this.relaxed(w.key))) this.writeAllRelaxed(writes);
    else this.writeAll(writes);
  }

  async createIfAbsent(key: string, item: object): Promise<boolean> {
    this.assertOpen();
    if (typeof key !== 'string') throw new TypeError('SqliteStorage.createIfAbsent: key must be a string');
    const { eTag: _eTag, ...fields } = item as Record<string, unknown>;
    return this.insertStmt.run(key, randomUUID(), JSON.stringify(fields), this.clock.now().toISOString()).changes === 1;
  }

  async readJson(key: string, unlessETag?: string): Promise<{ eTag: string; json?: string } | undefined> {
    this.assertOpen();
    if (unlessETag === undefined) {
      const row = this.documentStmt.get(key);
      return row ? { eTag: row.etag, json: row.doc } : undefined;
    }
    const row = this.selectUnlessStmt.get(unlessETag, key);
    if (!row) return undefined;
    return row.doc === null ? { eTag: row.etag } : { eTag: row.etag, json: row.doc };
  }

  async writeJson(key: string, json: string, eTag: string | undefined): Promise<string | undefined> {
    this.assertOpen();
    const next = randomUUID();
    const now = this.clock.now().toISOString();
    const changes = eTag === undefined ? this.insertDocumentStmt.run(key, next, json, now).changes : this.upsertIfMatchStmt.run(key, next, json, now, eTag).changes;
    return changes === 1 ? next : undefined;
  }

  async delete(keys: string[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(keys)) throw new TypeError('SqliteStorage.delete: keys must be an array of strings');
    if (keys.length > 0) this.deleteAll(keys);
  }

  async *list(prefix: string): AsyncIterable<StoredKey> {
    this.assertOpen();
    if (typeof prefix !== 'string') throw new TypeError('SqliteStorage.list: prefix must be a string');
    // All rows first: the sweep deletes while it walks, and better-sqlite3 refuses writes on a
    // connection that is still stepping through a query.
    const rows = this.listStmt.all({ prefix });
    for (const row of rows) yield { key: row.key, modifiedAt: new Date(row.updated_at) };
  }

  /**
   * SQLite's synchronous level of each connection (1 NORMAL, 2 FULL): the conversation documents
   * and everything else. Read by the storage test, which pins which writes wait for the disk.
   */
  syncLevels(): { conversations: number; records: number } {
    this.assertOpen();
    const level = (db: Database.Database): number => db.pragma('synchronous', { simple: true }) as number;
    return { conversations: level(this.conversationDb), records: level(this.db) };
  }

  /** Readiness probe: never throws, so a health endpoint can call it unguarded. */
  ping(): boolean {
    if (this.closed) return false;
    try {
      return this.pingStmt.get()?.ok === 1;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conversationDb.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('SQLite storage is closed');
  }
}

const SELECT_ROW = 'SELECT etag, doc FROM state WHERE key = ?';
const INSERT_IF_ABSENT = 'INSERT INTO state (key, etag, doc, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING';
const UPSERT = `INSERT INTO state (key, etag, doc, updated_at) VALUES (?, ?, ?, ?)
  ON CONFLICT(key) DO UPDATE SET etag = excluded.etag, doc = excluded.doc, updated_at = excluded.updated_at`;

function toItem(row: StateRow): StoreItem {
  return { ...(JSON.parse(row.doc) as Record<string, unknown>), eTag: row.etag };
}
