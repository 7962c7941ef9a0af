/**
 * botbuilder Storage on Azure Blob Storage, one blob per key, shared by every bot instance.
 *
 * Built on @azure/storage-blob directly rather than botbuilder-azure-blobs' BlobsStorage: we need
 * create-if-absent (If-None-Match: *), eTag checks that match MemoryStorage and SqliteStorage
 * exactly (a conditional write to a missing key creates it, but atomically), and our own key
 * encoding so the container stays readable.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import type { Storage, StoreItem, StoreItems } from 'botbuilder';
import { ETagConflictError, type CreateIfAbsent } from './storageErrors';
import type { ListableStorage, StoredKey } from './storeListing';

export interface BlobStorageOptions {
  /** Account key or SAS connection string (Azurite in development). Exactly one of this or accountUrl. */
  connectionString?: string;
  /** e.g. https://<account>.blob.core.windows.net, used with `credential` (managed identity in Azure). */
  accountUrl?: string;
  credential?: TokenCredential;
  /** Created at start-up if missing. */
  container: string;
  /** How long the start-up check may take before open() gives up; default 10 s. */
  timeoutMs?: number;
}

/**
 * Keys → blob names.
 *
 * The key is split on `/` and each segment is encoded on its own, then the segments are joined
 * with `/` again, so the container browses as virtual folders (`msteams/conversations/…`,
 * `tickets/HD-…`, `audit/HD-…`). Within a segment, `A–Z a–z 0–9 - _ . : ; @ = ,` stay as they are
 * (Teams ids stay readable: `19:…@thread.tacv2;messageid=…`); every other character becomes its
 * UTF-8 bytes as `~HH` (upper-case hex), `~` itself included. A dot ending a segment becomes `~2E`
 * (a trailing dot is trimmed by some tools, and `.`/`..` segments are resolved away in URLs). An
 * empty segment, such as the one after the trailing `/` of botbuilder's state keys, becomes a lone
 * `~`. This is decodable, hence injective, and never yields `\`, `//`, or a name ending in `.` or `/`.
 *
 * Names over 1,024 characters or 254 segments (Azure's limits), and keys that are not well-formed
 * Unicode (a lone surrogate has no UTF-8 form), use the hashed form instead: the first 128
 * characters of the readable name, then `~~`, then the SHA-256 of the key's UTF-16 code units in hex.
 * A readable name never contains `~~`, so the two forms cannot collide. Each blob also keeps its
 * exact key (see BlobDocument), which read() checks.
 */
export function blobNameFor(key: string): string {
  const segments = key.split('/');
  const readable = segments.map(encodeSegment).join('/');
  if (readable.length <= MAX_NAME_LENGTH && segments.length <= MAX_SEGMENTS && !LONE_SURROGATE.test(key)) {
    return readable;
  }
  // Cut so that no `~HH` escape (or empty-segment `~`) is left half there.
  const prefix = readable.slice(0, HASHED_PREFIX_LENGTH).replace(/~[0-9A-F]?$/, '');
  return `${prefix}~~${createHash('sha256').update(key, 'utf16le').digest('hex')}`;
}

const MAX_NAME_LENGTH = 1024;
const MAX_SEGMENTS = 254;
const HASHED_PREFIX_LENGTH = 128;
const LONE_SURROGATE = /\p{Cs}/u;
const KEPT = /^[A-Za-z0-9\-_.:;@=,]$/;

/**
 * The blob-name prefix of every key that starts with `prefix`: whole segments as blobNameFor
 * encodes them, the last (possibly partial) one character by character, without the rules for a
 * whole segment's end (a trailing dot, an empty segment), which only apply once it is complete.
 */
export function blobNamePrefixFor(prefix: string): string {
  const segments = prefix.split('/');
  const last = segments.pop() ?? '';
  let partial = '';
  for (const ch of last) partial += KEPT.test(ch) ? ch : escapeChar(ch);
  return [...segments.map(encodeSegment), partial].join('/');
}

/** The key a readable blob name stands for; undefined for a hashed name (its key is in the blob). */
export function keyForBlobName(name: string): string | undefined {
  if (name.includes('~~')) return undefined;
  return name.split('/').map(decodeSegment).join('/');
}

