/**
 * A helpdesk ticket: one work/school request waiting for an admin, and the only state machine that
 * decides what may happen to it. Everything here is pure so the rules can be tested without a
 * store, and so two bot instances applying the same event to the same ticket reach the same answer.
 */
import { sameId, type ManagerAnswer, type ManagerEvidence, type ManagerUnavailable, type Override, type OwnerDispute } from './assurance';
import type { EscalationDraft, IdentityAssurance, ReplyAddress, RequestedFix } from './ports';
import { isReference } from './reference';

export type TicketState = 'pending' | 'approved' | 'completed' | 'failed' | 'denied' | 'expired' | 'cancelled';

export type AdminAction = 'replace-mobile' | 'temporary-access-pass' | 'require-re-registration';

/** A sign-in method an admin action removed or left in place: its kind, and for phones which one (masked). */
export interface ChangedMethod {
  kind: string;
  phoneType?: string;
  masked?: string;
}

/**
 * What an admin action changed, kept on the ticket so every later message (the card, a retried
 * notice) says exactly that. Never the pass itself: only when it expires and whether it is one-time.
 */
export interface TicketChanges {
  pass?: { expiresAt: string; once: boolean };
  removed?: ChangedMethod[];
  kept?: ChangedMethod[];
  sessionsRevoked?: boolean;
}

/** Where the approval card sits in the helpdesk channel, so it can be updated in place later. */
export interface HelpdeskPost {
  activityId: string;
  conversationId: string;
  serviceUrl: string;
}

export interface Ticket {
  reference: string;
  state: TicketState;
  requester: {
    channelId: string;
    objectId?: string;
    assurance: IdentityAssurance;
    conversationId: string;
    replyTo: ReplyAddress;
    locale: string;
  };
  target: { signInAddress?: string; objectId?: string };
  /** Canonical E.164. Personal data: shown masked everywhere except to the approving admin. */
  newMobileE164: string;
  oldMobileE164?: string;
  requestedFix: RequestedFix;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  helpdeskPost?: HelpdeskPost;
  /**
   * Set when a requester Teams does not vouch for asked about an account that already had this
   * open request: kept (and shown to the helpdesk as a duplicate) rather than refused, so a
   * stranger cannot learn that a request is pending for someone.
   */
  duplicateOf?: string;
  /**
   * The other way round: later requests kept as duplicates of this one, oldest first (at most
   * MAX_LATER_DUPLICATES). Someone else asking about the same account is a warning sign for
   * whoever decides this request.
   */
  laterDuplicates?: string[];
  /**
   * Posting the card has failed (or never happened): tries so far and when the sweep may try
   * again. Set by 'post-attempt'; absent when the first post worked.
   */
  postRetry?: { attempts: number; nextAttemptAt: string };
  /** Set by approve (with `action`) or deny (with `reason`). */
  decision?: { by: string; byName?: string; action?: AdminAction; reason?: string; at: string };
  /** Set by complete or fail; `requestIds` are Graph's, for the audit trail. */
  result?: { ok: boolean; code?: string; message?: string; requestIds: string[]; at: string; changes?: TicketChanges };
  /**
   * Evidence for the assurance level (src/core/assurance.ts): the manager's confirmation (asked,
   * answered, or why nobody could be asked). Absent on tickets made before it existed, which
   * therefore read as having no evidence: the safe reading.
   */
  manager?: ManagerEvidence;
  /** Approvers' written overrides, oldest first. */
  overrides?: Override[];
  /** The owner's "This wasn't me". */
  dispute?: OwnerDispute;
}

