/**
 * How sure the bot is that a helpdesk request comes from the account's owner, and what that
 * allows. This is the defence against the impersonated-helpdesk attack (CISA AA23-320A): an
 * anonymous visitor who knows an address must not get a pass or their own phone registered on the
 * strength of a chat alone. Pure and channel-agnostic: the evidence is plain data on the ticket,
 * gathered by the Teams side (the manager's card, "This wasn't me") and judged only here.
 *
 * The role checks of approvalPolicy.ts (channel, tenant, four eyes, roles) still run first; this
 * module adds the evidence rules on top and repeats the checks it depends on, so a caller that
 * forgets the first layer still fails closed.
 */
import type { ApproverRole } from './directory';
import type { IdentityAssurance } from './ports';
import type { AdminAction, Ticket } from './tickets';

/**
 * - `disputed`: the target's manager said "No, or I don't know", or the owner said "This wasn't me".
 * - `manager-confirmed`: the target's manager said "Yes, I've spoken to them".
 * - `teams-verified`: Teams vouches for the requester (authenticated, our tenant), who asks about
 *   their own account.
 * - `unverified`: anything else, such as an anonymous web chat.
 */
export type AssuranceLevel = 'teams-verified' | 'manager-confirmed' | 'unverified' | 'disputed';

/** The two buttons of the manager's card. */
export type ManagerAnswer = 'yes' | 'no';

/** Why no manager could be asked: none in the directory, Teams could not reach them, or the manager is the requester. */
export type ManagerUnavailable = 'no-manager' | 'unreachable' | 'is-requester';

/** What is known about the manager's confirmation; absent until the bot has tried to ask. */
export type ManagerEvidence =
  /** The card went to this manager (object id from the directory, never from the requester). */
  | { status: 'asked'; managerObjectId: string; at: string }
  | { status: 'answered'; managerObjectId: string; answer: ManagerAnswer; byObjectId: string; at: string }
  | { status: 'unavailable'; reason: ManagerUnavailable; at: string };

/** An approver's written decision to act without the evidence the policy asks for. Audited and shown on the card. */
export interface Override {
  byObjectId: string;
  byName?: string;
  reason: string;
  at: string;
  /**
   * Whether the request was disputed when this override was given. An override given before the
   * manager said "No" was given without knowing it, so it does not count towards unblocking a dispute.
   */
  whileDisputed: boolean;
}

/** The owner's "This wasn't me" (Teams-authenticated, the target account itself). */
export interface OwnerDispute {
  byObjectId: string;
  at: string;
}

/** Everything the level is computed from; all plain data, as stored on the ticket. */
export interface Evidence {
  requester: { assurance: IdentityAssurance; objectId?: string; tenantId?: string };
  target: { objectId?: string };
  /**
   * The organisation's tenant (MicrosoftAppTenantId). Unset: no Teams sign-in counts as evidence,
   * because a multi-tenant bot is reachable from every tenant and a foreign user's id proves nothing here.
   */
  tenantId?: string;
  manager?: ManagerEvidence;
  dispute?: OwnerDispute;
  overrides?: readonly Override[];
  /**
   * The reference of the request this one duplicates, while that one is still open. Two open
   * requests for one account could each be approved once, and the duplicate may be an impersonator
   * racing the owner: the original is decided first, and the duplicate can only be denied until then.
   */
  openOriginal?: string;
}

/**
 * The evidence recorded on a ticket, for the tenant the bot serves; `openOriginal` is the
 * request it duplicates when the caller found that one still open.
 */
export function evidenceOf(ticket: Ticket, tenantId: string | undefined, openOriginal?: string): Evidence {
  const evidence: Evidence = {
    requester: { assurance: ticket.requester.assurance, objectId: ticket.requester.objectId, tenantId: ticket.requester.replyTo.tenantId },
    target: { objectId: ticket.target.objectId },
    tenantId,
    overrides: ticket.overrides ?? [],
  };
  if (ticket.manager) evidence.manager = ticket.manager;
  if (ticket.dispute) evidence.dispute = ticket.dispute;
  if (openOriginal) evidence.openOriginal = openOriginal;
  return evidence;
}

/** True when the manager's answer is "No": a suspicious request, whatever else is known. */
export function managerSaidNo(evidence: Pick<Evidence, 'manager'>): boolean {
  return evidence.manager?.status === 'answered' && evidence.manager.answer === 'no';
}

