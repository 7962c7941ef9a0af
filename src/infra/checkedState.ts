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
  hash: string;
}

/** What this turn read: the eTag to write against. */
interface Loaded {
  /** undefined: the document did not exist; 'spent': this turn has written since (eTag unknown). */
  eTag: string | undefined | 'spent';
}

/** The checks; BotState keeps the turn's copy under a private symbol, looked up only here. */
class Checked {
  /** Per instance, so two state objects keep their own bookkeeping in one turn. */
  private readonly loadedKey = Symbol('checkedState.loaded');

  constructor(
    private readonly owner: BotState,
    private readonly storage: Storage,
  ) {}

  private get cacheKey(): symbol {
    return (this.owner as unknown as { stateKey: symbol }).stateKey;
  }

  cached(context: TurnContext): Cached | undefined {
    return context.turnState.get(this.cacheKey) as Cached | undefined;
  }

  /** Reads the document for this turn (BotState.load, with the cheaper change hash below). */
  async load(context: TurnContext, key: string): Promise<StoreItem> {
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
    if (!cached || (!force && cached.hash === changeHash(cached.state))) return;
    const loaded = context.turnState.get(this.loadedKey) as Loaded | undefined;
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

  constructor(storage: Storage) {
    super(storage);
    this.checked = new Checked(this, storage);
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
 * were a tenth of a turn's CPU. Native JSON of the same content compares just as well.
 */
function changeHash(state: StoreItem): string {
  const { eTag: _eTag, ...content } = state;
  return JSON.stringify(content);
}
