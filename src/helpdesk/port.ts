/**
 * The seam between the helpdesk's decisions (service.ts) and Teams (teams.ts): plain data both
 * ways, so the service runs, and is tested, with no botbuilder at all. Teams is one
 * implementation of the port; a test's recording fake is another.
 */
import type { CardAttachment } from '../../cards/render';
import type { ReplyAddress } from '../core/ports';

/** The helpdesk channel (a Teams channel conversation). */
export interface ChannelAddress {
  conversationId: string;
  serviceUrl: string;
}

/** One card already in the channel, to be replaced in place. */
export interface PostAddress extends ChannelAddress {
  activityId: string;
}

/** A message for one person's own conversation. */
export interface UserMessage {
  text: string;
  /** The text is markdown (Teams and Web Chat render it). */
  markdown?: boolean;
  /** The person's language, so the channel can render dates and lists for them. */
  locale?: string;
}

/** `activityId`: what the channel called the activity, when it said (Teams always does). */
export type SendOutcome = { ok: true; activityId?: string } | { ok: false; error: Error };

/**
 * A person the bot may never have talked to, by Entra object id: Teams creates (or reopens) the
 * bot's 1:1 conversation with them. `serviceUrl`: the helpdesk channel's (Teams has one per region).
 */
export interface PersonAddress {
  objectId: string;
  tenantId?: string;
  serviceUrl: string;
}

/** A 1:1 message by object id: a line of text, a card, or both. */
export interface DirectMessage {
  text?: string;
  card?: CardAttachment;
}

/** The outcome, with the 1:1 conversation the connector created, when it got that far. */
export type DirectOutcome = SendOutcome & { conversationId?: string };

/**
 * Everything the helpdesk says in Teams. Each method reports its real outcome and never throws
 * for a send that failed. A 1:1 message to someone the bot has never talked to (by Entra object
 * id and tenant: a conversation created through the connector) is a further method of this port,
 * returning the created conversation with the outcome (`messageUserById`); `messageUser` stays
 * the reply into a conversation that already exists.
 */
export interface TeamsPort {
  /** Posts a card to the channel; ok with the activity id the channel gave it. */
  postCard(channel: ChannelAddress, card: CardAttachment): Promise<SendOutcome>;
  /** Posts a line of text to the channel (the flood caps' summary). */
  postText(channel: ChannelAddress, text: string): Promise<SendOutcome>;
  /** Replaces a posted card in place, for everyone in the channel. */
  updateCard(post: PostAddress, card: CardAttachment): Promise<SendOutcome>;
  /** Sends a message into a person's own conversation with the bot (Teams or web chat). */
  messageUser(to: ReplyAddress, message: UserMessage): Promise<SendOutcome>;
  /** Creates the bot's 1:1 conversation with a person by object id and sends into it (the manager, the owner). */
  messageUserById(to: PersonAddress, message: DirectMessage): Promise<DirectOutcome>;
}

export class ProactiveSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProactiveSendError';
  }
}

/** Who clicked a card button, as the channel vouched for it. */
export interface Clicker {
  /** Entra object id (Teams sends it for signed-in users); absent or forged otherwise. */
  objectId?: string;
  name?: string;
  tenantId?: string;
  /** The conversation the click came from, and on which channel (msteams, webchat…). */
  channelId: string;
  conversationId: string;
  /** The request carried a valid Bot Framework token (the channel vouches for `from`). */
  authenticated: boolean;
}

/** A Universal Actions click (Action.Execute) as plain data. */
export interface CardClick {
  verb: string;
  data: Record<string, unknown>;
  by: Clicker;
}

/**
 * The answer to a click, shown to the person who clicked only: a card (their own view), a line
 * of text, or an error with its HTTP status.
 */
export type ClickAnswer =
  | { kind: 'card'; card: CardAttachment }
  | { kind: 'message'; text: string }
  | { kind: 'error'; status: 400 | 403 | 404; text: string };
