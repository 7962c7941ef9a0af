/**
 * Conversation state that never overwrites another turn's write.
 *
 * botbuilder's BotState.saveChanges writes with eTag '*': two turns of one conversation handled
 * at once (two instances, a double click, a channel retry) are last-writer-wins, and one turn's
 * progress silently disappears. This subclass keeps the eTag read at the start of the turn and
 * writes conditionally, so the loser finds out: the save throws StateConflictError, and the turn
 * runner discards the turn's replies and runs it again on the winner's state (src/turnRunner.ts).
 *
 * There is no user state: nothing read it (notices use the request's language), and reading and
 * writing a second document every turn cost a tenth of the state round trip.
 */
import { ConversationState, type BotState, type Storage, type StoreItem, type TurnContext } from 'botbuilder';
import { canCreateIfAbsent, isETagConflict } from './storageErrors';

export class StateConflictError extends Error {
  readonly code = 'STATE_CONFLICT';
  constructor(readonly key: string) {
    super(`Another turn changed "${key}" first`);
    this.name = 'StateConflictError';
  }
}

interface Cached {
  state: StoreItem;
  /** The document's JSON as read or last written (see changeHash). */
  hash: string;
}

/**
 * A store that keeps each document as JSON text (SqliteStorage) hands the text over and takes it
 * back: the JSON a turn read is its change hash, and the JSON the save compares is what it
 * writes, so a turn serialises its state once instead of four times.
 */
export interface JsonDocuments {
  /**
   * The document's eTag and JSON text (without the eTag), or undefined when there is none. The
   * text is left out when the stored eTag is `unlessETag`: the caller still has that version.
   */
  readJson(key: string, unlessETag?: string): Promise<{ eTag: string; json?: string } | undefined>;
  /**
   * Writes the JSON text if the stored eTag is still `eTag` (a missing document is created, as
   * Storage.write does) or, with no eTag, only if there is no document. Resolves with the new
   * eTag, or undefined when another writer came first.
   */
  writeJson(key: string, json: string, eTag: string | undefined): Promise<string | undefined>;
}

function hasJsonDocuments(storage: Storage): storage is Storage & JsonDocuments {
  const candidate = storage as Partial<JsonDocuments>;
  return typeof candidate.readJson === 'function' && typeof candidate.writeJson === 'function';
}

/** changeHash of an empty document. */
const EMPTY = '{}';

/** A version of a document as this process last read or wrote it. */
interface Known {
  eTag: string;
  json: string;
  state: StoreItem;
}

/**
 * The last version of each recently used conversation's document, so the next turn skips the
 * JSON.parse when the store says (by its eTag, asked on every read) that no one wrote since.
 * The next turn takes the object itself, not a copy (structuredClone costs 3-4 times a parse of
 * the same document): take() removes the entry, and only a turn's save puts one back, with the
 * object as saved. A turn that fails or loses a conflict puts nothing back, and one that changes
 * its state after its last save must save again (as with any BotState: an unsaved change is lost).
 * Bounded, oldest use first out; a conversation dropped from it is parsed again.
 */
class KnownDocuments {
  private readonly entries = new Map<string, Known>();

  constructor(private readonly max: number) {}

  take(key: string): Known | undefined {
    const known = this.entries.get(key);
    if (known) this.entries.delete(key);
    return known;
  }

