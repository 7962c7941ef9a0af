import { ActivityTypes, type ConversationState, type TurnContext } from 'botbuilder';
import type { Voice } from '../dialogs/voice';
import type { Log } from './core/ports';
import { StateConflictError } from './infra/checkedState';
import { conversationHash } from './logContext';
import { CORRELATION_ID } from './server';

/**
 * The one place a failed turn ends: logged with its correlation id (never the message text),
 * a trace for the Emulator, a plain apology to the person, and the broken dialog state cleared
 * so the next message starts cleanly instead of failing the same way.
 */
export function createTurnErrorHandler(conversationState: ConversationState, voice: Voice, log: Log) {
  return async (context: TurnContext, error: Error): Promise<void> => {
    const correlationId = context.turnState.get(CORRELATION_ID) as string | undefined;
    if (error instanceof StateConflictError) {
      // Other turns of this conversation kept saving first. Their state is good: keep it, and ask
      // the person to repeat rather than apologising for a failure and starting over.
      log.warn({ correlationId, conversation: conversationHash(context.activity.conversation?.id) }, 'turn gave way to concurrent turns of its conversation');
      if (context.activity.type === ActivityTypes.Message) await context.sendActivity(voice.t(context, 'errors.busy')).catch(() => undefined);
      return;
    }
    log.error(
      {
        correlationId,
        conversation: conversationHash(context.activity.conversation?.id),
        channelId: context.activity.channelId,
        activityType: context.activity.type,
        err: { type: error.name, message: error.message, stack: error.stack },
      },
      'turn failed',
    );
    try {
      await context.sendActivity({ type: ActivityTypes.Trace, name: 'OnTurnError', label: 'TurnError', value: correlationId ?? 'unknown' });
      if (context.activity.type === ActivityTypes.Message) await context.sendActivity(voice.t(context, 'errors.turn'));
      await conversationState.delete(context);
    } catch (secondary) {
      log.error({ correlationId, err: { type: (secondary as Error).name, message: (secondary as Error).message } }, 'turn error handler failed');
    }
  };
}
