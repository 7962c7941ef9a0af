/**
 * The helpdesk: takes a work/school request from the conversation (EscalationPort), posts it to
 * the helpdesk channel in Teams as a Universal Actions card, and handles the admins' clicks:
 * policy first, then the directory's role checks, then exactly one Graph action (the ticket
 * store's eTag decides who won), then the card is updated in place for everyone, the requester
 * is told in their own conversation, and every step is audited.
 *
 * Secrets stay out of reach: the channel card shows the number masked (the full number is in the
 * approver's own view only); a Temporary Access Pass exists only in the invoke response to the
 * approving admin, never in the channel, the logs, the audit or the ticket.
 */
import type {
  AdaptiveCardInvokeResponse,
  AdaptiveCardInvokeValue,
  ConversationReference,
  TurnContext,
} from 'botbuilder';
import { isChannelAuthenticated } from '../channelAuth';
import { renderCard, type CardAttachment, type CardData } from '../../cards/render';
import { refuseAfterLookup, refuseBeforeLookup, type ApprovalSettings, type Refusal } from '../core/approvalPolicy';
import type { AuditKind, AuditPort, AuditRecord } from '../core/audit';
import { DirectoryError, type DirectoryPort, type MethodSummary, type TargetProfile } from '../core/directory';
import type { Localizer, Vars } from '../core/i18n';
import { maskPhoneNumber } from '../core/phone';
import {
  EscalationRefused,
  type Clock,
  type EscalationDraft,
  type EscalationPort,
  type EscalationReceipt,
  type Log,
  type ReplyAddress,
  type RequestSummary,
  type RequestTracker,
} from '../core/ports';
import { isReference, newReference } from '../core/reference';
import { applyEvent, isOpen, newTicket, type AdminAction, type Ticket, type TicketEvent } from '../core/tickets';
import type { HelpdeskChannelStore } from '../infra/helpdeskChannel';
import { TicketLimitError, type TicketStore, type TrippedCap } from '../infra/ticketStore';

/** What the helpdesk needs from the Bot Framework adapter: proactive turns. */
export interface ProactiveAdapter {
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
}

/**
 * An approval still "being carried out" after this long was cut off by its instance stopping:
 * the Graph work of one approval is bounded by GRAPH_MAX_RETRY_SECONDS (at most 2 minutes) per call.
 */
export const INTERRUPTED_AFTER_MS = 10 * 60 * 1000;

export interface HelpdeskSettings extends ApprovalSettings {
  channel?: { conversationId: string; serviceUrl: string };
  /** When no channel is configured: capture it when the bot is installed in this team. */
  teamId?: string;
  /** Teams asks the bot for these users' own (approver) view of each card. */
  approverIds: string[];
  requestTtlMinutes: number;
  botAppId: string;
  /** The language of the helpdesk's cards and messages. */
  language: string;
}

export interface HelpdeskDeps {
  adapter: ProactiveAdapter;
  store: TicketStore;
  audit: AuditPort;
  directory: DirectoryPort;
  localizer: Localizer;
  log: Log;
  clock: Clock;
  settings: HelpdeskSettings;
  channels: HelpdeskChannelStore;
}

const VERB_ACTIONS: Readonly<Record<string, AdminAction>> = {
  replaceMobile: 'replace-mobile',
  issueTap: 'temporary-access-pass',
  requireReRegistration: 'require-re-registration',
};
const VIEW_VERBS = new Set(['refresh', 'details']);

/** The target account as the directory knows it, or why it could not be looked at. */
interface TargetLookup {
  profile?: TargetProfile;
  methods?: MethodSummary;
}

export class Helpdesk implements EscalationPort, RequestTracker {
  constructor(private readonly deps: HelpdeskDeps) {}

  // ---- intake -------------------------------------------------------------------------------

