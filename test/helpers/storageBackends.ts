/**
 * The stores a durable component must work on, each with a second handle on the same data (as
 * a second bot instance or process would have), for describe.each. Temp files are removed and
 * Azurite is stopped after the suite.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryStorage, type Storage } from 'botbuilder';
import { BlobStorage } from '../../src/infra/blobStorage';
import { SqliteStorage } from '../../src/infra/sqliteStorage';
import type { CreateIfAbsent } from '../../src/infra/storageErrors';
import { startAzurite, type Azurite } from './azurite';

export interface Backend {
  storage: Storage;
  /** A second handle on the same data, as a second bot instance (or process) would have. */
  sibling: () => Storage;
  dispose: () => void | Promise<void>;
}

export function storageBackends(prefix: string): [string, () => Backend][] {
  const tempDirs: string[] = [];
  // Azurite starts on the first Blob backend a test asks for, once per test file.
  let azurite: Promise<Azurite> | undefined;
  afterAll(async () => {
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
    if (azurite) await (await azurite.catch(() => undefined))?.stop();
  });
  return [
    [
      'MemoryStorage',
      () => {
        const storage = new MemoryStorage();
        return { storage, sibling: () => storage, dispose: () => undefined };
      },
    ],
    [
      'SqliteStorage',
      () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
        tempDirs.push(dir);
        const file = path.join(dir, 'state.db');
        const opened = [new SqliteStorage(file)];
        return {
          storage: opened[0]!,
          // A second connection to the same file: the same race two processes would run.
          sibling: () => {
            const s = new SqliteStorage(file);
            opened.push(s);
            return s;
          },
          dispose: () => opened.forEach((s) => s.close()),
        };
      },
    ],
    [
      'BlobStorage (Azurite)',
      () => {
        azurite ??= startAzurite();
        // A fresh container per test, so tests never see each other's blobs.
        const container = `t-${randomBytes(8).toString('hex')}`;
        const opened: Promise<BlobStorage>[] = [];
        // Each handle is its own BlobStorage.open(), as a second bot instance would do.
        const open = (): Storage => {
          const opening = azurite!.then((az) => BlobStorage.open({ connectionString: az.connectionString, container }));
          opened.push(opening);
          return deferred(opening);
        };
        return {
          storage: open(),
          sibling: open,
          dispose: async () => {
            for (const s of await Promise.allSettled(opened)) if (s.status === 'fulfilled') s.value.close();
          },
        };
      },
    ],
  ];
}

/**
 * BlobStorage.open() is async but a Backend hands out stores synchronously: this stand-in waits
 * for the open on every call, and offers createIfAbsent as the real store does.
 */
function deferred(opening: Promise<BlobStorage>): Storage & CreateIfAbsent {
  // A failed open is reported by the first call that uses the store, not as an unhandled rejection.
  opening.catch(() => undefined);
  return {
    read: async (keys) => (await opening).read(keys),
    write: async (changes) => (await opening).write(changes),
    delete: async (keys) => (await opening).delete(keys),
    createIfAbsent: async (key, item) => (await opening).createIfAbsent(key, item),
  };
}
