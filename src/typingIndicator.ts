import { ActivityTypes, DeliveryModes, TurnContext, type Activity, type Middleware } from 'botbuilder';
import type { Log } from './core/ports';
import { conversationHash } from './logContext';

export interface TypingIndicatorOptions {
  /** Milliseconds a turn runs before the first indicator: quick turns show none. */
  delayMs: number;
  /** Milliseconds between indicators while the turn still runs. */
  periodMs: number;
  log: Log;
}

/** The connector calls the indicator makes; the turn's ConnectorClient has them. */
interface TypingConnector {
  conversations: {
    replyToActivity(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<unknown>;
    sendToConversation(conversationId: string, activity: Partial<Activity>): Promise<unknown>;
  };
}

/**
 * Shows the person the bot is typing while a slow turn runs (a Graph call that waits on
 * throttling, say): a turn's replies are held until its state is saved (src/turnRunner.ts), so
 * without it they would see silence.
 *
 * botbuilder's ShowTypingMiddleware sends through the TurnContext and hands a failed post to
 * onTurnError: a post that fails during the turn deletes the conversation's state, and one that
 * fails after the turn touches a revoked context and ends the process. This one captures the
 * turn's connector client and conversation reference up front, posts past the held replies
 * without the context, owns its errors (logged once, never rethrown), and stops before the turn
 * completes. It is only for messages answered through `serviceUrl`: an expectReplies turn is
 * answered in its HTTP response, where an indicator means nothing, and invokes are answered at once.
 */
export class TypingIndicator implements Middleware {
  constructor(private readonly options: TypingIndicatorOptions) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const activity = context.activity;
    const connector = context.turnState.get(context.adapter.ConnectorClientKey) as TypingConnector | undefined;
    const conversationId = activity.conversation?.id;
    if (activity.type !== ActivityTypes.Message || activity.deliveryMode === DeliveryModes.ExpectReplies || !connector || !conversationId) {
      return next();
    }
    const typing = TurnContext.applyConversationReference(
      { type: ActivityTypes.Typing, relatesTo: activity.relatesTo },
      TurnContext.getConversationReference(activity),
    );
    const { log, delayMs, periodMs } = this.options;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;

    const post = (): void => {
      timer = undefined;
      if (stopped) return;
      const sent = typing.replyToId
        ? connector.conversations.replyToActivity(conversationId, typing.replyToId, { ...typing })
        : connector.conversations.sendToConversation(conversationId, { ...typing });
      // The next indicator waits for this one, so a slow channel never has several in flight.
      sent.then(
        () => {
          if (!stopped) timer = setTimeout(post, periodMs);
        },
        (error: unknown) => {
          // An indicator is a courtesy: the turn goes on, and this turn sends no more of them.
          stopped = true;
          const e = error as { name?: string; statusCode?: number; code?: string };
          log.warn({ conversation: conversationHash(conversationId), err: { name: e?.name, status: e?.statusCode, code: e?.code } }, 'typing indicator failed');
        },
      );
    };

    timer = setTimeout(post, delayMs);
    try {
      await next();
    } finally {
      stopped = true;
      if (timer) clearTimeout(timer);
    }
  }
}