  async submit(draft: EscalationDraft): Promise<EscalationReceipt> {
    const { store, clock, settings } = this.deps;
    const ticket = newTicket(draft, newReference(), clock.now(), settings.requestTtlMinutes);
    if (draft.submissionId) {
      const earlier = await store.claimSubmission(draft.submissionId, ticket.reference);
      if (earlier) {
        // This activity was submitted before: answer with that request, as the first time did.
        const existing = await store.get(earlier);
        return { reference: earlier, delivery: existing?.helpdeskPost ? 'helpdesk-notified' : 'recorded' };
      }
    }
    try {
      // A requester Teams does not vouch for gets no refusal for an account with an open request
      // (that would tell a stranger one is pending): the request is kept as a duplicate of it,
      // answered like any other, and the helpdesk sees which one it duplicates on the card.
      const duplicateOf = await store.create(ticket);
      if (duplicateOf) ticket.duplicateOf = duplicateOf;
    } catch (error) {
      if (draft.submissionId) await store.releaseSubmission(draft.submissionId).catch(() => undefined);
      if (!(error instanceof TicketLimitError)) throw error;
      if (error.cap) await this.postCapSummary(error.cap);
      // Another person's open request is not theirs to follow: its reference is only told back
      // to the conversation that made it, so a visitor learns nothing about someone else's.
      const existing = error.existingReference ? await store.get(error.existingReference) : undefined;
      const own = existing && existing.requester.conversationId === ticket.requester.conversationId;
      throw new EscalationRefused(error.reason, own ? existing.reference : undefined);
    }
    await this.record(ticket.reference, 'request', undefined, {
      channelId: ticket.requester.channelId,
      assurance: ticket.requester.assurance,
      fix: ticket.requestedFix,
      newMobile: maskPhoneNumber(ticket.newMobileE164),
      target: ticket.target.objectId ?? ticket.target.signInAddress ?? null,
      duplicateOf: ticket.duplicateOf ?? null,
    });
    const channel = await this.channel();
    if (!channel) return { reference: ticket.reference, delivery: 'recorded' };
    const posted = await this.post(ticket, channel);
    return { reference: ticket.reference, delivery: posted ? 'helpdesk-notified' : 'recorded' };
  }

  /** Posts the shared card; a channel outage leaves the request recorded and says so. */
  private async post(ticket: Ticket, channel: { conversationId: string; serviceUrl: string }): Promise<boolean> {
    try {
      const card = this.card(ticket, await this.lookUpTarget(ticket), 'shared');
      let activityId = '';
      await this.deps.adapter.continueConversationAsync(this.deps.settings.botAppId, this.channelReference(channel), async (context) => {
        activityId = (await context.sendActivity({ type: 'message', attachments: [card] }))?.id ?? '';
      });
      await this.deps.store.update(ticket.reference, (t) =>
        applyEvent(t, { type: 'posted', post: { activityId, conversationId: channel.conversationId, serviceUrl: channel.serviceUrl }, at: this.deps.clock.now() }),
      );
      await this.record(ticket.reference, 'posted', undefined, { conversation: 'helpdesk', activityId });
      return true;
    } catch (error) {
      this.deps.log.error({ reference: ticket.reference, err: { name: (error as Error).name, message: (error as Error).message } }, 'could not post to the helpdesk channel');
      await this.record(ticket.reference, 'posted', undefined, { ok: false, error: (error as Error).name });
      return false;
    }
  }

  /**
   * One summary line to the helpdesk channel when a flood cap trips: at most one per cap per hour
   * across instances (the ticket store's eTag decides who posts), never one per refused request.
   * Best effort: the refusal stands whether or not the line could be posted.
   */
  async postCapSummary(cap: TrippedCap): Promise<void> {
    try {
      const channel = await this.channel();
      if (!channel || !(await this.deps.store.claimCapNotice(cap.kind))) return;
      const text = this.t(`helpdesk.capReached.${cap.kind}`, { limit: cap.limit, until: cap.until.toISOString().slice(11, 16) });
      await this.deps.adapter.continueConversationAsync(this.deps.settings.botAppId, this.channelReference(channel), async (context) => {
        await context.sendActivity({ type: 'message', text });
      });
      this.deps.log.warn({ cap: cap.kind, limit: cap.limit }, 'request cap reached; the helpdesk channel was told');
    } catch (error) {
      this.deps.log.warn({ cap: cap.kind, err: { name: (error as Error).name } }, 'request cap reached; could not tell the helpdesk channel');
    }
  }

  // ---- where the helpdesk is ---------------------------------------------------------------------

  /** The configured channel, else the one captured when the bot joined the configured team. */
  private async channel(): Promise<{ conversationId: string; serviceUrl: string } | undefined> {
    return this.deps.settings.channel ?? (await this.deps.channels.get());
  }

