/**
 * Who may approve a helpdesk ticket. The bot's Graph permissions are app-only and carry no role
 * check of their own, so this policy is the only thing standing between a card click and a change
 * to someone's sign-in methods. Every check fails closed: anything missing is a refusal.
 */
import type { ApproverCheck, TargetProfile } from './directory';
import type { Ticket } from './tickets';

export interface ApprovalAttempt {
  channelId: string;
  /** The conversation the click came from; in a channel thread Teams appends `;messageid=…`. */
  conversationId: string;
  tenantId?: string;
  /** Entra object id of the person who clicked (`from.aadObjectId`). */
  approverObjectId?: string;
  /** True when the Bot Framework request carried a valid channel token. */
  authenticated: boolean;
}

export interface ApprovalSettings {
  /** The helpdesk channel's conversation id; unset means no channel may approve anything. */
  helpdeskConversationId?: string;
  tenantId?: string;
  /** Local development against the sandbox tenant, where requests carry no channel token. */
  localMode: boolean;
}

export type Refusal =
  | 'not-teams'
  | 'not-helpdesk-channel'
  | 'unauthenticated'
  | 'wrong-tenant'
  | 'no-identity'
  | 'bad-identity'
  | 'own-request'
  | 'own-account'
  | 'not-an-approver'
  | 'admin-target-needs-privileged-role';

/** Checks that need no directory lookup; run first, so a forged click costs no Graph call. */
export function refuseBeforeLookup(attempt: ApprovalAttempt, ticket: Ticket, settings: ApprovalSettings): Refusal | undefined {
  if (attempt.channelId !== 'msteams') return 'not-teams';
  const helpdesk = settings.helpdeskConversationId?.trim();
  if (!helpdesk || channelConversation(attempt.conversationId) !== channelConversation(helpdesk)) return 'not-helpdesk-channel';
  // Without a channel token every id in the activity is a claim anyone could type.
  if (!attempt.authenticated && !settings.localMode) return 'unauthenticated';
  if (settings.tenantId?.trim() && !sameId(attempt.tenantId, settings.tenantId)) return 'wrong-tenant';
  // The activity's JSON, so not necessarily a string whatever its type says.
  const claimed: unknown = attempt.approverObjectId;
  const approver = typeof claimed === 'string' ? claimed.trim() : claimed;
  if (approver === undefined || approver === null || approver === '') return 'no-identity';
  // Entra object ids are GUIDs; anything else (an address, say) is no id at all: Graph would
  // resolve a sign-in address to a user, and no ticket id could be compared with it.
  if (!isObjectId(approver)) return 'bad-identity';
  // Four eyes: the person asking for the change, or the account being changed, never approves it.
  if (sameId(approver, ticket.requester.objectId)) return 'own-request';
  if (sameId(approver, ticket.target.objectId)) return 'own-account';
  return undefined;
}

/**
 * Checks on the approver's role against the target; run after the directory lookups.
 * `approverObjectId`, when given, is compared with the resolved target, which catches a request
 * typed with a sign-in address for the approver's own account (the ticket then has no object id).
 */
export function refuseAfterLookup(check: ApproverCheck, target: TargetProfile, approverObjectId?: string): Refusal | undefined {
  if (approverObjectId !== undefined && sameId(approverObjectId, target.user.id)) return 'own-account';
  if (check.role === undefined) return 'not-an-approver';
  // An Authentication Administrator or helpdesk member may not act on an admin; the directory's own
  // verdict (enoughForTarget) is honoured too, so a target it judged privileged is never let through.
  if (target.isAdmin && check.role !== 'privilegedAuthenticationAdministrator') return 'admin-target-needs-privileged-role';
  if (!check.enoughForTarget) {
    return check.role === 'privilegedAuthenticationAdministrator' ? 'not-an-approver' : 'admin-target-needs-privileged-role';
  }
  return undefined;
}

/** The channel's conversation id without the thread's `;messageid=…` suffix. */
export function channelConversation(conversationId: string): string {
  return conversationId.trim().replace(/;messageid=.*$/is, '');
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for an Entra object id: a GUID, nothing around it. */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/** Object and tenant ids are GUIDs, which Entra treats case-insensitively. */
function sameId(a: string | undefined, b: string | undefined): boolean {
  const x = a?.trim().toLowerCase();
  const y = b?.trim().toLowerCase();
  return Boolean(x) && x === y;
}