/**
 * A "Yes" counts only from the manager the bot asked, and never from the requester or the target
 * themselves (then it is no second person's word). tickets.ts refuses such answers; this repeats it.
 */
export function managerSaidYes(evidence: Pick<Evidence, 'manager' | 'requester' | 'target'>): boolean {
  const m = evidence.manager;
  if (m?.status !== 'answered' || m.answer !== 'yes') return false;
  if (!sameId(m.byObjectId, m.managerObjectId)) return false;
  return !sameId(m.byObjectId, evidence.requester.objectId) && !sameId(m.byObjectId, evidence.target.objectId);
}

/** The request's assurance level. Worst news first: a dispute outranks any confirmation. */
export function assuranceLevel(evidence: Evidence): AssuranceLevel {
  if (evidence.dispute || managerSaidNo(evidence)) return 'disputed';
  if (managerSaidYes(evidence)) return 'manager-confirmed';
  const r = evidence.requester;
  // A Teams sign-in proves who is asking, which is evidence only when they ask about their own
  // account: a colleague asking for someone else is accountable but not the owner.
  if (r.assurance === 'teams-verified' && sameId(r.tenantId, evidence.tenantId) && sameId(r.objectId, evidence.target.objectId)) {
    return 'teams-verified';
  }
  return 'unverified';
}

/**
 * REQUIRE_MANAGER_CONFIRMATION: when a pass or a new mobile needs the manager's "Yes" (or an override).
 * - `unverified` (default): when nothing else vouches for the requester.
 * - `always`: also for a Teams-verified requester (a signed-in session may itself be stolen).
 * - `never`: never for that reason alone. A manager's "No" and the owner's dispute still block, and
 *   an admin target still needs the manager's "Yes": those are evidence of an attack, or the most
 *   valuable accounts, not a missing formality, so no setting turns them off (safe defaults first).
 */
export type ManagerConfirmationSetting = 'unverified' | 'always' | 'never';

export interface EvidencePolicySettings {
  requireManagerConfirmation: ManagerConfirmationSetting;
}

/** Reasons the evidence policy gives; each has a `helpdesk.refusal.<code>` text in the locales. */
export const EVIDENCE_REFUSALS = [
  'not-an-approver',
  'own-request',
  'own-account',
  'admin-target-needs-privileged-role',
  // Admin target without the manager's "Yes": no override can stand in for it.
  'admin-target-needs-manager-confirmation',
  // Admin target the manager or owner disputed: nothing but deny.
  'admin-target-disputed',
  // Needs the manager's "Yes" or an override with a written reason.
  'needs-manager-confirmation',
  // Disputed: needs overrides from two different approvers.
  'disputed',
  'override-reason-missing',
  'override-already-given',
  'override-not-needed',
  // A duplicate whose original is still open: deny it, or decide the original first.
  'duplicate-original-open',
] as const;

export type EvidenceRefusal = (typeof EVIDENCE_REFUSALS)[number];

export type PolicyAction = AdminAction | 'deny';

export interface PolicyInput {
  evidence: Evidence;
  action: PolicyAction;
  /** From the directory (TargetProfile.isAdmin): the target holds a directory role. */
  targetIsAdmin: boolean;
  /** The person who clicked; `role` from the directory's ApproverCheck, undefined when not an approver. */
  approver: { objectId: string; role?: ApproverRole };
  settings: EvidencePolicySettings;
}

export type PolicyDecision =
  | { verdict: 'allow'; level: AssuranceLevel }
  | { verdict: 'refuse'; level: AssuranceLevel; code: EvidenceRefusal }
  /** The click may go ahead once `overridesNeeded` more approvers have overridden with a reason. */
  | { verdict: 'needs-override'; level: AssuranceLevel; code: 'needs-manager-confirmation' | 'disputed'; overridesNeeded: number };

/** Distinct approvers whose overrides, given while the request was disputed, unblock it. */
export const DISPUTE_OVERRIDES_NEEDED = 2;