  /**
   * Called for installation and membership events: when the bot is added to the configured team
   * (and no channel is configured), that team's General channel becomes the helpdesk channel.
   */
  async captureChannel(context: TurnContext): Promise<boolean> {
    const { teamId, channel } = this.deps.settings;
    const team = (context.activity.channelData as { team?: { id?: string } } | undefined)?.team;
    if (channel || !teamId || context.activity.channelId !== 'msteams' || team?.id !== teamId) return false;
    // A team's General channel has the team's own id as its conversation id.
    await this.deps.channels.set({ conversationId: teamId, serviceUrl: context.activity.serviceUrl });
    this.deps.log.info({ team: teamId }, 'helpdesk channel captured from the team installation');
    return true;
  }

  // ---- the requester's own questions ----------------------------------------------------------

  async latest(conversationId: string): Promise<RequestSummary | undefined> {
    const ticket = await this.deps.store.latestForConversation(conversationId);
    return ticket ? { reference: ticket.reference, state: ticket.state } : undefined;
  }

  /** Cancels the latest request while it is pending; an approval racing it wins or loses by eTag. */
  async cancelLatest(conversationId: string): Promise<(RequestSummary & { cancelled: boolean }) | undefined> {
    const ticket = await this.deps.store.latestForConversation(conversationId);
    if (!ticket) return undefined;
    if (ticket.state !== 'pending') return { reference: ticket.reference, state: ticket.state, cancelled: false };
    const outcome = await this.deps.store.update(ticket.reference, (t) => applyEvent(t, { type: 'cancel', at: this.deps.clock.now() }));
    if (outcome.won) {
      await this.record(ticket.reference, 'cancellation', undefined, { by: 'requester' });
      await this.updateSharedCard(outcome.ticket, await this.lookUpTarget(outcome.ticket));
    }
    return { reference: ticket.reference, state: outcome.ticket.state, cancelled: outcome.won };
  }

  // ---- the admins' clicks ----------------------------------------------------------------------

  async onCardAction(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const verb = invoke.action?.verb ?? '';
    const data = (invoke.action?.data ?? {}) as Record<string, unknown>;
    const reference = typeof data.reference === 'string' ? data.reference.trim().toUpperCase() : '';
    if (!isReference(reference) || (!VIEW_VERBS.has(verb) && verb !== 'deny' && !VERB_ACTIONS[verb])) {
      return this.message(this.t('helpdesk.badAction'), 400);
    }
    const ticket = await this.deps.store.get(reference);
    if (!ticket) return this.message(this.t('helpdesk.unknownRequest', { reference }), 404);

    const approver = context.activity.from?.aadObjectId;
    const channel = await this.channel();
    const refusal = refuseBeforeLookup(this.attempt(context), ticket, { ...this.deps.settings, helpdeskConversationId: channel?.conversationId });
    if (refusal) return this.refuse(ticket, approver, verb, refusal);

    const target = await this.lookUpTarget(ticket);
    if (!target.profile) {
      if (VIEW_VERBS.has(verb) || !isOpen(ticket)) return this.cardResponse(this.card(ticket, target, 'shared'));
      return this.message(this.t('helpdesk.targetNotFound', { account: this.accountLabel(ticket) }));
    }
    const check = await this.deps.directory.checkApprover(approver!, target.profile);
    const roleRefusal = refuseAfterLookup(check, target.profile, approver);
    if (roleRefusal) {
      // Someone merely looking gets the shared card back; someone trying to act is told why.
      if (VIEW_VERBS.has(verb)) return this.cardResponse(this.card(ticket, target, 'shared'));
      return this.refuse(ticket, approver, verb, roleRefusal);
    }
    // An approver from here on. A stale card, or a click after another admin's, shows the current state.
    if (VIEW_VERBS.has(verb) || ticket.state !== 'pending') return this.cardResponse(this.card(ticket, target, 'approver'));

    const byName = context.activity.from?.name;
    if (verb === 'deny') return this.deny(ticket, target, approver!, byName, data.reason);
    return this.approve(ticket, target, approver!, byName, VERB_ACTIONS[verb]!);
  }

