import type { CardAttachment } from '../../cards/render';
import type { ReplyAddress } from '../../src/core/ports';
import type { ChannelAddress, DirectMessage, DirectOutcome, PersonAddress, PostAddress, SendOutcome, TeamsPort, UserMessage } from '../../src/helpdesk/port';

/** One thing the helpdesk said in Teams, in order. */
export type TeamsSend =
  | { kind: 'card'; channel: ChannelAddress; card: CardAttachment; outcome: SendOutcome }
  | { kind: 'text'; channel: ChannelAddress; text: string; outcome: SendOutcome }
  | { kind: 'update'; post: PostAddress; card: CardAttachment; outcome: SendOutcome }
  | { kind: 'message'; to: ReplyAddress; message: UserMessage; outcome: SendOutcome }
  | { kind: 'direct'; to: PersonAddress; message: DirectMessage; outcome: DirectOutcome };

/**
 * Teams as the helpdesk service sees it: keeps every post, update and message with the outcome it
 * reported. `failing` makes every send fail (the connector down) until it is set back to false.
 */
export class RecordingTeams implements TeamsPort {
  readonly sent: TeamsSend[] = [];
  failing = false;
  private next = 1;

  async postCard(channel: ChannelAddress, card: CardAttachment): Promise<SendOutcome> {
    const outcome = this.outcome();
    this.sent.push({ kind: 'card', channel, card, outcome });
    return outcome;
  }

  async postText(channel: ChannelAddress, text: string): Promise<SendOutcome> {
    const outcome = this.outcome();
    this.sent.push({ kind: 'text', channel, text, outcome });
    return outcome;
  }

  async updateCard(post: PostAddress, card: CardAttachment): Promise<SendOutcome> {
    const outcome = this.failing ? this.outcome() : ({ ok: true, activityId: post.activityId } as const);
    this.sent.push({ kind: 'update', post, card, outcome });
    return outcome;
  }

  async messageUser(to: ReplyAddress, message: UserMessage): Promise<SendOutcome> {
    const outcome = this.outcome();
    this.sent.push({ kind: 'message', to, message, outcome });
    return outcome;
  }

  async messageUserById(to: PersonAddress, message: DirectMessage): Promise<DirectOutcome> {
    const sent = this.outcome();
    const outcome: DirectOutcome = sent.ok ? { ...sent, conversationId: `a:1direct-${to.objectId}` } : sent;
    this.sent.push({ kind: 'direct', to, message, outcome });
    return outcome;
  }

  /** The 1:1 messages by object id that went through, to one person. */
  directTo(objectId: string): Extract<TeamsSend, { kind: 'direct' }>[] {
    return this.delivered('direct').filter((s) => s.to.objectId === objectId);
  }

  /** The sends of one kind that went through. */
  delivered<K extends TeamsSend['kind']>(kind: K): Extract<TeamsSend, { kind: K }>[] {
    return this.sent.filter((s): s is Extract<TeamsSend, { kind: K }> => s.kind === kind && s.outcome.ok);
  }

  private outcome(): SendOutcome {
    if (this.failing) return { ok: false, error: Object.assign(new Error('connector unreachable (simulated)'), { name: 'FakeTeamsError' }) };
    return { ok: true, activityId: `activity-${this.next++}` };
  }
}
