import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { ContainerClient } from '@azure/storage-blob';
import { ActivityTypes, ConversationState, TestAdapter, TurnContext, UserState, type Activity } from 'botbuilder';
import { BlobStorage, blobNameFor } from '../../src/infra/blobStorage';
import { ETagConflictError } from '../../src/infra/storageErrors';
import { auditKey } from '../../src/infra/storedAudit';
import { outcomesKey } from '../../src/infra/outcomeStats';
import { conversationTicketsKey, TICKET_INDEX_KEY, ticketKey } from '../../src/infra/ticketStore';
import { AZURITE_ACCOUNT_KEY, startAzurite, type Azurite } from '../helpers/azurite';
import { describeStorageContract, TEAMS_LIKE_KEYS } from './storageContract';

const TEAMS_PERSONAL = 'a:1' + 'bWVzc2FnZS1pZC1mb3ItYS1wZXJzb25hbC1jaGF0LXdpdGgtdGhlLWJvdA-_Q9'.repeat(2) + 'x7Lw';
const TEAMS_CHANNEL = '19:0f1e2d3c4b5a69788796a5b4c3d2e1f0@thread.tacv2;messageid=1717236000000';
const TEAMS_USER = '29:1' + 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_'.repeat(3);

const freshContainer = () => `t-${randomBytes(8).toString('hex')}`;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function isValidBlobName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 1024 &&
    name.split('/').length <= 254 &&
    !/[./]$/.test(name) &&
    !name.startsWith('/') &&
    !name.includes('//') &&
    !name.includes('\\') &&
    !name.split('/').some((segment) => segment === '.' || segment === '..')
  );
}

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

describeStorageContract(
  'BlobStorage (Azurite)',
  async () => {
    const container = freshContainer();
    const open = () => BlobStorage.open({ connectionString: azurite.connectionString, container });
    let current = await open();
    return {
      storage: current,
      // A new instance on the same container: what a restarted (or second) bot process sees.
      reopen: async () => {
        current.close();
        current = await open();
        return current;
      },
      dispose: async () => current.close(),
    };
  },
  // One blob per key: a batch is as many requests, so a conflict fails only its own item.
  { atomicBatches: false, listable: true },
);

describe('blobNameFor', () => {
  const TRICKY = [
    '',
    '/',
    '//',
    'a/',
    'a//b',
    '/a',
    'a.',
    '.',
    '..',
    'a/./b',
    'a/../b',
    '.~2E',
    '~',
    '~~',
    'a~2E',
    'a~',
    '\\',
    'a\\b',
    'a b',
    'a%20b',
    'a?b#c',
    '\uD800',
    '\uFFFD',
    '\uDC00\uD800',
    'x'.repeat(2000) + 'a',
    'x'.repeat(2000) + 'b',
    'X'.repeat(2000) + 'a',
    Array.from({ length: 300 }, () => 'a').join('/'),
    Array.from({ length: 300 }, () => 'a').join('/') + '/',
    ...TEAMS_LIKE_KEYS,
  ];

  test('every key maps to a valid blob name, and no two keys share one', () => {
    const names = TRICKY.map(blobNameFor);
    for (const name of names) expect(isValidBlobName(name)).toBe(true);
    expect(new Set(names).size).toBe(TRICKY.length);
  });

  test.each<[string, string]>([
    ['tickets/HD-7K3M-Q9XD', 'tickets/HD-7K3M-Q9XD'],
    ['tickets/_index', 'tickets/_index'],
    ['audit/HD-7K3M-Q9XD', 'audit/HD-7K3M-Q9XD'],
    ['stats/outcomes/2025-06-01', 'stats/outcomes/2025-06-01'],
    ['helpdesk/channel', 'helpdesk/channel'],
    [`msteams/conversations/${TEAMS_CHANNEL}/`, `msteams/conversations/${TEAMS_CHANNEL}/~`],
    ['webchat/users/dl_123/', 'webchat/users/dl_123/~'],
    ['emulator/conversations/abc|livechat/', 'emulator/conversations/abc~7Clivechat/~'],
    ['a..', 'a.~2E'],
    ['..', '.~2E'],
    ['a~b', 'a~7Eb'],
    ['x\\y z', 'x~5Cy~20z'],
    ['Ü', '~C3~9C'],
  ])('%j is stored as %j', (key, name) => {
    expect(blobNameFor(key)).toBe(name);
  });

  test('a name that would be too long keeps a readable prefix and ends in a SHA-256', () => {
    const key = `msteams/conversations/a:1${'q'.repeat(1100)}/`;
    const name = blobNameFor(key);
    expect(name).toMatch(/^msteams\/conversations\/a:1q+~~[0-9a-f]{64}$/);
    expect(name.length).toBeLessThan(200);
    expect(blobNameFor(key.toUpperCase())).not.toBe(name);
  });
});

