import type { TurnContext } from 'botbuilder';
import type { DialogContext, DialogSet, DialogStateManagerConfiguration } from 'botbuilder-dialogs';

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

  constructor(private readonly dialogs: DialogSet) {}

  async create(context: TurnContext): Promise<DialogContext> {
    if (this.configuration) context.turnState.set(CONFIGURATION_KEY, this.configuration);
    const dc = await this.dialogs.createContext(context);
    this.configuration ??= dc.state.configuration;
    return dc;
  }
}
