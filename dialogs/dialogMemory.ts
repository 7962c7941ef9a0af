import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogContext, DialogStateManager, type DialogSet, type DialogState, type DialogStateManagerConfiguration } from 'botbuilder-dialogs';
import * as registrationModule from 'botbuilder-dialogs/lib/dialogsComponentRegistration';

/**
 * The turn-state key under which botbuilder-dialogs keeps a turn's memory-scope configuration
 * (lib/memory/dialogStateManager.js). test/conversation/dialogMemory.test.ts fails if it changes.
 */
const CONFIGURATION_KEY = 'DialogStateManagerConfiguration';

/**
 * Dialog contexts for the bot's turns, sharing one memory-scope configuration. botbuilder-dialogs
 * builds it again for the first dialog context of every turn (a service collection of nine memory
 * scopes and five path resolvers, and a zod parse of the settings): about 2 % of a turn's CPU in
 * the benchmark. The scopes keep nothing of their own (a turn's values live in its turn state),
 * so the first turn's configuration serves every later one.
 */
export class DialogContexts {
  private configuration?: DialogStateManagerConfiguration;

  /** `dialogs` over the stack in `state`: a set of the bot's own (DialogSet.createContext's work) or a component's. */
  constructor(
    private readonly dialogs: DialogSet,
    private readonly state: StatePropertyAccessor<DialogState>,
  ) {
    shareDialogsRegistration();
    rememberParsedPaths();
  }

  async create(context: TurnContext): Promise<DialogContext> {
    if (this.configuration) context.turnState.set(CONFIGURATION_KEY, this.configuration);
    const dc = new DialogContext(this.dialogs, context, await this.state.get(context, { dialogStack: [] }));
    this.configuration ??= dc.state.configuration;
    return dc;
  }
}

type Registration = registrationModule.DialogsComponentRegistration;

/**
 * Every DialogContext (each component level, each waterfall step) builds a DialogStateManager,
 * whose constructor registers `new DialogsComponentRegistration()`: a service collection of the
 * memory scopes and path resolvers, built and thrown away, even when the configuration it would
 * feed is already in turn state. A support turn builds five to seven of them: 2 % of its CPU and
 * their garbage. The registration holds no per-turn state (it is a factory for scopes), and the
 * library keeps one per class anyway (ComponentRegistration.add replaces the previous), so the
 * constructor is made to hand back the first instance. Idempotent.
 */
export function shareDialogsRegistration(): void {
  const Original = registrationModule.DialogsComponentRegistration as typeof registrationModule.DialogsComponentRegistration & { shared?: true };
  if (Original.shared) return;
  let instance: Registration | undefined;
  // A constructor that returns an object makes `new` evaluate to that object.
  const Shared = function DialogsComponentRegistration(): Registration {
    instance ??= new Original();
    return instance;
  } as unknown as typeof Original & { shared?: true };
  Shared.prototype = Original.prototype;
  Shared.shared = true;
  // The library reads the export at each construction (`new module_1.DialogsComponentRegistration()`).
  (registrationModule as { DialogsComponentRegistration: typeof Original }).DialogsComponentRegistration = Shared;
}

/** Paths kept per map: this bot's code names a few dozen; the bound only guards against a path made of input. */
const MAX_PATHS = 512;
const REMEMBERS = Symbol('rememberParsedPaths');

/**
 * Every read or write of dialog memory (a waterfall's step index and values, `turn.activity`,
 * `turn.lastResult`, `turn.stepCount`) runs the path through the path resolvers and then a
 * character-by-character parser: 15 transforms and 22 parses in a guided step's turn, about
 * 1.5 % of its CPU, always for the same few strings. Both results are kept: a transform per
 * resolver list (the configuration DialogContexts shares), a parse for paths without brackets (a
 * bracket may hold a path whose current value is part of the result, so those are parsed every
 * time). Each caller gets its own copy of the segments (deleteValue pops its copy). Idempotent.
 */
export function rememberParsedPaths(): void {
  const proto = DialogStateManager.prototype as DialogStateManager & { [REMEMBERS]?: true };
  if (proto[REMEMBERS]) return;
  proto[REMEMBERS] = true;
  const parse = proto.parsePath;
  const transform = proto.transformPath;
  const parsed = new Map<string, (string | number)[]>();
  const transformed = new WeakMap<object, Map<string, string>>();
  proto.parsePath = function parsePath(this: DialogStateManager, path: string, allowNestedPaths = true) {
    if (path.includes('[')) return parse.call(this, path, allowNestedPaths);
    const key = allowNestedPaths ? path : `\u0000${path}`;
    let segments = parsed.get(key);
    if (!segments) {
      segments = parse.call(this, path, allowNestedPaths);
      if (parsed.size < MAX_PATHS) parsed.set(key, segments);
    }
    return segments.slice();
  };
  proto.transformPath = function transformPath(this: DialogStateManager, path: string) {
    const resolvers = this.configuration.pathResolvers;
    let byPath = transformed.get(resolvers);
    if (!byPath) transformed.set(resolvers, (byPath = new Map()));
    let result = byPath.get(path);
    if (result === undefined) {
      result = transform.call(this, path);
      if (byPath.size < MAX_PATHS) byPath.set(path, result);
    }
    return result;
  };
}
