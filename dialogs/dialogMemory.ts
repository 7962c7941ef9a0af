import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogContext, type DialogSet, type DialogState, type DialogStateManagerConfiguration } from 'botbuilder-dialogs';
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