  put(key: string, known: Known): void {
    this.entries.delete(key);
    this.entries.set(key, known);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Conversations whose last document a process keeps: the ones talking now, a few hundred KB at most. */
export const KNOWN_DOCUMENTS = 256;

/** What this turn read: the eTag to write against. */
interface Loaded {
  /** undefined: the document did not exist; 'spent': this turn has written since (eTag unknown). */
  eTag: string | undefined | 'spent';
}

/** The checks; BotState keeps the turn's copy under a private symbol, looked up only here. */
class Checked {
  /** Per instance, so two state objects keep their own bookkeeping in one turn. */
  private readonly loadedKey = Symbol('checkedState.loaded');
  private readonly json: JsonDocuments | undefined;
  readonly known: KnownDocuments;

  constructor(
    private readonly owner: BotState,
    private readonly storage: Storage,
    maxKnown: number,
  ) {
    this.json = hasJsonDocuments(storage) ? storage : undefined;
    this.known = new KnownDocuments(maxKnown);
  }

  private get cacheKey(): symbol {
    return (this.owner as unknown as { stateKey: symbol }).stateKey;
  }

  cached(context: TurnContext): Cached | undefined {
    return context.turnState.get(this.cacheKey) as Cached | undefined;
  }

  /** Reads the document for this turn (BotState.load, with the cheaper change hash below). */
  async load(context: TurnContext, key: string): Promise<StoreItem> {
    if (this.json) {
      const known = this.known.take(key);
      const stored = await this.json.readJson(key, known?.eTag);
      let cached: Cached = { state: {}, hash: EMPTY };
      if (stored?.json !== undefined) cached = { state: JSON.parse(stored.json) as StoreItem, hash: stored.json };
      else if (stored && known) cached = { state: known.state, hash: known.json };
      context.turnState.set(this.cacheKey, cached);
      context.turnState.set(this.loadedKey, { eTag: stored?.eTag } satisfies Loaded);
      return cached.state;
    }
    const state = (await this.storage.read([key]))[key] ?? {};
    context.turnState.set(this.cacheKey, { state, hash: changeHash(state) } satisfies Cached);
    context.turnState.set(this.loadedKey, { eTag: eTagOf(state) } satisfies Loaded);
    return state;
  }

  /** Drops this turn's copy, so the next access reads the store again (a turn being re-run). */
  forget(context: TurnContext): void {
    context.turnState.delete(this.cacheKey);
    context.turnState.delete(this.loadedKey);
  }

  async save(context: TurnContext, key: string, force: boolean): Promise<void> {
    const cached = this.cached(context) ?? (force ? { state: {}, hash: '' } : undefined);
    if (!cached) return;
    const json = changeHash(cached.state);
    const loaded = context.turnState.get(this.loadedKey) as Loaded | undefined;
    if (!force && cached.hash === json) {
      if (this.json && typeof loaded?.eTag === 'string' && loaded.eTag !== 'spent') this.known.put(key, { eTag: loaded.eTag, json, state: cached.state });
      return;
    }
    if (this.json) {
      // Not loaded this turn (cleared, or forced): write against what is stored now.
      const eTag = loaded && loaded.eTag !== 'spent' ? loaded.eTag : (await this.json.readJson(key))?.eTag;
      const written = await this.json.writeJson(key, json, eTag);
      if (written === undefined) throw new StateConflictError(key);
      cached.hash = json;
      context.turnState.set(this.cacheKey, cached);
      context.turnState.set(this.loadedKey, { eTag: written } satisfies Loaded);
      this.known.put(key, { eTag: written, json, state: cached.state });
      return;
    }
    const { eTag: _cachedETag, ...doc } = cached.state;
    // Not loaded this turn (cleared, or forced) or already written this turn: the store does not
    // hand back new eTags, so write against what is stored now.
    const eTag = loaded && loaded.eTag !== 'spent' ? loaded.eTag : await this.currentETag(key);
    await this.writeOnce(key, doc, eTag);
    // In place: property accessors read through this object.
    for (const name of Object.keys(cached.state)) delete cached.state[name];
    Object.assign(cached.state, doc);
    cached.hash = changeHash(cached.state);
    context.turnState.set(this.cacheKey, cached);
    context.turnState.set(this.loadedKey, { eTag: 'spent' } satisfies Loaded);
  }

  private async currentETag(key: string): Promise<string | undefined> {
    return eTagOf((await this.storage.read([key]))[key]);
  }

  /** Create-if-absent when the document did not exist when read, otherwise If-Match on that eTag. */
  private async writeOnce(key: string, doc: Record<string, unknown>, eTag: string | undefined): Promise<void> {
    if (eTag === undefined) {
      if (canCreateIfAbsent(this.storage)) {
        if (!(await this.storage.createIfAbsent(key, doc))) throw new StateConflictError(key);
        return;
      }
      // botbuilder's MemoryStorage (tests, one process) cannot create atomically; the turn runner
      // serialises each conversation's turns in a process, which is all such a store serves.
      await this.storage.write({ [key]: doc });
      return;
    }
    try {
      await this.storage.write({ [key]: { ...doc, eTag } });
    } catch (error) {
      if (isETagConflict(error)) throw new StateConflictError(key);
      throw error;
    }
  }
}

function eTagOf(item: StoreItem | undefined): string | undefined {
  return typeof item?.eTag === 'string' && item.eTag !== '*' ? item.eTag : undefined;
}

export interface CheckedBotState {
  /** Drops this turn's cached copy so a re-run turn reads the winner's state. */
  forget(context: TurnContext): void;
}

/**
 * ConversationState with the checks: a conflict fails the save, and the turn runner re-runs the
 * turn on the winner's state.
 */
export class CheckedConversationState extends ConversationState implements CheckedBotState {
  private readonly checked: Checked;

  /** maxKnown: conversations whose last document this process keeps (KnownDocuments). */
  constructor(storage: Storage, maxKnown = KNOWN_DOCUMENTS) {
    super(storage);
    this.checked = new Checked(this, storage, maxKnown);
  }

  /** How many conversations' documents this process keeps now (tests). */
  get knownDocuments(): number {
    return this.checked.known.size;
  }

  override async load(context: TurnContext, force = false): Promise<StoreItem> {
    const cached = this.checked.cached(context);
    if (!force && cached?.state) return cached.state;
    return this.checked.load(context, this.getStorageKey(context) ?? missingKey(context));
  }

  override async saveChanges(context: TurnContext, force = false): Promise<void> {
    await this.checked.save(context, this.getStorageKey(context) ?? missingKey(context), force);
  }

  forget(context: TurnContext): void {
    this.checked.forget(context);
  }
}

function missingKey(context: TurnContext): never {
  throw new Error(`Cannot key state for an activity on "${context.activity.channelId}": it has no conversation id`);
}

/**
 * Whether the state changed during the turn. botbuilder's calculateChangeHash runs its own
 * replacer-based stringify and a SHA-256 over the whole document, twice a turn; together they
 * were a tenth of a turn's CPU. Native JSON of the same content compares just as well, and on a
 * JsonDocuments store it is also the text written, and JSON.parse then JSON.stringify of that
 * text gives the text back (keys keep their order), so the JSON read is the hash at load.
 */
function changeHash(state: StoreItem): string {
  const { eTag: _eTag, ...content } = state;
  return JSON.stringify(content);
}