  private async deny(ticket: Ticket, target: TargetLookup, by: string, byName: string | undefined, reason: unknown): Promise<AdaptiveCardInvokeResponse> {
    if (typeof reason !== 'string' || !reason.trim()) return this.message(this.t('helpdesk.denyReasonMissing'), 400);
    const outcome = await this.deps.store.update(ticket.reference, (t) => applyEvent(t, { type: 'deny', by, byName, reason, at: this.deps.clock.now() }));
    if (!outcome.won) return this.cardResponse(this.card(outcome.ticket, target, 'approver'));
    await this.record(ticket.reference, 'denial', by, { reasonLength: reason.trim().length });
    await this.afterDecision(outcome.ticket, target);
    return this.cardResponse(this.card(outcome.ticket, target, 'approver'));
  }

  private async approve(ticket: Ticket, target: TargetLookup, by: string, byName: string | undefined, action: AdminAction): Promise<AdaptiveCardInvokeResponse> {
    const { store, clock } = this.deps;
    // The eTag-checked transition is the lock: of two admins clicking at once, one gets here.
    const approved = await store.update(ticket.reference, (t) => applyEvent(t, { type: 'approve', by, byName, action, at: clock.now() }));
    if (!approved.won) return this.cardResponse(this.card(approved.ticket, target, 'approver'));
    await this.record(ticket.reference, 'approval', by, { action });

    const userId = target.profile!.user.id;
    let finished: TicketEvent;
    let pass: { value: string; minutes: number; once: boolean } | undefined;
    try {
      const writes = await this.perform(action, userId, ticket, (value, minutes, once) => (pass = { value, minutes, once }));
      await this.record(ticket.reference, 'graph-call', by, { action, ok: true, requestIds: writes.join(' ') || null });
      finished = { type: 'complete', requestIds: writes, at: clock.now() };
    } catch (error) {
      const failure = error instanceof DirectoryError ? error : new DirectoryError('unavailable', (error as Error).message);
      const requestIds = (failure.details.writes ?? []).map((w) => w.requestId).filter((id): id is string => Boolean(id));
      await this.record(ticket.reference, 'graph-call', by, { action, ok: false, code: failure.code, requestId: failure.details.requestId ?? null });
      finished = { type: 'fail', code: failure.code, message: failure.message, requestIds, at: clock.now() };
    }
    const done = await store.update(ticket.reference, (t) => applyEvent(t, finished));
    await this.record(ticket.reference, done.ticket.state === 'completed' ? 'completed' : 'failed', by, { action });
    await this.afterDecision(done.ticket, target);

    const card = this.card(done.ticket, target, 'approver');
    if (pass) {
      // The pass goes into this response only: the clicking admin's own view, shown once.
      const usage = this.t(pass.once ? 'helpdesk.tapOnce' : 'helpdesk.tapMany');
      const text = this.t('helpdesk.tap', { account: this.accountLabel(done.ticket), pass: pass.value, minutes: pass.minutes, usage }, ['pass']);
      (card.content.body as unknown[]).splice(2, 0, { type: 'TextBlock', text, wrap: true, color: 'Attention', weight: 'Bolder' });
    }
    return this.cardResponse(card);
  }

  /** The one Graph action, through the directory port; returns Graph's request-ids of the writes. */
  private async perform(action: AdminAction, userId: string, ticket: Ticket, onPass: (value: string, minutes: number, once: boolean) => void): Promise<string[]> {
    const ids = (writes: { requestId?: string }[]) => writes.map((w) => w.requestId).filter((id): id is string => Boolean(id));
    switch (action) {
      case 'replace-mobile':
        return ids((await this.deps.directory.replaceMobile(userId, ticket.newMobileE164)).writes);
      case 'temporary-access-pass': {
        const issued = await this.deps.directory.issueTemporaryAccessPass(userId);
        onPass(issued.pass, issued.lifetimeInMinutes, issued.isUsableOnce);
        return ids(issued.writes);
      }
      case 'require-re-registration': {
        // Removing every method without another way in would lock the person out for good
        // (support-content: re-registration only with a TAP), so a pass follows, for the admin.
        const removed = await this.deps.directory.requireReRegistration(userId, { revokeSessions: true });
        const issued = await this.deps.directory.issueTemporaryAccessPass(userId);
        onPass(issued.pass, issued.lifetimeInMinutes, issued.isUsableOnce);
        return [...ids(removed.writes), ...ids(issued.writes)];
      }
    }
  }

  // ---- after a decision: the card for everyone, the requester, the audit ----------------------

