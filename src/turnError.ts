import { ActivityEventNames, ActivityTypes, type ConversationState, type TurnContext } from 'botbuilder';
import type { Voice } from '../dialogs/voice';
import type { Log } from './core/ports';
import { StateConflictError } from './infra/checkedState';
import { conversationHash } from './logContext';
import { CORRELATION_ID } from './server';

/**
 * The one place a failed turn ends: logged with its correlation id (never the message text),
 * a trace for the Emulator, a plain apology to the person, and the broken dialog state cleared
 * so the next message starts cleanly instead of failing the same way.
 *
 * A proactive turn (the helpdesk posting a card or telling a requester, via
 * continueConversationAsync) is not the person's turn: nobody is waiting for an apology, and the
 * conversation's state belongs to whatever the person is doing there now. Its failure is logged
 * and nothing else; the sender reports it to its caller (src/helpdesk/proactiveSender.ts).
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
    if (isProactive(context)) {
      log.error(
        { conversation: conversationHash(context.activity.conversation?.id), channelId: context.activity.channelId, err: { type: error.name, message: error.message } },
        'proactive turn failed',
      );
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

/** The activities botbuilder makes up for a proactive turn: continueConversationAsync and createConversationAsync. */
export function isProactive(context: TurnContext): boolean {
  const { type, name } = context.activity;
  return type === ActivityTypes.Event && (name === ActivityEventNames.ContinueConversation || name === ActivityEventNames.CreateConversation);
}
