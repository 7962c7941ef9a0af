import { TurnContext, type ConversationReference } from 'botbuilder';
import { isChannelAuthenticated } from '../src/channelAuth';
import { isObjectId } from '../src/core/approvalPolicy';
import type { IdentityAssurance, ReplyAddress } from '../src/core/ports';

/**
 * How far the bot can trust who is asking. Teams fills `from.aadObjectId` with the signed-in
 * Entra user, but only an authenticated request proves the activity came from Teams; in local
 * mode, or from any other channel, the ids are whatever the client sent.
 */
export function identityAssurance(context: TurnContext, tenantId?: string): IdentityAssurance {
  const activity = context.activity;
  if (teamsObjectId(context) === undefined) return 'unverified';
  const activityTenant = (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  const tenantMatches = !tenantId || activityTenant === tenantId;
  return isChannelAuthenticated(context) && tenantMatches ? 'teams-verified' : 'teams-unauthenticated';
}

/**
 * The Entra object id of the person, from Teams only; other channels let clients set `from`.
 * A value that is not a GUID (an address, say) is no Teams identity at all: treated as absent,
 * never as an id to compare with a request's or an approver's.
 */
export function teamsObjectId(context: TurnContext): string | undefined {
  const id: unknown = context.activity.channelId === 'msteams' ? context.activity.from?.aadObjectId : undefined;
  return isObjectId(id) ? id : undefined;
}

/** Plain data for reaching this person later, as the core's ports want it. */
export function replyAddress(context: TurnContext): ReplyAddress {
  const ref: Partial<ConversationReference> = TurnContext.getConversationReference(context.activity);
  return {
    channelId: ref.channelId ?? context.activity.channelId,
    serviceUrl: ref.serviceUrl ?? '',
    conversationId: ref.conversation?.id ?? '',
    userId: ref.user?.id ?? '',
    botId: ref.bot?.id,
    tenantId: ref.conversation?.tenantId,
  };
}