  private async afterDecision(ticket: Ticket, target: TargetLookup): Promise<void> {
    await this.updateSharedCard(ticket, target);
    await this.notifyRequester(ticket);
  }

  private async updateSharedCard(ticket: Ticket, target: TargetLookup): Promise<void> {
    const post = ticket.helpdeskPost;
    if (!post?.activityId) return;
    try {
      const card = this.card(ticket, target, 'shared');
      await this.deps.adapter.continueConversationAsync(this.deps.settings.botAppId, this.channelReference(post), async (context) => {
        await context.updateActivity({ id: post.activityId, type: 'message', attachments: [card] });
      });
    } catch (error) {
      this.deps.log.warn({ reference: ticket.reference, err: { name: (error as Error).name } }, 'could not update the helpdesk card');
    }
  }

  /** Tells the requester in their own conversation and language; never includes a pass. */
  async notifyRequester(ticket: Ticket): Promise<void> {
    const lang = this.deps.localizer.language(ticket.requester.locale);
    const vars: Vars = { reference: ticket.reference, masked: maskPhoneNumber(ticket.newMobileE164), reason: ticket.decision?.reason ?? '' };
    const key =
      ticket.state === 'completed' ? `notify.completed.${ticket.decision?.action ?? 'replace-mobile'}` : ticket.state === 'failed' ? 'notify.failed' : `notify.${ticket.state}`;
    if (!this.deps.localizer.has(lang, key)) return;
    const text = this.deps.localizer.t(lang, key, vars, ['masked']);
    try {
      await this.deps.adapter.continueConversationAsync(this.deps.settings.botAppId, this.requesterReference(ticket.requester.replyTo), async (context) => {
        await context.sendActivity({ type: 'message', text, textFormat: 'markdown', locale: ticket.requester.locale });
      });
      await this.record(ticket.reference, 'notification', undefined, { state: ticket.state, channelId: ticket.requester.channelId, ok: true });
    } catch (error) {
      this.deps.log.warn({ reference: ticket.reference, err: { name: (error as Error).name } }, 'could not notify the requester');
      await this.record(ticket.reference, 'notification', undefined, { state: ticket.state, ok: false });
    }
  }

  /**
   * The periodic sweep, one pass over the open requests: expires the overdue and recovers the
   * interrupted. Safe on every instance at once: an eTag-checked transition lets one instance win
   * each ticket, and only the winner notifies.
   */
  async sweep(): Promise<{ expired: number; recovered: number }> {
    const counts = { expired: 0, recovered: 0 };
    for (const ticket of await this.openTickets()) {
      if (await this.expireIfDue(ticket)) counts.expired += 1;
      else if (await this.recoverIfInterrupted(ticket)) counts.recovered += 1;
    }
    return counts;
  }

