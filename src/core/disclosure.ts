import type { IdentityAssurance } from './ports';

/**
 * Whether the bot may look up and show a person their own sign-in methods. Only someone Teams has
 * vouched for (an authenticated request from the configured tenant) is known to be the account
 * owner; an anonymous visitor must never learn whether an account exists or what it has. In
 * local mode against the sandbox tenant no real account can be exposed, so the unauthenticated
 * Teams claims are good enough to demonstrate the flow there, and nowhere else.
 */
export function mayShowOwnMethods(assurance: IdentityAssurance, directory: 'sandbox' | 'live'): boolean {
  if (assurance === 'teams-verified') return true;
  return assurance === 'teams-unauthenticated' && directory === 'sandbox';
}
