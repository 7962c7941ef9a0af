/**
 * The stores a durable component must work on, each with a second handle on the same data (as
 * a second bot instance or process would have), for describe.each. Temp files are removed
 * after the suite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryStorage, type Storage } from 'botbuilder';
import { SqliteStorage } from '../../src/infra/sqliteStorage';

export interface Backend {
  storage: Storage;
  /** A second handle on the same data, as a second bot instance (or process) would have. */
  sibling: () => Storage;
  dispose: () => void;
}

export function storageBackends(prefix: string): [string, () => Backend][] {
  const tempDirs: string[] = [];
  afterAll(() => {
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
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
  ];
}