export type TicketEvent =
  | { type: 'approve'; by: string; byName?: string; action: AdminAction; at: Date }
  | { type: 'complete'; requestIds: string[]; at: Date; changes?: TicketChanges }
  | { type: 'fail'; code: string; message: string; requestIds: string[]; at: Date; changes?: TicketChanges }
  | { type: 'deny'; by: string; byName?: string; reason: string; at: Date }
  | { type: 'expire'; at: Date }
  | { type: 'cancel'; at: Date }
  /** Records where the card was posted; allowed in any open state. */
  | { type: 'posted'; post: HelpdeskPost; at: Date }
  /**
   * Claims one try at posting a card that is not posted yet (pending only): counts it and sets
   * when the next may start, so of several instances sweeping at once one makes each try.
   */
  | { type: 'post-attempt'; at: Date }
  /** The manager's card was sent to this manager (from the directory); pending only. */
  | { type: 'manager-asked'; managerObjectId: string; at: Date }
  /** No manager could be asked; replaces an earlier unanswered try. Pending only. */
  | { type: 'manager-unavailable'; reason: ManagerUnavailable; at: Date }
  /**
   * The manager's one answer, from the manager asked. Allowed in any state: a "No" that comes after
   * the change is the most urgent news of all, and must still mark the request disputed.
   */
  | { type: 'manager-answer'; by: string; answer: ManagerAnswer; at: Date }
  /** An approver acts without the evidence asked for, with a written reason; pending only. */
  | { type: 'override'; by: string; byName?: string; reason: string; at: Date }
  /** The owner's "This wasn't me"; in any state, once. */
  | { type: 'dispute'; by: string; at: Date }
  /** A later request for the same account was kept as a duplicate of this one; while open, once per reference. */
  | { type: 'duplicate-received'; reference: string; at: Date };

/** Later duplicates a ticket lists; more are still audited, the card says the first ones. */
export const MAX_LATER_DUPLICATES = 10;

/** Exponential backoff for posting to the helpdesk: one minute, doubling, at most an hour. */
export function postRetryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 60 * 60_000);
}

/** A card nobody has posted this long after the request was made was lost (an instance stopped mid-post). */
export const POST_GRACE_MS = 2 * 60_000;

/** Whether the sweep should try posting this ticket's card now. */
export function postIsDue(ticket: Ticket, now: Date): boolean {
  if (ticket.state !== 'pending' || ticket.helpdeskPost) return false;
  if (ticket.postRetry) return Date.parse(ticket.postRetry.nextAttemptAt) <= now.getTime();
  return Date.parse(ticket.createdAt) + POST_GRACE_MS <= now.getTime();
}

/** A deny reason is free text typed by an admin and shown back to the requester; keep it short. */
export const MAX_DENY_REASON_LENGTH = 500;

export class InvalidTransition extends Error {
  constructor(
    readonly from: TicketState,
    readonly event: TicketEvent['type'],
    detail?: string,
  ) {
    super(`Cannot apply '${event}' to a ${from} ticket${detail ? `: ${detail}` : ''}`);
    this.name = 'InvalidTransition';
  }
}

/** Builds the pending ticket for a request; throws on a reference, TTL or target it cannot use. */
export function newTicket(draft: EscalationDraft, reference: string, now: Date, ttlMinutes: number): Ticket {
  // The reference becomes part of storage keys and is read out over the phone: only the canonical form.
  if (!isReference(reference) || reference !== reference.trim().toUpperCase()) {
    throw new RangeError('newTicket: reference must look like HD-XXXX-XXXX');
  }
  if (!Number.isFinite(ttlMinutes) || ttlMinutes <= 0) throw new RangeError('newTicket: ttlMinutes must be a positive number');
  const created = isoOf(now, 'newTicket');

  const target: Ticket['target'] = {};
  const signInAddress = draft.targetSignInAddress?.trim();
  const targetObjectId = draft.targetObjectId?.trim();
  if (signInAddress) target.signInAddress = signInAddress;
  if (targetObjectId) target.objectId = targetObjectId;
  // Without a target there is nothing an admin could act on, and no way to keep one request per account.
  if (!target.signInAddress && !target.objectId) throw new RangeError('newTicket: the draft names no target account');

  const requester: Ticket['requester'] = {
    channelId: draft.channelId,
    assurance: draft.assurance,
    conversationId: draft.replyTo.conversationId,
    replyTo: { ...draft.replyTo },
    locale: draft.locale,
  };
  if (draft.requesterObjectId) requester.objectId = draft.requesterObjectId;

  const ticket: Ticket = {
    reference,
    state: 'pending',
    requester,
    target,
    newMobileE164: draft.newMobileE164,
    requestedFix: draft.fix,
    createdAt: created,
    updatedAt: created,
    expiresAt: new Date(now.getTime() + ttlMinutes * 60_000).toISOString(),
  };
  if (draft.oldMobileE164) ticket.oldMobileE164 = draft.oldMobileE164;
  return ticket;
}

