import type { TurnContext } from 'botbuilder';

interface ClaimsLike {
  isAuthenticated?: boolean;
  authenticationType?: string | boolean;
}

/**
 * True only when this turn's request carried a valid Bot Framework token. With authentication
 * disabled (local mode) botbuilder still sets a claims identity, of type "anonymous", whose
 * `isAuthenticated` is true, so that flag alone would let any local caller pass as Teams.
 */
export function isChannelAuthenticated(context: TurnContext): boolean {
  const identity = context.turnState.get(context.adapter.BotIdentityKey) as ClaimsLike | undefined;
  return identity?.isAuthenticated === true && identity.authenticationType !== 'anonymous';
}