describe('BlobStorage on Azurite', () => {
  const opened: BlobStorage[] = [];
  const open = async (container = freshContainer()): Promise<BlobStorage> => {
    const storage = await BlobStorage.open({ connectionString: azurite.connectionString, container });
    opened.push(storage);
    return storage;
  };
  const listNames = async (container: string): Promise<string[]> => {
    const client = new ContainerClient(azurite.connectionString, container);
    const names: string[] = [];
    for await (const blob of client.listBlobsFlat()) names.push(blob.name);
    return names.sort();
  };

  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });

  test('createIfAbsent across two instances: exactly one creates, the other sees it existed', async () => {
    const container = freshContainer();
    const [a, b] = [await open(container), await open(container)];
    const results = await Promise.all([a.createIfAbsent('tickets/_index', { by: 'a' }), b.createIfAbsent('tickets/_index', { by: 'b' })]);
    expect([...results].sort()).toEqual([false, true]);
    const winner = results[0] ? 'a' : 'b';
    expect((await b.read(['tickets/_index']))['tickets/_index']).toEqual(expect.objectContaining({ by: winner }));
    await expect(a.createIfAbsent('tickets/_index', { by: 'again' })).resolves.toBe(false);
  });

  test('an eTag conflict is an ETagConflictError with code ETAG_CONFLICT', async () => {
    const storage = await open();
    await storage.write({ k: { v: 1 } });
    await storage.write({ k: { v: 2 } });
    const error: unknown = await storage.write({ k: { v: 3, eTag: '"0x8DC0000000000000"' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ETagConflictError);
    expect(error).toMatchObject({ code: 'ETAG_CONFLICT', key: 'k' });
    // An eTag that could not even be a header value is a conflict too, not a transport error.
    await expect(storage.write({ k: { v: 3, eTag: 'line\nbreak' } })).rejects.toBeInstanceOf(ETagConflictError);
  });

  test('Teams conversation and user state round-trip through botbuilder and show up as readable blob names', async () => {
    const container = freshContainer();
    const storage = await open(container);
    const keys: string[] = [];
    for (const [conversationId, userId] of [
      [TEAMS_PERSONAL, TEAMS_USER],
      [TEAMS_CHANNEL, TEAMS_USER],
    ]) {
      const activity: Partial<Activity> = {
        type: ActivityTypes.Message,
        channelId: 'msteams',
        conversation: { id: conversationId!, isGroup: conversationId === TEAMS_CHANNEL, name: '', conversationType: '' },
        from: { id: userId!, name: 'Ana' },
        recipient: { id: '28:bot', name: 'bot' },
        text: 'hi',
      };
      const context = new TurnContext(new TestAdapter(), activity);
      const conversationState = new ConversationState(storage);
      const userState = new UserState(storage);
      await conversationState.createProperty<number>('turns').set(context, 3);
      await userState.createProperty<string>('locale').set(context, 'en-GB');
      await Promise.all([conversationState.saveChanges(context), userState.saveChanges(context)]);
      keys.push(conversationState.getStorageKey(context)!, userState.getStorageKey(context)!);

      // Another bot instance loads the same state.
      const again = new TurnContext(new TestAdapter(), activity);
      const otherInstance = new ConversationState(await open(container));
      expect(await otherInstance.createProperty<number>('turns').get(again)).toBe(3);
    }
    expect(keys).toContain(`msteams/conversations/${TEAMS_CHANNEL}/`);
    expect(keys).toContain(`msteams/users/${TEAMS_USER}/`);

    const app = [ticketKey('HD-7K3M-Q9XD'), TICKET_INDEX_KEY, conversationTicketsKey(TEAMS_PERSONAL), auditKey('HD-7K3M-Q9XD'), outcomesKey('2025-06-01'), 'helpdesk/channel'];
    await storage.write(Object.fromEntries(app.map((key) => [key, { key }])));

    const names = await listNames(container);
    expect(names).toEqual([...new Set([...keys, ...app])].map(blobNameFor).sort());
    for (const name of names) expect(isValidBlobName(name)).toBe(true);
    expect(names).toEqual(
      expect.arrayContaining([
        `msteams/conversations/${TEAMS_PERSONAL}/~`,
        `msteams/conversations/${TEAMS_CHANNEL}/~`,
        `msteams/users/${TEAMS_USER}/~`,
        'tickets/HD-7K3M-Q9XD',
        'tickets/_index',
        expect.stringMatching(/^tickets\/conversation\/[0-9a-f]{32}$/),
        'audit/HD-7K3M-Q9XD',
        'stats/outcomes/2025-06-01',
        'helpdesk/channel',
      ]),
    );
  });

  test('a blob is JSON holding the exact key and the item without its eTag', async () => {
    const container = freshContainer();
    const storage = await open(container);
    const key = TEAMS_LIKE_KEYS[3]!; // 400+ characters: stored under a hashed name
    await storage.write({ [key]: { v: 1, eTag: '*' } });
    const blob = new ContainerClient(azurite.connectionString, container).getBlockBlobClient(blobNameFor(key));
    const properties = await blob.getProperties();
    expect(properties.contentType).toBe('application/json');
    expect(JSON.parse((await blob.downloadToBuffer()).toString('utf8'))).toEqual({ key, item: { v: 1 } });
    expect((await storage.read([key]))[key]?.eTag).toBe(properties.etag);
  });

  test('a blob that holds another key is reported, not returned as this key', async () => {
    const container = freshContainer();
    const storage = await open(container);
    const foreign = JSON.stringify({ key: 'something/else', item: {} });
    await new ContainerClient(azurite.connectionString, container).getBlockBlobClient('tickets/_index').upload(foreign, Buffer.byteLength(foreign));
    await expect(storage.read(['tickets/_index'])).rejects.toThrow(/does not hold key "tickets\/_index"/);
  });

  test('keys the Object prototype knows about are ordinary keys', async () => {
    const storage = await open();
    await expect(storage.read(['constructor', '__proto__', 'toString'])).resolves.toEqual({});
    await storage.write({ constructor: { v: 1 }, toString: { v: 2 } });
    const items = await storage.read(['constructor', 'toString']);
    expect(items.constructor).toEqual(expect.objectContaining({ v: 1 }));
    expect(items.toString).toEqual(expect.objectContaining({ v: 2 }));
  });

  test('bad arguments are TypeErrors, and a batch with a bad item writes nothing', async () => {
    const storage = await open();
    await expect(storage.read('k' as unknown as string[])).rejects.toThrow(TypeError);
    await expect(storage.read([1] as unknown as string[])).rejects.toThrow(TypeError);
    await expect(storage.delete(undefined as unknown as string[])).rejects.toThrow(TypeError);
    await expect(storage.write(null as unknown as Record<string, never>)).rejects.toThrow(TypeError);
    await expect(storage.write({ ok: { v: 1 }, bad: null })).rejects.toThrow(TypeError);
    await expect(storage.write({ ok: { v: 1 }, bad: 'text' })).rejects.toThrow(TypeError);
    await expect(storage.createIfAbsent('k', [])).rejects.toThrow(TypeError);
    await expect(storage.read(['ok', 'bad', 'k'])).resolves.toEqual({});
  });

  test('ping answers while reachable; after close it is false and every call rejects', async () => {
    const storage = await open();
    await expect(storage.ping()).resolves.toBe(true);
    storage.close();
    expect(() => storage.close()).not.toThrow();
    await expect(storage.ping()).resolves.toBe(false);
    await expect(storage.read(['k'])).rejects.toThrow('Blob storage is closed');
    await expect(storage.write({ k: { v: 1 } })).rejects.toThrow('Blob storage is closed');
    await expect(storage.delete(['k'])).rejects.toThrow('Blob storage is closed');
    await expect(storage.createIfAbsent('k', { v: 1 })).rejects.toThrow('Blob storage is closed');
  });
});

