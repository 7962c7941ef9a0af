/**
 * Proactive sends that report what really happened. botbuilder's continueConversationAsync runs
 * the logic as a turn, and a turn's error goes to the adapter's onTurnError, which does not
 * rethrow: a send that failed (the helpdesk connector unreachable) resolves as if it had worked.
 * This wrapper catches the error inside the logic, where it is still the caller's, and returns it;
 * a turn that ended without the logic finishing (middleware failed first) is a failure too.
 */
import type { Activity, ConversationParameters, ConversationReference, TurnContext } from 'botbuilder';
import { ProactiveSendError, type DirectOutcome, type SendOutcome } from './port';

/** What the helpdesk needs from the Bot Framework adapter: proactive turns, and new 1:1 conversations. */
export interface ProactiveAdapter {
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  /** CloudAdapter's: POST /v3/conversations, then a turn on the created conversation. */
  createConversationAsync(
    botAppId: string,
    channelId: string,
    serviceUrl: string,
    /** Undefined: the channel's default (the Bot Framework's). An empty string would be taken as the audience. */
    audience: string | undefined,
    parameters: ConversationParameters,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void>;
}

export { ProactiveSendError, type SendOutcome };

export class ProactiveSender {
  constructor(
    private readonly adapter: ProactiveAdapter,
    private readonly botAppId: string,
  ) {}

  /** Posts a new activity; ok when the channel accepted it. */
  send(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<SendOutcome> {
    return this.run(reference, async (context) => (await context.sendActivity(activity))?.id);
  }

  /** Replaces an activity in place; ok when the channel accepted the update. */
  update(reference: Partial<ConversationReference>, activity: Partial<Activity> & { id: string }): Promise<SendOutcome> {
    return this.run(reference, async (context) => {
      await context.updateActivity(activity);
      return activity.id;
    });
  }

  /**
   * Creates a conversation (Teams: a 1:1 with one member by object id) and posts into it; ok with
   * the created conversation's id. A failed creation (the person unknown to Teams, the bot not
   * installed for them, the connector down) is a failure like any send.
   */
  async create(channelId: string, serviceUrl: string, parameters: ConversationParameters, activity: Partial<Activity>): Promise<DirectOutcome> {
    let conversationId: string | undefined;
    const outcome = await this.run(
      undefined,
      async (context) => {
        conversationId = context.activity.conversation?.id;
        return (await context.sendActivity(activity))?.id;
      },
      (logic) => this.adapter.createConversationAsync(this.botAppId, channelId, serviceUrl, undefined, parameters, logic),
    );
    return conversationId ? { ...outcome, conversationId } : outcome;
  }

  private async run(
    reference: Partial<ConversationReference> | undefined,
    logic: (context: TurnContext) => Promise<string | undefined>,
    turn: (logic: (context: TurnContext) => Promise<void>) => Promise<void> = (l) => this.adapter.continueConversationAsync(this.botAppId, reference!, l),
  ): Promise<SendOutcome> {
    let outcome: SendOutcome | undefined;
    // Set inside the logic only: an outcome still unset afterwards means the logic never finished.
    try {
      await turn(async (context) => {
        try {
          const id = await logic(context);
          outcome = id ? { ok: true, activityId: id } : { ok: true };
        } catch (error) {
          outcome = { ok: false, error: asError(error) };
        }
      });
    } catch (error) {
      // Before the logic ran: no connector for the service URL, a credential that failed.
      return { ok: false, error: asError(error) };
    }
    return outcome ?? { ok: false, error: new ProactiveSendError('the proactive turn ended before the send ran') };
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