function decodeSegment(segment: string): string {
  if (segment === '~') return '';
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i += 1) {
    const escaped = segment[i] === '~' ? /^[0-9A-F]{2}$/.exec(segment.slice(i + 1, i + 3)) : null;
    if (escaped) {
      bytes.push(parseInt(escaped[0], 16));
      i += 2;
    } else {
      bytes.push(segment.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function encodeSegment(segment: string): string {
  if (segment === '') return '~';
  let out = '';
  for (const ch of segment) {
    out += KEPT.test(ch) ? ch : escapeChar(ch);
  }
  return out.endsWith('.') ? `${out.slice(0, -1)}~2E` : out;
}

function escapeChar(ch: string): string {
  let out = '';
  for (const byte of Buffer.from(ch, 'utf8')) out += `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * What a blob holds: the exact key (blob names can be hashed, and a listing should say which key a
 * blob belongs to) and the item without its eTag, which is the blob's own ETag.
 */
interface BlobDocument {
  key: string;
  item: Record<string, unknown>;
}

const CONTAINER_NAME = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_PING_TIMEOUT_MS = 2_000;
const STARTUP_RETRY_MS = 250;

/**
 * A turn has about 15 s before the channel gives up on the bot, so storage calls retry briefly
 * instead of the SDK's default of up to four tries with delays of up to two minutes.
 */
const TURN_RETRY: StoragePipelineOptions['retryOptions'] = {
  maxTries: 3,
  tryTimeoutInMs: 5_000,
  retryDelayInMs: 250,
  maxRetryDelayInMs: 2_000,
};
/** Health checks answer now rather than retry: the start-up check loops itself, /readyz asks again. */
const PROBE_RETRY: StoragePipelineOptions['retryOptions'] = { maxTries: 1 };

const JSON_HEADERS = { blobContentType: 'application/json' };

export class BlobStorage implements Storage, CreateIfAbsent, ListableStorage {
  /** Aborted by close(), so shutdown never waits on a request to an unreachable store. */
  private readonly lifetime = new AbortController();
  private closed = false;

  private constructor(
    private readonly container: ContainerClient,
    /** Same container without retries, for the start-up check and ping(). */
    private readonly probe: ContainerClient,
    /** The account URL without any SAS query, safe to put in messages. */
    readonly accountUrl: string,
  ) {}

  /** Connects, creates the container if missing, and fails with a clear message if the store cannot be used. */
  static async open(options: BlobStorageOptions): Promise<BlobStorage> {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('BlobStorage.open: options must be an object');
    }
    const { connectionString, accountUrl, credential, container } = options;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof container !== 'string' || !CONTAINER_NAME.test(container)) {
      throw new TypeError(`BlobStorage.open: container "${String(container)}" is not a valid container name (3-63 lower-case letters, digits and single hyphens)`);
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError('BlobStorage.open: timeoutMs must be a positive number');
    }
    if (Boolean(connectionString) === Boolean(accountUrl)) {
      throw new TypeError('BlobStorage.open: give exactly one of connectionString or accountUrl (with credential)');
    }
    if (accountUrl && !credential) throw new TypeError('BlobStorage.open: accountUrl needs a credential');
    if (connectionString && credential) throw new TypeError('BlobStorage.open: a credential goes with accountUrl, not connectionString');

    const service = (retryOptions: StoragePipelineOptions['retryOptions']): BlobServiceClient => {
      if (connectionString) {
        try {
          return BlobServiceClient.fromConnectionString(connectionString, { retryOptions });
        } catch (error) {
          // The SDK's messages name the bad part ("Invalid AccountKey …") without repeating it.
          throw new Error(`Invalid Azure Blob Storage connection string: ${redact(messageOf(error))}; check BLOB_CONNECTION_STRING`);
        }
      }
      try {
        new URL(accountUrl as string);
      } catch {
        throw new TypeError(`BlobStorage.open: accountUrl "${redact(String(accountUrl))}" is not a URL`);
      }
      return new BlobServiceClient(accountUrl as string, credential, { retryOptions });
    };
    const main = service(TURN_RETRY);
    const storage = new BlobStorage(
      main.getContainerClient(container),
      service(PROBE_RETRY).getContainerClient(container),
      withoutQuery(main.url),
    );
    await storage.ensureContainer(container, timeoutMs);
    return storage;
  }

  async read(keys: string[]): Promise<StoreItems> {
    this.assertOpen();
    assertKeys(keys, 'read');
    const unique = [...new Set(keys)];
    const found = await settleAll(unique.map((key) => this.readOne(key)));
    const items: StoreItems = {};
    unique.forEach((key, i) => {
      const item = found[i];
      // defineProperty, so a key such as "__proto__" is stored as a key, not as the prototype.
      if (item) Object.defineProperty(items, key, { value: item, enumerable: true, writable: true, configurable: true });
    });
    return items;
  }

  /**
   * MemoryStorage semantics: a falsy eTag or '*' overwrites; a real eTag must match the blob's,
   * and a missing blob is created. Items of a batch are written concurrently, not atomically.
   */
  async write(changes: StoreItems): Promise<void> {
    this.assertOpen();
    if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
      throw new TypeError('BlobStorage.write: changes must be an object keyed by storage key');
    }
    // Serialise everything first, so a bad item fails the call before anything is written.
    const writes = Object.keys(changes).map((key) => {
      const { eTag, body } = serialise(key, changes[key], 'write');
      return { key, eTag, body };
    });
    await settleAll(writes.map((w) => this.writeOne(w.key, w.eTag, w.body)));
  }

  async delete(keys: string[]): Promise<void> {
    this.assertOpen();
    assertKeys(keys, 'delete');
    await settleAll(
      [...new Set(keys)].map(async (key) => {
        await this.container.getBlockBlobClient(blobNameFor(key)).deleteIfExists({ abortSignal: this.lifetime.signal });
      }),
    );
  }

  /** Writes `item` only if `key` does not exist (If-None-Match: *). True when this call created it. */
  async createIfAbsent(key: string, item: object): Promise<boolean> {
    this.assertOpen();
    if (typeof key !== 'string') throw new TypeError('BlobStorage.createIfAbsent: key must be a string');
    return this.tryCreate(key, serialise(key, item, 'createIfAbsent').body);
  }

  /** From the blob listing (names and Last-Modified); only a hashed name costs a read of its blob. */
  async *list(prefix: string): AsyncIterable<StoredKey> {
    this.assertOpen();
    if (typeof prefix !== 'string') throw new TypeError('BlobStorage.list: prefix must be a string');
    const pages = this.container.listBlobsFlat({ prefix: blobNamePrefixFor(prefix), abortSignal: this.lifetime.signal });
    for await (const blob of pages) {
      const key = keyForBlobName(blob.name) ?? (await this.keyInBlob(blob.name));
      if (key === undefined || !key.startsWith(prefix)) continue;
      yield { key, modifiedAt: blob.properties.lastModified };
    }
  }

  /** Readiness probe: never throws, so a health endpoint can call it unguarded. */
  async ping(timeoutMs = DEFAULT_PING_TIMEOUT_MS): Promise<boolean> {
    if (this.closed) return false;
    const deadline = this.deadline(timeoutMs);
    try {
      await this.probe.getProperties({ abortSignal: deadline.signal });
      return true;
    } catch {
      return false;
    } finally {
      deadline.dispose();
    }
  }

  /** Idempotent; requests still in flight are aborted and later calls reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort();
  }

  private async ensureContainer(container: string, timeoutMs: number): Promise<void> {
    const deadline = this.deadline(timeoutMs);
    let lastError: unknown;
    try {
      for (;;) {
        try {
          await this.probe.createIfNotExists({ abortSignal: deadline.signal });
          return;
        } catch (error) {
          const timedOut = deadline.signal.aborted;
          if (!timedOut) lastError = error;
          // Connection refused, 5xx and throttling may pass (the emulator or a private endpoint still
          // starting); a 403 or a bad name will not, so those fail at once.
          if (timedOut || !isTransient(error)) {
            const reason =
              lastError === undefined
                ? `no answer within ${timeoutMs} ms`
                : `${describeError(lastError)}${timedOut ? ` (still failing after ${timeoutMs} ms)` : ''}`;
            // No `cause`: the SDK's error carries the request, whose URL may hold a SAS token.
            throw new Error(
              `Cannot reach Azure Blob Storage at ${this.accountUrl} (container "${container}"): ${redact(reason)}; check BLOB_CONNECTION_STRING / BLOB_ACCOUNT_URL`,
            );
          }
          await sleep(STARTUP_RETRY_MS);
        }
      }
    } finally {
      deadline.dispose();
    }
  }


  /**
   * A signal that aborts after `ms` or on close(). Not AbortSignal.any(AbortSignal.timeout()): on
   * Node 20 the composite holds its sources weakly, the timeout signal can be collected, and the
   * deadline then never fires (the start-up check looped forever against a closed port).
   */
  private deadline(ms: number): { signal: AbortSignal; dispose: () => void } {
    const controller = new AbortController();
    const abort = () => controller.abort();
    const timer = setTimeout(abort, ms);
    this.lifetime.signal.addEventListener('abort', abort, { once: true });
    return {
      signal: controller.signal,
      dispose: () => {
        clearTimeout(timer);
        this.lifetime.signal.removeEventListener('abort', abort);
      },
    };
  }

  private async readOne(key: string): Promise<StoreItem | undefined> {
    const name = blobNameFor(key);
    let text: string;
    let eTag: string | undefined;
    try {
      const response = await this.container.getBlockBlobClient(name).download(0, undefined, { abortSignal: this.lifetime.signal });
      eTag = response.etag;
      text = await readText(response.readableStreamBody);
    } catch (error) {
      // Only a missing blob is a missing key; a missing container is a misconfiguration to report.
      if (codeOf(error) === 'BlobNotFound') return undefined;
      throw error;
    }
    const doc = parseDocument(text);
    if (!doc || doc.key !== key || !eTag) {
      throw new Error(`BlobStorage: blob "${name}" in container "${this.container.containerName}" does not hold key "${key}"`);
    }
    return { ...doc.item, eTag };
  }

  /** The key a blob holds (BlobDocument.key), or undefined when it is gone or not one of ours. */
  private async keyInBlob(name: string): Promise<string | undefined> {
    try {
      const response = await this.container.getBlockBlobClient(name).download(0, undefined, { abortSignal: this.lifetime.signal });
      return parseDocument(await readText(response.readableStreamBody))?.key;
    } catch (error) {
      if (codeOf(error) === 'BlobNotFound') return undefined;
      throw error;
    }
  }

  private async writeOne(key: string, eTag: unknown, body: Buffer): Promise<void> {
    const blob = this.container.getBlockBlobClient(blobNameFor(key));
    const options = { blobHTTPHeaders: JSON_HEADERS, abortSignal: this.lifetime.signal };
    // Same rule as MemoryStorage: any falsy eTag or '*' means "last writer wins".
    if (!eTag || eTag === '*') {
      await blob.upload(body, body.length, options);
      return;
    }
    // An eTag that cannot even be sent as a header cannot be the blob's; only the create below applies.
    if (typeof eTag === 'string' && /^[\x21-\x7e]+$/.test(eTag)) {
      try {
        await blob.upload(body, body.length, { ...options, conditions: { ifMatch: eTag } });
        return;
      } catch (error) {
        if (!isPreconditionFailure(error) && codeOf(error) !== 'BlobNotFound') throw error;
      }
    }
    // If-Match fails with the same 412 whether the blob changed or is gone. A gone blob is created,
    // as MemoryStorage does, but only if it is still absent: a concurrent creator makes it a conflict.
    if (!(await this.tryCreate(key, body))) throw new ETagConflictError(key);
  }

  private async tryCreate(key: string, body: Buffer): Promise<boolean> {
    try {
      await this.container
        .getBlockBlobClient(blobNameFor(key))
        .upload(body, body.length, { blobHTTPHeaders: JSON_HEADERS, conditions: { ifNoneMatch: '*' }, abortSignal: this.lifetime.signal });
      return true;
    } catch (error) {
      if (isPreconditionFailure(error)) return false;
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Blob storage is closed');
  }
}

function assertKeys(keys: unknown, method: string): asserts keys is string[] {
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) {
    throw new TypeError(`BlobStorage.${method}: keys must be an array of strings`);
  }
}

function serialise(key: string, item: unknown, method: string): { eTag: unknown; body: Buffer } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new TypeError(`BlobStorage.${method}: item "${key}" must be a plain object`);
  }
  const { eTag, ...fields } = item as Record<string, unknown>;
  const doc: BlobDocument = { key, item: fields };
  return { eTag, body: Buffer.from(JSON.stringify(doc), 'utf8') };
}

function parseDocument(text: string): BlobDocument | undefined {
  try {
    const doc = JSON.parse(text) as Partial<BlobDocument> | null;
    if (doc && typeof doc.key === 'string' && doc.item && typeof doc.item === 'object') return doc as BlobDocument;
  } catch {
    // Not JSON: reported by the caller like any other foreign blob.
  }
  return undefined;
}

/** Waits for every call, so nothing is still writing when the batch rejects; the first error wins. */
async function settleAll<T>(calls: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(calls);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

async function readText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; details?: { errorCode?: unknown } } | null;
  const code = e?.details?.errorCode ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** 412 (If-Match / If-None-Match failed) or 409 BlobAlreadyExists (If-None-Match: * on a PUT). */
function isPreconditionFailure(error: unknown): boolean {
  const code = codeOf(error);
  return statusOf(error) === 412 || code === 'ConditionNotMet' || code === 'BlobAlreadyExists';
}

function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return (error as { name?: unknown } | null)?.name === 'RestError'; // no HTTP answer
  return status === 408 || status === 429 || status >= 500;
}

function describeError(error: unknown): string {
  const status = statusOf(error);
  // Service messages add "RequestId:…" and "Time:…" lines; the first line says what went wrong.
  const message = messageOf(error).split('\n')[0]?.trim() ?? '';
  if (status === undefined) return message;
  const code = codeOf(error);
  return code ? `${status} ${code}: ${message}` : `${status}: ${message}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Account keys and SAS signatures never reach a message, even if a lower layer quoted them. */
function redact(text: string): string {
  return text.replace(/(AccountKey|SharedAccessSignature|sig)=[^;&\s"']*/gi, '$1=[redacted]');
}

function withoutQuery(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}