describe('BlobStorage.open', () => {
  test('an unreachable store fails fast, naming the account URL, the container and the reason, never the key', async () => {
    const port = await closedPort();
    const connectionString = azurite.connectionString.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);
    const started = Date.now();
    const error: unknown = await BlobStorage.open({ connectionString, container: 'bot-state', timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^Cannot reach Azure Blob Storage at http://127\\.0\\.0\\.1:${port}/devstoreaccount1 \\(container "bot-state"\\): .*ECONNREFUSED.*; check BLOB_CONNECTION_STRING / BLOB_ACCOUNT_URL$`,
      ),
    );
    expect(message).not.toContain(AZURITE_ACCOUNT_KEY);
    expect(message).not.toMatch(/AccountKey/i);
    expect(String((error as Error).stack)).not.toContain(AZURITE_ACCOUNT_KEY);
  });

  test('a wrong account key fails at once with the service’s answer, without the key', async () => {
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    const connectionString = azurite.connectionString.replace(AZURITE_ACCOUNT_KEY, wrongKey);
    const started = Date.now();
    const error: unknown = await BlobStorage.open({ connectionString, container: 'bot-state' }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000); // not retried until the 10 s timeout
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^Cannot reach Azure Blob Storage at ${azurite.accountUrl.replace(/\./g, '\\.')} \\(container "bot-state"\\): 403 `));
    expect(message).not.toContain(wrongKey);
  });

  test('a SAS connection string never shows its signature', async () => {
    const port = await closedPort();
    const connectionString = `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;SharedAccessSignature=sv=2024-08-04&ss=b&srt=sco&sp=rwdlac&se=2099-01-01T00:00:00Z&sig=TOPSECRETSIGNATURE%3D`;
    const error: unknown = await BlobStorage.open({ connectionString, container: 'bot-state', timeoutMs: 500 }).catch((e: unknown) => e);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^Cannot reach Azure Blob Storage at http://127\\.0\\.0\\.1:${port}/devstoreaccount1 \\(container "bot-state"\\)`));
    expect(message).not.toContain('TOPSECRET');
    expect(message).not.toContain('sig=');
  });

  test('with an account URL and a credential, the message names the URL', async () => {
    const port = await closedPort();
    const credential: TokenCredential = {
      getToken: async (): Promise<AccessToken> => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const accountUrl = `http://127.0.0.1:${port}/devstoreaccount1`;
    await expect(BlobStorage.open({ accountUrl, credential, container: 'bot-state', timeoutMs: 500 })).rejects.toThrow(
      `Cannot reach Azure Blob Storage at ${accountUrl} (container "bot-state"): `,
    );
  });

  test.each<[string, Parameters<typeof BlobStorage.open>[0]]>([
    ['neither a connection string nor an account URL', { container: 'bot-state' }],
    ['both a connection string and an account URL', { connectionString: 'UseDevelopmentStorage=true', accountUrl: 'http://127.0.0.1:1/x', container: 'bot-state' }],
    ['an account URL without a credential', { accountUrl: 'http://127.0.0.1:1/x', container: 'bot-state' }],
    ['an invalid container name', { connectionString: 'UseDevelopmentStorage=true', container: 'Bot_State' }],
    ['a zero timeout', { connectionString: 'UseDevelopmentStorage=true', container: 'bot-state', timeoutMs: 0 }],
  ])('rejects %s with a TypeError', async (_name, options) => {
    await expect(BlobStorage.open(options)).rejects.toThrow(TypeError);
  });

  test('a malformed connection string is reported without echoing it', async () => {
    const connectionString = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=NOT-A-REAL-KEY';
    const error: unknown = await BlobStorage.open({ connectionString, container: 'bot-state' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/connection string/i);
    expect((error as Error).message).not.toContain('NOT-A-REAL-KEY');
  });
});

describe('BlobStorage across an Azurite restart (workspace on disk)', () => {
  let dir: string;
  let server: Azurite | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blob-storage-test-'));
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('keeps blobs and eTags; ping is false while the store is down', async () => {
    const container = freshContainer();
    const key = `msteams/conversations/${TEAMS_CHANNEL}/`;
    server = await startAzurite({ location: dir });
    const before = await BlobStorage.open({ connectionString: server.connectionString, container });
    await before.write({ [key]: { turns: 7 } });
    const written = (await before.read([key]))[key];
    await expect(before.ping()).resolves.toBe(true);

    await server.stop();
    const started = Date.now();
    await expect(before.ping(1_000)).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(3_000);
    before.close();

    server = await startAzurite({ location: dir });
    const after = await BlobStorage.open({ connectionString: server.connectionString, container });
    try {
      const reread = (await after.read([key]))[key];
      expect(reread).toEqual(written);
      await expect(after.write({ [key]: { turns: 8, eTag: 'stale' } })).rejects.toThrow(/eTag conflict/);
      await expect(after.write({ [key]: { ...reread, turns: 8 } })).resolves.toBeUndefined();
    } finally {
      after.close();
    }
  });
});
