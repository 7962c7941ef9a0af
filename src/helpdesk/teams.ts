/**
 * The helpdesk's Teams side: reads an `adaptiveCard/action` invoke into a plain click for the
 * service and turns its answer into the invoke response Teams expects; implements the TeamsPort
 * with proactive sends (ProactiveSender) to conversation references; passes the team
 * installation on, so the service can take the helpdesk channel from it.
 */
import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, ConversationParameters, ConversationReference, TurnContext } from 'botbuilder';
import { ADAPTIVE_CARD, type CardAttachment } from '../../cards/render';
import { isChannelAuthenticated } from '../channelAuth';
import type { ReplyAddress } from '../core/ports';
import type { CardClick, ChannelAddress, ClickAnswer, DirectMessage, DirectOutcome, PersonAddress, PostAddress, SendOutcome, TeamsPort, UserMessage } from './port';
import type { ProactiveSender } from './proactiveSender';

/** What the Teams side asks of the helpdesk: the service, seen from here. */
export interface HelpdeskDecisions {
  onCardAction(click: CardClick): Promise<ClickAnswer>;
  /** A click on a 1:1 card (the manager's answer, the owner's "This wasn't me"), not the helpdesk channel's. */
  onPersonalAction(click: CardClick): Promise<ClickAnswer>;
  installedInTeam(teamId: string | undefined, serviceUrl: string): Promise<boolean>;
}

/** The TeamsPort over the Bot Framework: every send a proactive turn that reports its outcome. */
export class TeamsConnector implements TeamsPort {
  constructor(
    private readonly sender: ProactiveSender,
    private readonly botAppId: string,
  ) {}

  postCard(channel: ChannelAddress, card: CardAttachment): Promise<SendOutcome> {
    return this.sender.send(this.channelReference(channel), { type: 'message', attachments: [card] });
  }

  postText(channel: ChannelAddress, text: string): Promise<SendOutcome> {
    return this.sender.send(this.channelReference(channel), { type: 'message', text });
  }

  updateCard(post: PostAddress, card: CardAttachment): Promise<SendOutcome> {
    return this.sender.update(this.channelReference(post), { id: post.activityId, type: 'message', attachments: [card] });
  }

  messageUser(to: ReplyAddress, message: UserMessage): Promise<SendOutcome> {
    return this.sender.send(this.userReference(to), {
      type: 'message',
      text: message.text,
      ...(message.markdown ? { textFormat: 'markdown' } : {}),
      ...(message.locale ? { locale: message.locale } : {}),
    });
  }

  messageUserById(to: PersonAddress, message: DirectMessage): Promise<DirectOutcome> {
    // Teams takes the Entra object id as the member of a personal (1:1) conversation, with the
    // tenant both top-level and in channelData; it answers with the conversation's id.
    const parameters: ConversationParameters = {
      isGroup: false,
      bot: { id: this.botAppId, name: '' },
      members: [{ id: to.objectId, name: '' }],
      channelData: to.tenantId ? { tenant: { id: to.tenantId } } : {},
      ...(to.tenantId ? { tenantId: to.tenantId } : {}),
    } as ConversationParameters;
    return this.sender.create(
      'msteams',
      to.serviceUrl,
      parameters,
      { type: 'message', ...(message.text ? { text: message.text } : {}), ...(message.card ? { attachments: [message.card] } : {}) },
    );
  }

  private channelReference(channel: ChannelAddress): Partial<ConversationReference> {
    return {
      channelId: 'msteams',
      serviceUrl: channel.serviceUrl,
      conversation: { id: channel.conversationId, isGroup: true, conversationType: 'channel', name: '' },
      bot: { id: this.botAppId, name: '' },
    };
  }

  private userReference(to: ReplyAddress): Partial<ConversationReference> {
    return {
      channelId: to.channelId,
      serviceUrl: to.serviceUrl,
      conversation: { id: to.conversationId, isGroup: false, conversationType: 'personal', name: '', tenantId: to.tenantId },
      user: { id: to.userId, name: '' },
      bot: { id: to.botId ?? this.botAppId, name: '' },
    };
  }
}

/** Verbs of the 1:1 cards (cards/managerConfirmation.json, cards/wasThisYou.json). */
export const PERSONAL_VERBS: ReadonlySet<string> = new Set(['managerYes', 'managerNo', 'notMe']);

/** The helpdesk card's clicks and the team installation, from Teams activities to the service. */
export class HelpdeskTeamsHandler {
  constructor(private readonly helpdesk: HelpdeskDecisions) {}

  async onCardAction(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const click = readClick(context, invoke);
    // The manager's and the owner's cards live in their own 1:1 chats, not the helpdesk channel.
    if (PERSONAL_VERBS.has(click.verb)) return invokeResponse(await this.helpdesk.onPersonalAction(click));
    return invokeResponse(await this.helpdesk.onCardAction(click));
  }

  /** Installation and membership events: only Teams says which team the bot joined. */
  async captureChannel(context: TurnContext): Promise<boolean> {
    if (context.activity.channelId !== 'msteams') return false;
    const team = (context.activity.channelData as { team?: { id?: string } } | undefined)?.team;
    return this.helpdesk.installedInTeam(team?.id, context.activity.serviceUrl);
  }
}

/** The click as plain data: who (as the channel vouched for it), which verb, what data. */
export function readClick(context: TurnContext, invoke: AdaptiveCardInvokeValue): CardClick {
  const activity = context.activity;
  const data = invoke.action?.data;
  return {
    verb: invoke.action?.verb ?? '',
    data: data && typeof data === 'object' ? (data as Record<string, unknown>) : {},
    by: {
      objectId: activity.from?.aadObjectId,
      name: activity.from?.name,
      tenantId: (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? activity.conversation?.tenantId,
      channelId: activity.channelId,
      conversationId: activity.conversation?.id ?? '',
      authenticated: isChannelAuthenticated(context),
    },
  };
}

/** Universal Actions answers: a card or a message for the clicking user, or an error. */
export function invokeResponse(answer: ClickAnswer): AdaptiveCardInvokeResponse {
  switch (answer.kind) {
    case 'card':
      return { statusCode: 200, type: ADAPTIVE_CARD, value: answer.card.content };
    case 'message':
      // Teams expects the text itself as the value of a message response; the SDK types it as an object.
      return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: answer.text as unknown as Record<string, unknown> };
    case 'error': {
      const code = answer.status === 403 ? 'Forbidden' : answer.status === 404 ? 'NotFound' : 'BadRequest';
      return { statusCode: answer.status, type: 'application/vnd.microsoft.error', value: { code, message: answer.text } };
    }
  }
}
