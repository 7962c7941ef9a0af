/**
 * The ports the channel-agnostic core talks through. Dialogs and infrastructure depend on these
 * types; nothing here imports an SDK, so the rules can be tested and reused without a bot.
 */

export type AccountKind = 'personal' | 'work';

/** How the bot knows who the requester is; the helpdesk weighs a request by this. */
export type IdentityAssurance =
  /** Channel `msteams`, authenticated Bot Framework request: Teams vouches for the Entra user. */
  | 'teams-verified'
  /** Channel `msteams` without channel authentication (local mode): the ids are claims only. */
  | 'teams-unauthenticated'
  /** Anyone on the web: nothing is known but what they typed. */
  | 'unverified';

export type RequestedFix = 'replace-mobile' | 'temporary-access-pass';

/** Where a proactive message to the requester must go later (a plain-data conversation reference). */
export interface ReplyAddress {
  channelId: string;
  serviceUrl: string;
  conversationId: string;
  userId: string;
  botId?: string;
  tenantId?: string;
}

export interface EscalationDraft {
  channelId: string;
  assurance: IdentityAssurance;
  /** Entra object id of the requester, when the channel supplied one. */
  requesterObjectId?: string;
  /** The account to fix: a sign-in address typed by the person, or absent when known from Teams. */
  targetSignInAddress?: string;
  targetObjectId?: string;
  /** Canonical E.164; never logged, shown masked except to the approving admin. */
  newMobileE164: string;
  /** The number the person says they lost, when they gave it; canonical E.164. */
  oldMobileE164?: string;
  fix: RequestedFix;
  locale: string;
  replyTo: ReplyAddress;
  /**
   * The activity that sent it (channel, conversation and activity id). The same activity
   * submitted twice (its turn re-run after another instance saved first, or a channel retrying
   * the request on another instance) gets the one request, not a second or a refusal.
   */
  submissionId?: string;
}

export interface EscalationReceipt {
  reference: string;
  /**
   * `helpdesk-notified`: posted to the helpdesk channel. `retrying`: stored, the post failed and
   * will be tried again. `recorded`: stored, no channel to post to (yet): the person must contact
   * the helpdesk. Only the first is "sent".
   */
  delivery: 'recorded' | 'retrying' | 'helpdesk-notified';
}

/** Hands a work/school request to the helpdesk. */
export interface EscalationPort {
  submit(draft: EscalationDraft): Promise<EscalationReceipt>;
}

export type Outcome = 'resolved' | 'escalated' | 'gave-up';

/**
 * What actually broke, asked before any advice because each has its own fix
 * (docs/support-content.md, "A new phone is several different problems").
 */
export const PROBLEM_CASES = ['same-number', 'new-number-old-phone', 'old-phone-gone', 'authenticator-restored', 'lost-or-stolen'] as const;
export type ProblemCase = (typeof PROBLEM_CASES)[number];

export interface OutcomeRecord {
  outcome: Outcome;
  /** Which path ended, e.g. `personal/self-service`, `work/escalation`. */
  path: string;
  channelId: string;
  locale: string;
  /** Which problem the person described, when the conversation got that far. */
  problem?: ProblemCase;
}

/** Counts how conversations end, for the helpdesk's statistics. */
export interface OutcomePort {
  record(entry: OutcomeRecord): Promise<void>;
}

/** The structured logger as the core sees it; pino satisfies it. */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Why the helpdesk would not take a new request; the person is told which and what to do. */
export type EscalationRefusalReason =
  | 'open-request-for-target'
  | 'requester-hourly-cap'
  | 'conversation-hourly-cap'
  /** The caps that rotating ids cannot get round (src/infra/ticketStore.ts). */
  | 'client-address-hourly-cap'
  | 'target-domain-hourly-cap'
  | 'overall-hourly-cap';

export class EscalationRefused extends Error {
  constructor(
    readonly reason: EscalationRefusalReason,
    /** For an open request on the same account: its reference, so the person can follow it. */
    readonly existingReference?: string,
  ) {
    super(`escalation refused: ${reason}`);
    this.name = 'EscalationRefused';
  }
}

/** A requester's view of their latest helpdesk request, from the conversation they made it in. */
export interface RequestSummary {
  reference: string;
  state: 'pending' | 'approved' | 'completed' | 'failed' | 'denied' | 'expired' | 'cancelled';
  /** False while the request is stored but its card has not reached the helpdesk channel (yet). */
  reachedHelpdesk?: boolean;
}

/** "status" and "cancel my request", answered in the requester's own conversation only. */
export interface RequestTracker {
  latest(conversationId: string): Promise<RequestSummary | undefined>;
  /** Cancels the latest request if it is still pending; `cancelled` says whether it was. */
  cancelLatest(conversationId: string): Promise<(RequestSummary & { cancelled: boolean }) | undefined>;
}