/**
 * The state machine: pending → approved → completed | failed; pending → denied | expired | cancelled.
 * Returns a new ticket and never changes the one given; throws InvalidTransition otherwise.
 */
export function applyEvent(ticket: Ticket, event: TicketEvent): Ticket {
  const at = isoOf(event.at, 'applyEvent');
  const from = ticket.state;
  const refuse = (detail?: string): never => {
    throw new InvalidTransition(from, event.type, detail);
  };
  const next = (state: TicketState, changes: Partial<Ticket> = {}): Ticket => ({
    ...structuredClone(ticket),
    ...changes,
    state,
    updatedAt: at,
  });
  const expired = event.at.getTime() >= Date.parse(ticket.expiresAt);

  switch (event.type) {
    case 'approve': {
      if (from !== 'pending') return refuse();
      // A ticket past its expiry is expired in all but name until the sweep runs; approving it
      // would let an admin act on a request the requester was told had lapsed.
      if (expired) return refuse('the ticket has expired');
      const decision: NonNullable<Ticket['decision']> = { by: event.by, action: event.action, at };
      if (event.byName) decision.byName = event.byName;
      return next('approved', { decision });
    }
    case 'deny': {
      if (from !== 'pending') return refuse();
      const decision: NonNullable<Ticket['decision']> = { by: event.by, reason: capReason(event.reason), at };
      if (event.byName) decision.byName = event.byName;
      return next('denied', { decision });
    }
    case 'expire':
      if (from !== 'pending') return refuse();
      if (!expired) return refuse('not yet past expiresAt');
      return next('expired');
    case 'cancel':
      if (from !== 'pending') return refuse();
      return next('cancelled');
    case 'complete':
      if (from !== 'approved') return refuse();
      return next('completed', { result: { ok: true, requestIds: [...event.requestIds], at, ...changesOf(event) } });
    case 'fail':
      if (from !== 'approved') return refuse();
      return next('failed', {
        result: { ok: false, code: event.code, message: event.message, requestIds: [...event.requestIds], at, ...changesOf(event) },
      });
    case 'posted':
      if (!isOpen(ticket)) return refuse();
      return next(from, { helpdeskPost: { ...event.post } });
    case 'post-attempt': {
      if (from !== 'pending' || ticket.helpdeskPost) return refuse('already posted or no longer pending');
      const attempts = (ticket.postRetry?.attempts ?? 0) + 1;
      return next(from, { postRetry: { attempts, nextAttemptAt: new Date(event.at.getTime() + postRetryDelayMs(attempts)).toISOString() } });
    }
    case 'manager-asked': {
      if (from !== 'pending') return refuse();
      if (expired) return refuse('the ticket has expired');
      // Once a card has gone out (or been answered) a second one would let a second answer replace the first.
      if (ticket.manager && ticket.manager.status !== 'unavailable') return refuse('the manager was already asked');
      const manager = idOf(event.managerObjectId);
      if (!manager) return refuse('no manager id');
      // Then no second person would be vouching: record 'manager-unavailable' with 'is-requester' instead.
      if (sameId(manager, ticket.target.objectId) || sameId(manager, ticket.requester.objectId)) return refuse('the manager is the requester or the target');
      return next(from, { manager: { status: 'asked', managerObjectId: manager, at } });
    }
    case 'manager-unavailable':
      if (from !== 'pending') return refuse();
      if (ticket.manager?.status === 'answered') return refuse('the manager has answered');
      return next(from, { manager: { status: 'unavailable', reason: event.reason, at } });
    case 'manager-answer': {
      const asked = ticket.manager;
      if (asked?.status !== 'asked') return refuse(asked?.status === 'answered' ? 'the manager has already answered' : 'no manager was asked');
      // Only the manager the bot asked may answer; a forwarded card clicked by someone else changes nothing.
      if (!sameId(event.by, asked.managerObjectId)) return refuse('the answer is not from the manager asked');
      if (sameId(event.by, ticket.requester.objectId) || sameId(event.by, ticket.target.objectId)) return refuse('the requester or the target cannot confirm');
      if (event.answer !== 'yes' && event.answer !== 'no') return refuse('unknown answer');
      return next(from, { manager: { status: 'answered', managerObjectId: asked.managerObjectId, answer: event.answer, byObjectId: asked.managerObjectId, at } });
    }
    case 'override': {
      if (from !== 'pending') return refuse();
      if (expired) return refuse('the ticket has expired');
      const by = idOf(event.by);
      if (!by) return refuse('no approver id');
      if (sameId(by, ticket.requester.objectId) || sameId(by, ticket.target.objectId)) return refuse('the requester or the target cannot override');
      const reason = capReason(event.reason);
      if (!reason) return refuse('an override needs a written reason');
      const whileDisputed = isDisputed(ticket);
      const overrides = ticket.overrides ?? [];
      // One override per approver per stage: a dispute needs a second person, not a second click.
      if (overrides.some((o) => o.whileDisputed === whileDisputed && sameId(o.byObjectId, by))) return refuse('this approver has already overridden');
      const override: Override = { byObjectId: by, reason, at, whileDisputed };
      if (event.byName) override.byName = event.byName;
      return next(from, { overrides: [...structuredClone(overrides), override] });
    }
    case 'dispute': {
      if (ticket.dispute) return refuse('already disputed');
      const by = idOf(event.by);
      if (!by) return refuse('no owner id');
      // When the ticket names the account by address only, the caller checks `by` against the resolved target.
      if (ticket.target.objectId && !sameId(by, ticket.target.objectId)) return refuse('only the account owner can dispute');
      return next(from, { dispute: { byObjectId: by, at } });
    }
    case 'duplicate-received': {
      // Only a request still to be decided needs the warning.
      if (!isOpen(ticket)) return refuse();
      if (event.reference === ticket.reference) return refuse('a request does not duplicate itself');
      const later = ticket.laterDuplicates ?? [];
      if (later.includes(event.reference)) return refuse('already noted');
      if (later.length >= MAX_LATER_DUPLICATES) return refuse('enough noted');
      return next(from, { laterDuplicates: [...later, event.reference] });
    }
  }
}

