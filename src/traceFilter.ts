import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';

/**
 * botbuilder-dialogs' runDialog sends a "BotState" trace with a snapshot of the dialog memory on
 * every turn. The connector drops traces outside the Emulator, but with deliveryMode
 * expectReplies they would be returned in the HTTP response, handing dialog values (phone
 * numbers included) to whoever holds the conversation id. Only the Emulator gets traces.
 */
export const traceFilter: Middleware = {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (context.activity.channelId !== 'emulator') {
      context.onSendActivities(async (_ctx, activities, sendNext) => {
        for (let i = activities.length - 1; i >= 0; i -= 1) {
          if (activities[i]!.type === ActivityTypes.Trace) activities.splice(i, 1);
        }
        // Nothing left to send: CloudAdapter refuses an empty batch (and would fail the turn).
        if (activities.length === 0) return [];
        return sendNext();
      });
    }
    await next();
  },
};