/** Whether this approver may take this action on the evidence so far. Fails closed. */
export function decide(input: PolicyInput): PolicyDecision {
  const { evidence, action, approver } = input;
  const level = assuranceLevel(evidence);
  const refuse = (code: EvidenceRefusal): PolicyDecision => ({ verdict: 'refuse', level, code });

  const who = refuseApprover(evidence, approver);
  if (who) return refuse(who);
  if (input.targetIsAdmin && approver.role !== 'privilegedAuthenticationAdministrator') return refuse('admin-target-needs-privileged-role');
  // Denying changes no sign-in method; a suspicious request must always be closable.
  if (action === 'deny') return { verdict: 'allow', level };
  // No evidence or override makes a second open request for the account actionable.
  if (evidence.openOriginal) return refuse('duplicate-original-open');

  if (input.targetIsAdmin) {
    if (level === 'disputed') return refuse('admin-target-disputed');
    return level === 'manager-confirmed' ? { verdict: 'allow', level } : refuse('admin-target-needs-manager-confirmation');
  }
  if (level === 'disputed') {
    const needed = DISPUTE_OVERRIDES_NEEDED - validOverriders(evidence, true).size;
    return needed > 0 ? { verdict: 'needs-override', level, code: 'disputed', overridesNeeded: needed } : { verdict: 'allow', level };
  }
  // Every action here ends with a usable way in: require-re-registration issues a pass first, so
  // it is gated exactly like a pass.
  if (needsConfirmation(level, input.settings.requireManagerConfirmation) && validOverriders(evidence, false).size === 0) {
    return { verdict: 'needs-override', level, code: 'needs-manager-confirmation', overridesNeeded: 1 };
  }
  return { verdict: 'allow', level };
}

/**
 * Whether this approver may override now, with this reason. Checked before the 'override' event
 * (which enforces the same rules on the ticket), so a refused click gets a card saying why.
 */
export function refuseOverride(
  input: Omit<PolicyInput, 'action'> & { reason: string },
): EvidenceRefusal | undefined {
  const { evidence, approver } = input;
  const who = refuseApprover(evidence, approver);
  if (who) return who;
  if (input.targetIsAdmin && approver.role !== 'privilegedAuthenticationAdministrator') return 'admin-target-needs-privileged-role';
  if (evidence.openOriginal) return 'duplicate-original-open';
  const level = assuranceLevel(evidence);
  if (input.targetIsAdmin) return level === 'disputed' ? 'admin-target-disputed' : level === 'manager-confirmed' ? 'override-not-needed' : 'admin-target-needs-manager-confirmation';
  if (typeof input.reason !== 'string' || input.reason.trim() === '') return 'override-reason-missing';
  const disputed = level === 'disputed';
  if ((evidence.overrides ?? []).some((o) => o.whileDisputed === disputed && sameId(o.byObjectId, approver.objectId))) return 'override-already-given';
  const probe = decide({ ...input, action: 'temporary-access-pass' });
  return probe.verdict === 'needs-override' ? undefined : 'override-not-needed';
}

function needsConfirmation(level: AssuranceLevel, setting: ManagerConfirmationSetting): boolean {
  if (level === 'manager-confirmed') return false;
  if (setting === 'always') return true;
  if (setting === 'unverified') return level === 'unverified';
  return false;
}

function refuseApprover(evidence: Evidence, approver: PolicyInput['approver']): EvidenceRefusal | undefined {
  if (approver.role === undefined || !approver.objectId?.trim()) return 'not-an-approver';
  if (sameId(approver.objectId, evidence.requester.objectId)) return 'own-request';
  if (sameId(approver.objectId, evidence.target.objectId)) return 'own-account';
  return undefined;
}

/**
 * The distinct approvers whose overrides count: with a reason, not by the requester or the target
 * (four eyes again), and for a dispute only those given once it was disputed.
 */
function validOverriders(evidence: Evidence, disputedOnly: boolean): Set<string> {
  const ids = new Set<string>();
  for (const o of evidence.overrides ?? []) {
    if (disputedOnly && !o.whileDisputed) continue;
    if (sameId(o.byObjectId, evidence.requester.objectId) || sameId(o.byObjectId, evidence.target.objectId)) continue;
    if (typeof o.reason === 'string' && o.reason.trim() && o.byObjectId?.trim()) ids.add(o.byObjectId.trim().toLowerCase());
  }
  return ids;
}

/** Object and tenant ids are GUIDs, which Entra treats case-insensitively; a missing id matches nothing. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  const x = typeof a === 'string' ? a.trim().toLowerCase() : '';
  const y = typeof b === 'string' ? b.trim().toLowerCase() : '';
  return x !== '' && x === y;
}