/** The manager said "No" or the owner said "This wasn't me" (the `disputed` assurance level). */
export function isDisputed(ticket: Pick<Ticket, 'manager' | 'dispute'>): boolean {
  return Boolean(ticket.dispute) || (ticket.manager?.status === 'answered' && ticket.manager.answer === 'no');
}

/** Open tickets still need someone: an admin's decision (pending) or the bot's action (approved). */
export function isOpen(ticket: Pick<Ticket, 'state'>): boolean {
  return ticket.state === 'pending' || ticket.state === 'approved';
}

/**
 * The account a ticket is about, normalised for "one open request per target": the object id
 * when known (ids are GUIDs, compared case-insensitively), otherwise the sign-in address
 * (case-insensitive, as Entra treats userPrincipalName).
 */
export function targetKey(ticket: Pick<Ticket, 'target'>): string {
  const objectId = ticket.target.objectId?.trim();
  if (objectId) return objectId.toLowerCase();
  const address = ticket.target.signInAddress?.trim();
  if (address) return address.toLowerCase();
  throw new RangeError('targetKey: the ticket names no target account');
}

function changesOf(event: { changes?: TicketChanges }): { changes?: TicketChanges } {
  return event.changes ? { changes: structuredClone(event.changes) } : {};
}

function capReason(reason: string): string {
  const trimmed = (typeof reason === 'string' ? reason : '').trim();
  // Cut by code point so an emoji at the boundary is not split into half a surrogate pair.
  const points = Array.from(trimmed);
  return points.length > MAX_DENY_REASON_LENGTH ? points.slice(0, MAX_DENY_REASON_LENGTH).join('').trimEnd() : trimmed;
}

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function isoOf(date: Date, where: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError(`${where}: invalid date`);
  return date.toISOString();
}
