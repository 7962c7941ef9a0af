/**
 * The configured state store, opened once: the composition root and the audit CLI share it, so
 * both read the same place. An unreachable store fails here, before anything listens.
 */
import type { Storage } from 'botbuilder';
import type { Config } from '../config';
import { LocalMemoryStorage } from './localMemoryStorage';
import { isOutcomesKey } from './outcomeStats';
import { SqliteStorage } from './sqliteStorage';

export interface OpenStore {
  storage: Storage;
  /** Readiness probe for /readyz; never throws. */
  ready: () => boolean | Promise<boolean>;
  close: () => void | Promise<void>;
}

export async function openStore(config: Config): Promise<OpenStore> {
  switch (config.stateStore) {
    case 'sqlite': {
      // An outcome counter is written as each conversation ends; waiting for the disk there cost
      // about 5 % of a support turn, for a statistic.
      const sqlite = new SqliteStorage(config.sqlitePath, { relaxed: isOutcomesKey });
      return { storage: sqlite, ready: () => sqlite.ping(), close: () => sqlite.close() };
    }
    case 'blob': {
      // Loaded here rather than at the top: @azure/storage-blob (and DefaultAzureCredential's
      // chain) take tens of milliseconds to load, which every SQLite or memory start would pay
      // for nothing. The types still come from the import; this is the one place it is loaded.
      const { BlobStorage } = require('./blobStorage') as typeof import('./blobStorage');
      const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
      const blob = config.blob!;
      const storage = await BlobStorage.open({
        container: blob.container,
        timeoutMs: blob.startupTimeoutSeconds * 1000,
        ...(blob.connectionString
          ? { connectionString: blob.connectionString }
          : {
              accountUrl: blob.accountUrl,
              // Managed identity in Azure (user-assigned when a client id is given); elsewhere the
              // default chain (environment, workload identity, Azure CLI) finds a developer's login.
              credential: new DefaultAzureCredential(blob.managedIdentityClientId ? { managedIdentityClientId: blob.managedIdentityClientId } : {}),
            }),
      });
      return { storage, ready: () => storage.ping(), close: () => storage.close() };
    }
    case 'memory':
      return { storage: new LocalMemoryStorage(), ready: () => true, close: () => undefined };
  }
}