  /** Expires pending requests past their time (the sweep's first half). */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (const ticket of await this.openTickets()) if (await this.expireIfDue(ticket)) expired += 1;
    return expired;
  }

  /** Settles approvals cut off by their instance stopping (the sweep's second half). */
  async recoverInterrupted(): Promise<number> {
    let recovered = 0;
    for (const ticket of await this.openTickets()) if (await this.recoverIfInterrupted(ticket)) recovered += 1;
    return recovered;
  }

  private async openTickets(): Promise<Ticket[]> {
    const tickets = await Promise.all((await this.deps.store.openReferences()).map((reference) => this.deps.store.get(reference)));
    return tickets.filter((t): t is Ticket => t !== undefined);
  }

  private async expireIfDue(ticket: Ticket): Promise<boolean> {
    if (ticket.state !== 'pending' || Date.parse(ticket.expiresAt) > this.deps.clock.now().getTime()) return false;
    const outcome = await this.deps.store.update(ticket.reference, (t) => applyEvent(t, { type: 'expire', at: this.deps.clock.now() }));
    if (!outcome.won) return false;
    await this.record(ticket.reference, 'expiry', undefined, { expiresAt: ticket.expiresAt });
    await this.afterDecision(outcome.ticket, {});
    return true;
  }

  /**
   * An approval whose instance died between the approval and its outcome (kill -9, a crash, a
   * redeploy that did not drain). Left alone it would say "being carried out" for ever and block
   * the account from new requests. What Graph shows decides: a replaced mobile that is there is
   * completed; anything else fails as interrupted, so the account is free for a new request. A
   * pass that no admin ever saw is not reissued: that takes a new approval.
   */
  private async recoverIfInterrupted(ticket: Ticket): Promise<boolean> {
    const { store, clock, directory } = this.deps;
    const decision = ticket.decision;
    if (ticket.state !== 'approved' || !decision || Date.parse(decision.at) > clock.now().getTime() - INTERRUPTED_AFTER_MS) return false;
    const target = await this.lookUpTarget(ticket);
    let done = false;
    if (decision.action === 'replace-mobile' && target.profile) {
      try {
        done = (await directory.methods(target.profile.user.id)).mobile?.e164 === ticket.newMobileE164;
      } catch {
        return false; // Graph unreachable: the next sweep decides
      }
    }
    const event: TicketEvent = done
      ? { type: 'complete', requestIds: [], at: clock.now() }
      : { type: 'fail', code: 'interrupted', message: this.t('helpdesk.interrupted'), requestIds: [], at: clock.now() };
    const outcome = await store.update(ticket.reference, (t) => applyEvent(t, event));
    if (!outcome.won) return false;
    await this.record(ticket.reference, done ? 'completed' : 'failed', undefined, { recovered: true, action: decision.action ?? null });
    await this.afterDecision(outcome.ticket, target);
    return true;
  }

  /** The audit trail of one request, oldest first: what an auditor asks for by reference. */
  audit(reference: string): Promise<AuditRecord[]> {
    return this.deps.audit.list(reference);
  }

  // ---- views ------------------------------------------------------------------------------------

  private async lookUpTarget(ticket: Ticket): Promise<TargetLookup> {
    try {
      const id = ticket.target.objectId ?? ticket.target.signInAddress!;
      const user = await this.deps.directory.findUser(id);
      if (!user) return {};
      const [profile, methods] = await Promise.all([this.deps.directory.targetProfile(user.id), this.deps.directory.methods(user.id)]);
      return { profile, methods };
    } catch (error) {
      this.deps.log.warn({ reference: ticket.reference, err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'could not look up the target account');
      return {};
    }
  }

  /**
   * The card: `shared` is what the channel sees (number masked, a button for approvers to open
   * their own view); `approver` adds the full number and, while pending, the actions.
   */
  card(ticket: Ticket, target: TargetLookup, view: 'shared' | 'approver'): CardAttachment {
    const t = (key: string, vars?: Vars) => this.t(key, vars);
    const pending = ticket.state === 'pending';
    const when = (iso?: string) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '');
    const decision = ticket.decision;
    const status = t(`helpdesk.status.${ticket.state}`, {
      by: decision?.byName ?? decision?.by ?? '',
      at: when(ticket.result?.at ?? decision?.at ?? ticket.updatedAt),
      action: decision?.action ? t(`helpdesk.actions.${decision.action}`) : '',
      reason: ticket.state === 'failed' ? (ticket.result?.message ?? '') : (decision?.reason ?? ''),
    });
    const admin = target.profile ? (target.profile.isAdmin ? 'yes' : 'no') : 'unknown';
    const facts: CardData['helpdeskRequest']['facts'] = [
      { label: t('helpdesk.facts.account'), value: this.accountLabel(ticket) },
      { label: t('helpdesk.facts.verification'), value: t(`helpdesk.assurance.${ticket.requester.assurance}`) },
      { label: t('helpdesk.facts.admin'), value: t(`helpdesk.admin.${admin}`) },
      view === 'approver'
        ? { label: t('helpdesk.fullNumber'), value: ticket.newMobileE164 }
        : { label: t('helpdesk.facts.newNumber'), value: maskPhoneNumber(ticket.newMobileE164) },
      { label: t('helpdesk.facts.fix'), value: t(`intake.fix.${ticket.requestedFix}`) },
      { label: t('helpdesk.facts.created'), value: when(ticket.createdAt) },
      { label: t('helpdesk.facts.expires'), value: when(ticket.expiresAt) },
      ...(ticket.duplicateOf ? [{ label: t('helpdesk.facts.duplicateOf'), value: ticket.duplicateOf }] : []),
    ];
    const methods = target.methods
      ? [
          ...target.methods.phones.map((p) => `- ${t(`methods.${p.type}`, { masked: p.masked })}`),
          ...[...new Set(target.methods.otherSecondFactors)].map((k) => `- ${t(`methods.${k}`)}`),
        ]
      : [];
    return renderCard('helpdeskRequest', {
      reference: ticket.reference,
      title: t('helpdesk.title', { reference: ticket.reference }) + (view === 'approver' ? ` · ${t('helpdesk.approverView')}` : ''),
      status,
      statusColor: pending ? 'Attention' : ticket.state === 'completed' ? 'Good' : 'Warning',
      facts,
      methodsTitle: t('helpdesk.methodsTitle'),
      methods,
      checklistTitle: t('helpdesk.checklistTitle'),
      checklist: this.deps.localizer.list(this.deps.settings.language, 'helpdesk.checklist').map((line) => `- ${line}`),
      showActions: view === 'approver' && pending,
      showDetails: view === 'shared' && isOpen(ticket),
      refreshUserIds: view === 'shared' && isOpen(ticket) ? this.deps.settings.approverIds : [],
      labels: {
        replaceMobile: t('helpdesk.labels.replaceMobile'),
        issueTap: t('helpdesk.labels.issueTap'),
        reRegister: t('helpdesk.labels.reRegister'),
        deny: t('helpdesk.labels.deny'),
        denyReason: t('helpdesk.labels.denyReason'),
        denyReasonRequired: t('helpdesk.labels.denyReasonRequired'),
        denyConfirm: t('helpdesk.labels.denyConfirm'),
        details: t('helpdesk.labels.details'),
      },
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private attempt(context: TurnContext) {
    const activity = context.activity;
    return {
      channelId: activity.channelId,
      conversationId: activity.conversation?.id ?? '',
      tenantId: (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? activity.conversation?.tenantId,
      approverObjectId: activity.from?.aadObjectId,
      authenticated: isChannelAuthenticated(context),
    };
  }

  private async refuse(ticket: Ticket, approver: string | undefined, verb: string, refusal: Refusal): Promise<AdaptiveCardInvokeResponse> {
    await this.record(ticket.reference, 'refusal', approver, { verb, refusal });
    return this.message(this.t(`helpdesk.refusal.${refusal}`), 403);
  }

  private accountLabel(ticket: Ticket): string {
    return ticket.target.signInAddress ?? ticket.target.objectId ?? '';
  }

  private t(key: string, vars?: Vars, raw?: readonly string[]): string {
    return this.deps.localizer.t(this.deps.settings.language, key, vars, raw);
  }

  private channelReference(channel: { conversationId: string; serviceUrl: string }): Partial<ConversationReference> {
    return {
      channelId: 'msteams',
      serviceUrl: channel.serviceUrl,
      conversation: { id: channel.conversationId, isGroup: true, conversationType: 'channel', name: '' },
      bot: { id: this.deps.settings.botAppId, name: '' },
    };
  }

  private requesterReference(to: ReplyAddress): Partial<ConversationReference> {
    return {
      channelId: to.channelId,
      serviceUrl: to.serviceUrl,
      conversation: { id: to.conversationId, isGroup: false, conversationType: 'personal', name: '', tenantId: to.tenantId },
      user: { id: to.userId, name: '' },
      bot: { id: to.botId ?? this.deps.settings.botAppId, name: '' },
    };
  }

  private cardResponse(card: CardAttachment): AdaptiveCardInvokeResponse {
    return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card.content };
  }

  /** A refusal or bad input: Teams shows the message to the clicking user only. */
  private message(text: string, statusCode = 200): AdaptiveCardInvokeResponse {
    if (statusCode === 200) {
      // Teams expects the text itself as the value of a message response; the SDK types it as an object.
      return { statusCode, type: 'application/vnd.microsoft.activity.message', value: text as unknown as Record<string, unknown> };
    }
    const code = statusCode === 403 ? 'Forbidden' : statusCode === 404 ? 'NotFound' : 'BadRequest';
    return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message: text } };
  }

  private async record(reference: string, kind: AuditKind, actor: string | undefined, detail: AuditRecord['detail']): Promise<void> {
    try {
      await this.deps.audit.append({ reference, at: this.deps.clock.now().toISOString(), kind, ...(actor ? { actor } : {}), detail });
    } catch (error) {
      // The audit must not silently lose a record, but neither may a full store stop an action
      // that already happened: the structured log carries it, loudly.
      this.deps.log.error({ reference, audit: kind, err: { name: (error as Error).name } }, 'AUDIT WRITE FAILED');
    }
  }
}
