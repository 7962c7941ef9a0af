/**
 * Conversation and user state that never overwrite another turn's write.
 *
 * botbuilder's BotState.saveChanges writes with eTag '*': two turns of one conversation handled
 * at once (two instances, a double click, a channel retry) are last-writer-wins, and one turn's
 * progress silently disappears. These subclasses keep the eTag read at the start of the turn and
 * write conditionally, so the loser finds out:
 *  - conversation state throws StateConflictError; the turn runner discards the turn's replies
 *    and runs it again on the winner's state (src/turnRunner.ts);
 *  - user state (the person's language) is rebased: the properties this turn changed are laid
 *    over the stored document and written again, so neither turn's change is lost.
 */
import { ConversationState, UserState, type BotState, type Storage, type StoreItem, type TurnContext } from 'botbuilder';
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

/** What this turn read: the eTag to write against, and each property as loaded (for a rebase). */
interface Loaded {
  /** undefined: the document did not exist; 'spent': this turn has written since (eTag unknown). */
  eTag: string | undefined | 'spent';
  props: Map<string, string>;
}

type Policy = 'fail' | 'rebase';

const MAX_REBASES = 5;

/** The part both subclasses share; BotState keeps the turn's copy under a private symbol, looked up only here. */
class Checked {
  /** Per instance, so conversation and user state keep their own bookkeeping in one turn. */
  private readonly loadedKey = Symbol('checkedState.loaded');

  constructor(
    private readonly owner: BotState,
    private readonly storage: Storage,
    private readonly policy: Policy,
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
    context.turnState.set(this.loadedKey, { eTag: eTagOf(state), props: this.loadedProps(state) } satisfies Loaded);
    return state;
  }

  /** Only a rebase needs the loaded properties; conversation state skips the serialising. */
  private loadedProps(state: StoreItem): Map<string, string> {
    return this.policy === 'rebase' ? snapshot(state) : new Map();
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
    let eTag = loaded && loaded.eTag !== 'spent' ? loaded.eTag : await this.currentETag(key);
    let next: Record<string, unknown> = doc;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.writeOnce(key, next, eTag);
        break;
      } catch (error) {
        if (!(error instanceof StateConflictError) || this.policy === 'fail' || attempt >= MAX_REBASES) throw error;
        const stored = (await this.storage.read([key]))[key];
        next = rebase(stored, next, loaded?.props ?? new Map());
        eTag = eTagOf(stored);
      }
    }
    // In place: property accessors read through this object.
    for (const name of Object.keys(cached.state)) delete cached.state[name];
    Object.assign(cached.state, next);
    cached.hash = changeHash(cached.state);
    context.turnState.set(this.cacheKey, cached);
    context.turnState.set(this.loadedKey, { eTag: 'spent', props: this.loadedProps(cached.state) } satisfies Loaded);
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

function snapshot(state: StoreItem): Map<string, string> {
  const props = new Map<string, string>();
  for (const [name, value] of Object.entries(state)) if (name !== 'eTag') props.set(name, JSON.stringify(value));
  return props;
}

function eTagOf(item: StoreItem | undefined): string | undefined {
  return typeof item?.eTag === 'string' && item.eTag !== '*' ? item.eTag : undefined;
}

/** The stored document with the properties this turn changed laid over it. */
function rebase(stored: StoreItem | undefined, mine: Record<string, unknown>, loaded: Map<string, string>): Record<string, unknown> {
  const { eTag: _eTag, ...merged } = stored ?? {};
  for (const [name, value] of Object.entries(mine)) {
    if (loaded.get(name) !== JSON.stringify(value)) merged[name] = value;
  }
  return merged;
}

export interface CheckedBotState {
  /** Drops this turn's cached copy so a re-run turn reads the winner's state. */
  forget(context: TurnContext): void;
}

/**
 * Adds the checks to ConversationState or UserState (one body for both; they differ only in the
 * storage key, which the base class computes, and in what a conflict does).
 */
// A mixin's base constructor must take `any[]` (TS2545); only `storage` is ever passed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StateClass = new (...args: any[]) => BotState & { getStorageKey(context: TurnContext): string | undefined };

function withChecks<Base extends StateClass>(base: Base, policy: Policy) {
  return class extends base implements CheckedBotState {
    readonly checked: Checked;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      const storage = args[0] as Storage;
      super(storage);
      this.checked = new Checked(this, storage, policy);
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
  };
}

/** A conflict fails the save: the turn runner re-runs the turn on the winner's state. */
export const CheckedConversationState = withChecks(ConversationState, 'fail');
export type CheckedConversationState = InstanceType<typeof CheckedConversationState>;
/** A conflict is rebased: this turn's changed properties over the stored document. */
export const CheckedUserState = withChecks(UserState, 'rebase');
export type CheckedUserState = InstanceType<typeof CheckedUserState>;

function missingKey(context: TurnContext): never {
  throw new Error(`Cannot key state for an activity on "${context.activity.channelId}": it has no conversation or user id`);
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
