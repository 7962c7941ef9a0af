import { TurnContext, type ConversationReference } from 'botbuilder';
import { isChannelAuthenticated } from '../src/channelAuth';
import type { IdentityAssurance, ReplyAddress } from '../src/core/ports';

/**
 * How far the bot can trust who is asking. Teams fills `from.aadObjectId` with the signed-in
 * Entra user, but only an authenticated request proves the activity came from Teams; in local
 * mode, or from any other channel, the ids are whatever the client sent.
 */
export function identityAssurance(context: TurnContext, tenantId?: string): IdentityAssurance {
  const activity = context.activity;
  if (activity.channelId !== 'msteams' || !activity.from?.aadObjectId) return 'unverified';
  const activityTenant = (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  const tenantMatches = !tenantId || activityTenant === tenantId;
  return isChannelAuthenticated(context) && tenantMatches ? 'teams-verified' : 'teams-unauthenticated';
}

/** The Entra object id of the person, from Teams only; other channels let clients set `from`. */
export function teamsObjectId(context: TurnContext): string | undefined {
  return context.activity.channelId === 'msteams' ? context.activity.from?.aadObjectId : undefined;
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
