/**
 * The helpdesk's decisions and Graph actions: takes a work/school request from the conversation
 * (EscalationPort), posts it to the helpdesk channel as a Universal Actions card, and decides
 * the admins' clicks: policy first, then the directory's role checks, then exactly one Graph
 * action (the ticket store's eTag decides who won), then the card is updated in place for
 * everyone, the requester is told in their own conversation, and every step is audited.
 *
 * No botbuilder here: Teams is reached through the TeamsPort (port.ts), and a click arrives as
 * plain data (teams.ts parses the invoke), so this runs, and is tested, on fakes.
 *
 * Secrets stay out of reach: the channel card shows the number masked (the full number is in the
 * approver's own view only); a Temporary Access Pass exists only in the answer to the approving
 * admin, never in the channel, the logs, the audit or the ticket.
 */
import { renderCard, type CardAttachment, type CardData } from '../../cards/render';
import { isObjectId, refuseAfterLookup, refuseBeforeLookup, type ApprovalSettings, type Refusal } from '../core/approvalPolicy';
import {
  decide,
  evidenceOf,
  refuseOverride,
  sameId,
  type EvidenceRefusal,
  type ManagerAnswer,
  type ManagerConfirmationSetting,
  type ManagerUnavailable,
  type PolicyAction,
  type PolicyDecision,
} from '../core/assurance';
import { redactDetail, type AuditKind, type AuditPort, type AuditRecord } from '../core/audit';
import {
  DirectoryError,
  type ApproverRole,
  type DirectoryPort,
  type DirectoryUser,
  type GraphWrite,
  type ReRegistrationDone,
  type TemporaryAccessPassIssued,
} from '../core/directory';
import { escapeMarkup, type Localizer, type Vars } from '../core/i18n';
import { maskPhoneNumber } from '../core/phone';
import { phoneSignIn, type PhoneSignInSetting } from '../core/phoneSignIn';
import {
  EscalationRefused,
  type Clock,
  type EscalationDraft,
  type EscalationPort,
  type EscalationReceipt,
  type Log,
  type RequestSummary,
  type RequestTracker,
} from '../core/ports';
import { isReference, newReference } from '../core/reference';
import { applyEvent, isOpen, newTicket, postIsDue, type AdminAction, type ChangedMethod, type Ticket, type TicketChanges, type TicketEvent } from '../core/tickets';
import type { HelpdeskChannelStore } from '../infra/helpdeskChannel';
import type { Notice, NoticeOutbox } from '../infra/noticeOutbox';
import { TicketLimitError, type TicketStore, type TrippedCap } from '../infra/ticketStore';
import { accountLabel, formatUtc, helpdeskCard, withBanner, type CardView, type TargetLookup } from './cards';
import { ProactiveSendError, type CardClick, type ChannelAddress, type ClickAnswer, type Clicker, type SendOutcome, type TeamsPort } from './port';

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
  /** The language of the helpdesk's cards and messages. */
  language: string;
  /**
   * Whether text and voice codes reach a phone (PHONE_SIGN_IN): the card warns before "Replace
   * mobile number" where a new number would not let the person sign in. Default 'microsoft'.
   */
  phoneSignIn?: PhoneSignInSetting;
  /**
   * REQUIRE_MANAGER_CONFIRMATION (src/core/assurance.ts): when a pass or a new mobile needs the
   * manager's "Yes" or an approver's written override. Default 'unverified'.
   */
  requireManagerConfirmation?: ManagerConfirmationSetting;
}

/** What one admin action did; `partial` when only part of it was done, and why the rest was not. */
interface Performed {
  changes?: TicketChanges;
  partial?: { code: string; message?: string; requestId?: string };
}

export interface HelpdeskDeps {
  /** Every post, card update and notification to Teams, each reporting its real outcome. */
  teams: TeamsPort;
  /** Requester notifications that failed, for the sweep to try again. */
  notices: NoticeOutbox;
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
const OVERRIDE_VERB = 'override';

export class HelpdeskService implements EscalationPort, RequestTracker {
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
        return { reference: earlier, delivery: existing?.helpdeskPost ? 'helpdesk-notified' : existing?.postRetry ? 'retrying' : 'recorded' };
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
    const audited = await this.record(ticket.reference, 'request', undefined, {
      channelId: ticket.requester.channelId,
      assurance: ticket.requester.assurance,
      fix: ticket.requestedFix,
      newMobile: maskPhoneNumber(ticket.newMobileE164),
      target: ticket.target.objectId ?? ticket.target.signInAddress ?? null,
      duplicateOf: ticket.duplicateOf ?? null,
    });
    if (!audited) await this.withdrawUnaudited(ticket, draft.submissionId);
    const channel = await this.channel();
    let delivery: EscalationReceipt['delivery'] = 'recorded';
    if (!channel) {
      // Nowhere to post yet (a team not installed in): the sweep posts it once there is.
      await this.record(ticket.reference, 'posted', undefined, { ok: false, error: 'no-helpdesk-channel', attempt: 0 });
    } else {
      delivery = (await this.post(ticket, channel, false)) ? 'helpdesk-notified' : 'retrying';
      await this.askManager(ticket.reference, channel);
    }
    // After its own card, so the duplicate reaches the helpdesk first and the warning follows.
    if (ticket.duplicateOf) await this.noteDuplicate(ticket.duplicateOf, ticket.reference);
    return { reference: ticket.reference, delivery };
  }

  /**
   * Warns whoever decides the original that someone else asked about the same account: listed on
   * the original (its card updated in place) and audited there. Best effort, and never a reason
   * to fail the duplicate, which already names its original.
   */
  private async noteDuplicate(original: string, duplicate: string): Promise<void> {
    try {
      const outcome = await this.deps.store.update(original, (t) => applyEvent(t, { type: 'duplicate-received', reference: duplicate, at: this.deps.clock.now() }));
      if (!outcome.won) return;
      await this.record(original, 'duplicate-received', undefined, { duplicate });
      await this.updateSharedCard(outcome.ticket, await this.lookUpTarget(outcome.ticket));
    } catch (error) {
      // Closed meanwhile (InvalidTransition), or the store failed: the duplicate's own card still says it.
      this.deps.log.warn({ reference: original, duplicate, err: { name: (error as Error).name } }, 'could not note a later duplicate on its original');
    }
  }

  /** A request with no 'request' record has no trail: it is withdrawn, and the person is told it failed. */
  private async withdrawUnaudited(ticket: Ticket, submissionId: string | undefined): Promise<never> {
    const { store, clock, log } = this.deps;
    await store.update(ticket.reference, (t) => applyEvent(t, { type: 'cancel', at: clock.now() })).catch(() => undefined);
    if (submissionId) await store.releaseSubmission(submissionId).catch(() => undefined);
    log.error({ reference: ticket.reference }, 'request withdrawn: its audit record could not be written');
    throw new AuditUnavailable(ticket.reference);
  }

  /**
   * Posts the shared card and says whether it reached the channel. A failed first post counts
   * as the first try (`claimed` is false); the sweep claims each later try before making it.
   */
  private async post(ticket: Ticket, channel: ChannelAddress, claimed: boolean): Promise<boolean> {
    const { store, clock, log, teams } = this.deps;
    const card = this.card(ticket, await this.lookUpTarget(ticket), 'shared');
    const sent = await teams.postCard(channel, card);
    const activityId = sent.ok ? sent.activityId : undefined;
    if (!activityId) {
      // A card without an id could never be updated in place: not a posting to count as done.
      const error = sent.ok ? new ProactiveSendError('the channel returned no activity id') : sent.error;
      log.error({ reference: ticket.reference, err: { name: error.name, message: error.message } }, 'could not post to the helpdesk channel');
      let attempts = ticket.postRetry?.attempts ?? 1;
      if (!claimed) {
        const counted = await store.update(ticket.reference, (t) => applyEvent(t, { type: 'post-attempt', at: clock.now() })).catch(() => undefined);
        attempts = counted?.ticket.postRetry?.attempts ?? attempts;
      }
      await this.record(ticket.reference, 'posted', undefined, { ok: false, error: error.name, attempt: attempts });
      return false;
    }
    const post = { activityId, conversationId: channel.conversationId, serviceUrl: channel.serviceUrl };
    // The card is in the channel whatever the store says next: a failure to note where is logged,
    // and the worst it costs is a second card from the sweep, never a request nobody saw.
    await store
      .update(ticket.reference, (t) => applyEvent(t, { type: 'posted', post, at: clock.now() }))
      .catch((error: unknown) => log.error({ reference: ticket.reference, err: { name: (error as Error).name } }, 'card posted, but the request could not note where'));
    await this.record(ticket.reference, 'posted', undefined, { ok: true, conversation: 'helpdesk', activityId });
    return true;
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
      const sent = await this.deps.teams.postText(channel, text);
      if (!sent.ok) throw sent.error;
      this.deps.log.warn({ cap: cap.kind, limit: cap.limit }, 'request cap reached; the helpdesk channel was told');
    } catch (error) {
      this.deps.log.warn({ cap: cap.kind, err: { name: (error as Error).name } }, 'request cap reached; could not tell the helpdesk channel');
    }
  }

  // ---- where the helpdesk is ---------------------------------------------------------------------

  /** The configured channel, else the one captured when the bot joined the configured team. */
  private async channel(): Promise<ChannelAddress | undefined> {
    return this.deps.settings.channel ?? (await this.deps.channels.get());
  }

  /**
   * The bot was added to a team in Teams (teams.ts reads the installation event): when it is the
   * configured team and no channel is configured, that team's General channel becomes the
   * helpdesk channel.
   */
  async installedInTeam(installedTeamId: string | undefined, serviceUrl: string): Promise<boolean> {
    const { teamId, channel } = this.deps.settings;
    if (channel || !teamId || installedTeamId !== teamId) return false;
    // A team's General channel has the team's own id as its conversation id.
    await this.deps.channels.set({ conversationId: teamId, serviceUrl });
    this.deps.log.info({ team: teamId }, 'helpdesk channel captured from the team installation');
    return true;
  }

  // ---- the manager's confirmation and "was this you?" (1:1 cards in Teams) --------------------

  /**
   * Asks the target's manager, from the directory only (the requester never names the manager), in
   * a 1:1 Teams chat created by object id. Records why nobody could be asked otherwise. Never
   * throws: the request stands whatever happens here, with the evidence the card shows.
   */
  private async askManager(reference: string, channel: ChannelAddress): Promise<void> {
    const { directory, log, clock } = this.deps;
    try {
      const ticket = await this.deps.store.get(reference);
      // Asked once; again only when Teams could not reach the manager (the sweep's repost, after an outage).
      if (!ticket || ticket.state !== 'pending' || (ticket.manager && !(ticket.manager.status === 'unavailable' && ticket.manager.reason === 'unreachable'))) return;
      const user = await directory.findUser(ticket.target.objectId ?? ticket.target.signInAddress!);
      if (!user) return; // no such account: nothing to confirm, and nobody to tell
      let manager: DirectoryUser | undefined;
      try {
        manager = await directory.manager(user.id);
      } catch (error) {
        log.warn({ reference, err: { name: (error as Error).name } }, 'could not look up the manager');
        await this.managerUnavailable(ticket, 'unreachable');
        return;
      }
      if (!manager) return void (await this.managerUnavailable(ticket, 'no-manager'));
      if (sameId(manager.id, ticket.requester.objectId) || sameId(manager.id, user.id)) return void (await this.managerUnavailable(ticket, 'is-requester'));

      const asked = await this.deps.store.update(reference, (t) => applyEvent(t, { type: 'manager-asked', managerObjectId: manager.id, at: clock.now() }));
      if (!asked.won) return;
      await this.record(reference, 'manager-asked', undefined, { manager: manager.id, requester: ticket.requester.assurance });
      const card = renderCard('managerConfirmation', await this.managerCardData(asked.ticket, user, ''));
      const sent = await this.deps.teams.messageUserById({ objectId: manager.id, tenantId: this.tenantFor(ticket), serviceUrl: channel.serviceUrl }, { card });
      if (!sent.ok) {
        log.warn({ reference, err: { name: sent.error.name } }, 'could not reach the manager in Teams');
        await this.managerUnavailable(asked.ticket, 'unreachable', sent.error.name);
        return;
      }
      await this.updateSharedCard(asked.ticket, await this.lookUpTarget(asked.ticket));
    } catch (error) {
      log.error({ reference, err: { name: (error as Error).name } }, 'could not ask the manager');
    }
  }

  private async managerUnavailable(ticket: Ticket, reason: ManagerUnavailable, error?: string): Promise<void> {
    const outcome = await this.deps.store.update(ticket.reference, (t) => applyEvent(t, { type: 'manager-unavailable', reason, at: this.deps.clock.now() }));
    if (!outcome.won) return;
    await this.record(ticket.reference, 'manager-unavailable', undefined, { reason, ...(error ? { error } : {}) });
    await this.updateSharedCard(outcome.ticket, await this.lookUpTarget(outcome.ticket));
  }

  /** The tenant of the 1:1 chats: the bot's own, else the Teams requester's. */
  private tenantFor(ticket: Ticket): string | undefined {
    return this.deps.settings.tenantId?.trim() || ticket.requester.replyTo.tenantId;
  }

  /** What the manager sees: whose account, who asks and how, the question or the recorded answer. */
  private async managerCardData(ticket: Ticket, user: DirectoryUser, status: string): Promise<CardData['managerConfirmation']> {
    const name = escapeMarkup(user.displayName || user.userPrincipalName);
    let askedBy = this.t('helpdesk.managerCard.askedByWeb');
    if (ticket.requester.assurance !== 'unverified') {
      const requester = ticket.requester.objectId ? await this.deps.directory.findUser(ticket.requester.objectId).catch(() => undefined) : undefined;
      askedBy = requester ? this.t('helpdesk.managerCard.askedByTeams', { name: requester.displayName }) : this.t('helpdesk.managerCard.askedByTeamsUnknown');
    }
    return {
      reference: ticket.reference,
      title: this.t('helpdesk.managerCard.title', { name }, ['name']),
      text: this.t('helpdesk.managerCard.text', { name, reference: ticket.reference }, ['name']),
      facts: [
        { label: this.t('helpdesk.managerCard.account'), value: escapeMarkup(`${user.displayName} (${user.userPrincipalName})`) },
        { label: this.t('helpdesk.managerCard.askedBy'), value: askedBy },
        { label: this.t('helpdesk.managerCard.reference'), value: ticket.reference },
      ],
      question: status ? '' : this.t('helpdesk.managerCard.question', { name }, ['name']),
      status,
      showActions: !status,
      labels: { yes: this.t('helpdesk.managerCard.yes'), no: this.t('helpdesk.managerCard.no') },
    };
  }

  /** A click on a 1:1 card: the manager's answer (managerYes/managerNo) or the owner's "This wasn't me" (notMe). */
  async onPersonalAction(click: CardClick): Promise<ClickAnswer> {
    const reference = typeof click.data.reference === 'string' ? click.data.reference.trim().toUpperCase() : '';
    if (!isReference(reference) || !['managerYes', 'managerNo', 'notMe'].includes(click.verb)) return this.message(this.t('helpdesk.badAction'), 400);
    const ticket = await this.deps.store.get(reference);
    if (!ticket) return this.message(this.t('helpdesk.unknownRequest', { reference }), 404);
    return click.verb === 'notMe' ? this.ownerSaysNotMe(ticket, click) : this.managerAnswers(ticket, click, click.verb === 'managerYes' ? 'yes' : 'no');
  }

  /** Teams vouches for the person clicking (local mode: the sandbox trusts the claims), in our tenant. */
  private vouchedFor(by: Clicker): string | undefined {
    const { settings } = this.deps;
    if (by.channelId !== 'msteams' || !by.objectId || !isObjectId(by.objectId)) return undefined;
    if (!by.authenticated && !settings.localMode) return undefined;
    if (settings.tenantId?.trim() && !sameId(by.tenantId, settings.tenantId)) return undefined;
    return by.objectId;
  }

  private async managerAnswers(ticket: Ticket, click: CardClick, answer: ManagerAnswer): Promise<ClickAnswer> {
    const { store, clock, directory } = this.deps;
    const by = this.vouchedFor(click.by);
    const user = await directory.findUser(ticket.target.objectId ?? ticket.target.signInAddress!).catch(() => undefined);
    const answerCard = async (t: Ticket, status: string) =>
      this.cardResponse(user ? renderCard('managerConfirmation', await this.managerCardData(t, user, status)) : renderCard('managerConfirmation', this.bareManagerCard(t, status)));
    if (!by) {
      await this.record(ticket.reference, 'refusal', click.by.objectId, { verb: click.verb, refusal: 'manager-not-vouched' });
      return answerCard(ticket, this.t('helpdesk.managerCard.notTeams'));
    }
    if (ticket.manager?.status === 'answered') return answerCard(ticket, this.t('helpdesk.managerCard.alreadyAnswered'));
    if (ticket.manager?.status !== 'asked' || !sameId(by, ticket.manager.managerObjectId)) {
      await this.record(ticket.reference, 'refusal', by, { verb: click.verb, refusal: 'not-the-manager-asked' });
      return answerCard(ticket, this.t('helpdesk.managerCard.notAsked'));
    }
    const outcome = await store.update(ticket.reference, (t) => applyEvent(t, { type: 'manager-answer', by, answer, at: clock.now() })).catch(() => undefined);
    if (!outcome?.won) return answerCard(outcome?.ticket ?? ticket, this.t('helpdesk.managerCard.alreadyAnswered'));
    await this.record(ticket.reference, 'manager-answer', by, { answer, state: outcome.ticket.state });
    const target = await this.lookUpTarget(outcome.ticket);
    await this.updateSharedCard(outcome.ticket, target);
    if (answer === 'no') await this.alertChannel(outcome.ticket, 'helpdesk.alert.managerNo', user, by);
    return answerCard(outcome.ticket, this.t(answer === 'yes' ? 'helpdesk.managerCard.recordedYes' : 'helpdesk.managerCard.recordedNo'));
  }

  /** The manager's card when the account can no longer be looked up: the answer still counts. */
  private bareManagerCard(ticket: Ticket, status: string): CardData['managerConfirmation'] {
    return {
      reference: ticket.reference,
      title: this.t('helpdesk.managerCard.reference'),
      text: ticket.reference,
      facts: [],
      question: '',
      status,
      showActions: false,
      labels: { yes: this.t('helpdesk.managerCard.yes'), no: this.t('helpdesk.managerCard.no') },
    };
  }

  /** A line about this request to the helpdesk channel, audited; best effort. */
  private async alertChannel(ticket: Ticket, key: string, user: DirectoryUser | undefined, by: string): Promise<boolean> {
    const channel = await this.channel();
    const account = user ? `${user.displayName} (${user.userPrincipalName})` : accountLabel(ticket);
    const sent = channel ? await this.deps.teams.postText(channel, this.t(key, { reference: ticket.reference, account })) : undefined;
    const ok = Boolean(sent?.ok);
    if (!ok) this.deps.log.error({ reference: ticket.reference, alert: key }, 'could not alert the helpdesk channel');
    await this.record(ticket.reference, 'alert', by, { alert: key.split('.').pop()!, ok, ...(sent && !sent.ok ? { error: sent.error.name } : {}) });
    return ok;
  }

  /**
   * "Was this you?" after a change: a 1:1 card to the account's owner (with "This wasn't me") and
   * one to their manager, by object id, through Teams: channels the requester may not control.
   */
  private async tellOwner(ticket: Ticket, target: TargetLookup): Promise<void> {
    const changed = ticket.state === 'completed' || (ticket.state === 'failed' && ticket.result?.code === 'partial');
    const user = target.profile?.user;
    if (!changed || !user) return;
    try {
      const channel = await this.channel();
      if (!channel) return;
      const manager = await this.deps.directory.manager(user.id).catch(() => undefined);
      const to = (objectId: string) => ({ objectId, tenantId: this.tenantFor(ticket), serviceUrl: channel.serviceUrl });
      const ownerCard = renderCard('wasThisYou', this.wasThisYouData(ticket, user, 'owner', '', 'Default'));
      const sent = await this.deps.teams.messageUserById(to(user.id), { card: ownerCard });
      await this.record(ticket.reference, 'owner-notice', undefined, { to: 'owner', ok: sent.ok, ...(sent.ok ? {} : { error: sent.error.name }) });
      if (manager && !sameId(manager.id, user.id)) {
        const managerCard = renderCard('wasThisYou', this.wasThisYouData(ticket, user, 'manager', '', 'Default'));
        const toManager = await this.deps.teams.messageUserById(to(manager.id), { card: managerCard });
        await this.record(ticket.reference, 'owner-notice', undefined, { to: 'manager', manager: manager.id, ok: toManager.ok, ...(toManager.ok ? {} : { error: toManager.error.name }) });
      }
    } catch (error) {
      this.deps.log.error({ reference: ticket.reference, err: { name: (error as Error).name } }, 'could not tell the owner about the change');
    }
  }

  private wasThisYouData(
    ticket: Ticket,
    user: DirectoryUser,
    who: 'owner' | 'manager',
    status: string,
    statusColor: CardData['wasThisYou']['statusColor'],
  ): CardData['wasThisYou'] {
    const lang = this.deps.settings.language;
    const name = escapeMarkup(user.displayName || user.userPrincipalName);
    const what = this.t(`helpdesk.ownerNotice.what.${ticket.decision?.action ?? 'replace-mobile'}`);
    return {
      reference: ticket.reference,
      title: this.t('helpdesk.ownerNotice.title'),
      text: who === 'owner' ? this.t('helpdesk.ownerNotice.textOwner', { what }) : this.t('helpdesk.ownerNotice.textManager', { name, what, reference: ticket.reference }, ['name']),
      facts: [
        { label: this.t('helpdesk.ownerNotice.account'), value: escapeMarkup(`${user.displayName} (${user.userPrincipalName})`) },
        { label: this.t('helpdesk.ownerNotice.when'), value: formatUtc(ticket.updatedAt, lang, true) },
        { label: this.t('helpdesk.ownerNotice.reference'), value: ticket.reference },
      ],
      status,
      statusColor,
      showAction: who === 'owner' && !status,
      label: this.t('helpdesk.ownerNotice.notMe'),
    };
  }

  /**
   * The owner's "This wasn't me" (Teams-authenticated, the account itself): the sessions are
   * revoked at once, the request is marked disputed, the helpdesk channel gets an urgent alert,
   * all audited. Anyone else is refused with a card.
   */
  private async ownerSaysNotMe(ticket: Ticket, click: CardClick): Promise<ClickAnswer> {
    const { store, clock, directory, log } = this.deps;
    const by = this.vouchedFor(click.by);
    const user = await directory.findUser(ticket.target.objectId ?? ticket.target.signInAddress!).catch(() => undefined);
    const answer = (status: string, color: CardData['wasThisYou']['statusColor']) =>
      this.cardResponse(
        renderCard(
          'wasThisYou',
          user
            ? this.wasThisYouData(ticket, user, 'owner', status, color)
            : { reference: ticket.reference, title: this.t('helpdesk.ownerNotice.title'), text: '', facts: [], status, statusColor: color, showAction: false, label: '' },
        ),
      );
    if (!by || !user || !sameId(by, user.id)) {
      await this.record(ticket.reference, 'refusal', click.by.objectId, { verb: 'notMe', refusal: 'not-the-owner' });
      return answer(this.t('helpdesk.ownerNotice.notOwner'), 'Attention');
    }
    const outcome = await store.update(ticket.reference, (t) => applyEvent(t, { type: 'dispute', by, at: clock.now() })).catch(() => undefined);
    if (!outcome?.won) return answer(this.t('helpdesk.ownerNotice.already', { reference: ticket.reference }), 'Warning');
    await this.record(ticket.reference, 'dispute', by, { state: outcome.ticket.state });
    let revoked = false;
    try {
      const result = await directory.revokeSessions(user.id);
      revoked = result.revoked;
      await this.record(ticket.reference, 'sessions-revoked', by, { ok: revoked, requestIds: idsOf(result.writes).join(' ') || null });
    } catch (error) {
      const failure = error instanceof DirectoryError ? error : new DirectoryError('unavailable', (error as Error).message);
      log.error({ reference: ticket.reference, err: { name: failure.name, code: failure.code } }, 'could not revoke the sessions after "This wasn\'t me"');
      await this.record(ticket.reference, 'sessions-revoked', by, { ok: false, code: failure.code, requestId: failure.details.requestId ?? null });
    }
    await this.alertChannel(outcome.ticket, revoked ? 'helpdesk.alert.notMe' : 'helpdesk.alert.notMeNotRevoked', user, by);
    await this.updateSharedCard(outcome.ticket, await this.lookUpTarget(outcome.ticket));
    return revoked
      ? answer(this.t('helpdesk.ownerNotice.done', { reference: ticket.reference }), 'Good')
      : answer(this.t('helpdesk.ownerNotice.doneNotRevoked', { reference: ticket.reference }), 'Attention');
  }

  // ---- the requester's own questions ----------------------------------------------------------

  async latest(conversationId: string): Promise<RequestSummary | undefined> {
    const ticket = await this.deps.store.latestForConversation(conversationId);
    return ticket ? { reference: ticket.reference, state: ticket.state, reachedHelpdesk: Boolean(ticket.helpdeskPost) } : undefined;
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

  /** One admin's click on a helpdesk card; the answer is shown to that admin only. */
  async onCardAction(click: CardClick): Promise<ClickAnswer> {
    const { verb, data } = click;
    const reference = typeof data.reference === 'string' ? data.reference.trim().toUpperCase() : '';
    if (!isReference(reference) || (!VIEW_VERBS.has(verb) && verb !== 'deny' && verb !== OVERRIDE_VERB && !VERB_ACTIONS[verb])) {
      return this.message(this.t('helpdesk.badAction'), 400);
    }
    const ticket = await this.deps.store.get(reference);
    if (!ticket) return this.message(this.t('helpdesk.unknownRequest', { reference }), 404);

    const approver = click.by.objectId;
    const channel = await this.channel();
    const refusal = refuseBeforeLookup(attempt(click.by), ticket, { ...this.deps.settings, helpdeskConversationId: channel?.conversationId });
    // Refused before any directory lookup: the shared card (no full number) with the reason.
    if (refusal) return this.refuse(ticket, approver, verb, refusal, { notLookedUp: true }, 'shared');

    const target = await this.lookUpTarget(ticket);
    if (!target.profile) {
      if (VIEW_VERBS.has(verb) || !isOpen(ticket)) return this.cardResponse(this.card(ticket, target, 'shared'));
      return this.message(this.t('helpdesk.targetNotFound', { account: accountLabel(ticket) || this.t('helpdesk.accountUnknown') }));
    }
    const check = await this.deps.directory.checkApprover(approver!, target.profile);
    const roleRefusal = refuseAfterLookup(check, target.profile, approver);
    if (roleRefusal) {
      // Someone merely looking gets the shared card back; someone trying to act is told why.
      if (VIEW_VERBS.has(verb)) return this.cardResponse(this.card(ticket, target, 'shared'));
      return this.refuse(ticket, approver, verb, roleRefusal, target, 'shared');
    }
    // An approver from here on. A stale card, or a click after another admin's, shows the current state.
    const by = { objectId: approver!, role: check.role };
    const openOriginal = ticket.state === 'pending' ? await this.openOriginal(ticket) : undefined;
    if (VIEW_VERBS.has(verb) || ticket.state !== 'pending') return this.cardResponse(this.approverCard(ticket, target, by, openOriginal));

    const byName = click.by.name;
    if (verb === OVERRIDE_VERB) return this.override(ticket, target, by, byName, data.overrideReason ?? data.reason, openOriginal);
    // The evidence policy (assurance.ts), after the role checks: what the evidence allows this approver.
    const action: PolicyAction = verb === 'deny' ? 'deny' : VERB_ACTIONS[verb]!;
    const decision = this.decide(ticket, target, by, action, openOriginal);
    if (decision.verdict !== 'allow') return this.refuse(ticket, approver, verb, decision.code, target, 'approver', { by, level: decision.level, openOriginal });
    if (verb === 'deny') return this.deny(ticket, target, approver!, byName, data.reason);
    return this.approve(ticket, target, approver!, byName, VERB_ACTIONS[verb]!);
  }

  /**
   * A duplicate's original, when it is still open (or cannot be read: failing closed). The
   * duplicate waits for it: see Evidence.openOriginal.
   */
  private async openOriginal(ticket: Ticket): Promise<string | undefined> {
    const reference = ticket.duplicateOf;
    if (!reference) return undefined;
    try {
      const original = await this.deps.store.get(reference);
      // Gone (removed by retention) is closed.
      return original && isOpen(original) ? reference : undefined;
    } catch {
      return reference;
    }
  }

  /** What the evidence on this ticket allows this approver to do. */
  private decide(ticket: Ticket, target: TargetLookup, by: PolicyApprover, action: PolicyAction, openOriginal: string | undefined): PolicyDecision {
    return decide({
      evidence: evidenceOf(ticket, this.deps.settings.tenantId, openOriginal),
      action,
      targetIsAdmin: target.profile?.isAdmin ?? true,
      approver: by,
      settings: { requireManagerConfirmation: this.deps.settings.requireManagerConfirmation ?? 'unverified' },
    });
  }

  /**
   * An approver acts without the evidence the policy asks for, with a written reason: checked by
   * refuseOverride, recorded by the eTag-checked 'override' event (which enforces the same rules),
   * shown on the card and audited (the reason through the audit's redaction of free text).
   */
  private async override(
    ticket: Ticket,
    target: TargetLookup,
    by: PolicyApprover,
    byName: string | undefined,
    reason: unknown,
    openOriginal: string | undefined,
  ): Promise<ClickAnswer> {
    const text = typeof reason === 'string' ? reason : '';
    const refusal = refuseOverride({
      evidence: evidenceOf(ticket, this.deps.settings.tenantId, openOriginal),
      targetIsAdmin: target.profile?.isAdmin ?? true,
      approver: by,
      settings: { requireManagerConfirmation: this.deps.settings.requireManagerConfirmation ?? 'unverified' },
      reason: text,
    });
    if (refusal) return this.refuse(ticket, by.objectId, OVERRIDE_VERB, refusal, target, 'approver', { by, openOriginal });
    const outcome = await this.deps.store.update(ticket.reference, (t) =>
      applyEvent(t, { type: 'override', by: by.objectId, ...(byName ? { byName } : {}), reason: text, at: this.deps.clock.now() }),
    );
    // Another approver's click changed the ticket first: show where it stands now.
    if (!outcome.won) return this.cardResponse(this.approverCard(outcome.ticket, target, by, openOriginal));
    const given = outcome.ticket.overrides?.at(-1);
    const audited = await this.record(ticket.reference, 'override', by.objectId, {
      reasonLength: text.trim().length,
      reason: given?.reason ?? text,
      whileDisputed: given?.whileDisputed ?? false,
    });
    await this.updateSharedCard(outcome.ticket, target);
    const card = withBanner(this.approverCard(outcome.ticket, target, by, openOriginal), this.t('helpdesk.overrideDone'), 2);
    return this.cardResponse(this.withAuditWarning(card, audited, ticket.reference));
  }

  /** One approver's own view, with what the policy still needs before a pass or a new mobile. */
  private approverCard(ticket: Ticket, target: TargetLookup, by: PolicyApprover, openOriginal: string | undefined): CardAttachment {
    const policy = ticket.state === 'pending' && target.profile ? this.decide(ticket, target, by, 'temporary-access-pass', openOriginal) : undefined;
    return this.card(ticket, target, 'approver', policy);
  }

  private async deny(ticket: Ticket, target: TargetLookup, by: string, byName: string | undefined, reason: unknown): Promise<ClickAnswer> {
    if (typeof reason !== 'string' || !reason.trim()) return this.message(this.t('helpdesk.denyReasonMissing'), 400);
    const outcome = await this.deps.store.update(ticket.reference, (t) => applyEvent(t, { type: 'deny', by, byName, reason, at: this.deps.clock.now() }));
    if (!outcome.won) return this.cardResponse(this.card(outcome.ticket, target, 'approver'));
    const audited = await this.record(ticket.reference, 'denial', by, { reasonLength: reason.trim().length });
    await this.afterDecision(outcome.ticket, target);
    return this.cardResponse(this.withAuditWarning(this.card(outcome.ticket, target, 'approver'), audited, ticket.reference));
  }

  private async approve(ticket: Ticket, target: TargetLookup, by: string, byName: string | undefined, action: AdminAction): Promise<ClickAnswer> {
    const { store, clock } = this.deps;
    // The eTag-checked transition is the lock: of two admins clicking at once, one gets here.
    const approved = await store.update(ticket.reference, (t) => applyEvent(t, { type: 'approve', by, byName, action, at: clock.now() }));
    if (!approved.won) return this.cardResponse(this.card(approved.ticket, target, 'approver'));
    if (!(await this.record(ticket.reference, 'approval', by, { action }))) {
      // No approval record, no Graph action: the request fails with nothing changed.
      const stopped = await store.update(ticket.reference, (t) =>
        applyEvent(t, { type: 'fail', code: 'audit-unavailable', message: this.t('helpdesk.auditUnavailable'), requestIds: [], at: clock.now() }),
      );
      const recorded = await this.record(ticket.reference, 'failed', by, { action, code: 'audit-unavailable' });
      await this.afterDecision(stopped.ticket, target);
      return this.cardResponse(this.withAuditWarning(this.card(stopped.ticket, target, 'approver'), recorded, ticket.reference));
    }

    const userId = target.profile!.user.id;
    let finished: TicketEvent;
    let pass: { value: string; minutes: number; once: boolean } | undefined;
    // Every Graph write made so far, kept across the calls of one action, so a failure part-way
    // still leaves the request-ids of the writes that did happen in the audit.
    const writes: GraphWrite[] = [];
    let callAudited: boolean;
    try {
      const performed = await this.perform(action, userId, ticket, writes, (value, minutes, once) => (pass = { value, minutes, once }));
      const { changes, partial } = performed;
      if (partial) {
        // Something changed and something did not: the audit, the card and the requester all get
        // exactly what changed, never "nothing was changed".
        const done = idsOf(writes.filter((w) => w.status >= 200 && w.status < 300));
        const message = this.changesForAdmin(changes ?? {}, partial.message);
        callAudited = await this.record(ticket.reference, 'graph-call', by, {
          action,
          ok: false,
          partial: true,
          code: partial.code,
          requestId: partial.requestId ?? null,
          requestIds: done.join(' ') || null,
          writesDone: done.length,
          ...auditOfChanges(changes),
        });
        finished = { type: 'fail', code: 'partial', message, requestIds: done, at: clock.now(), ...(changes ? { changes } : {}) };
      } else {
        const requestIds = idsOf(writes);
        callAudited = await this.record(ticket.reference, 'graph-call', by, { action, ok: true, requestIds: requestIds.join(' ') || null, ...auditOfChanges(changes) });
        finished = { type: 'complete', requestIds, at: clock.now(), ...(changes ? { changes } : {}) };
      }
    } catch (error) {
      const failure = error instanceof DirectoryError ? error : new DirectoryError('unavailable', (error as Error).message);
      const done = idsOf([...writes, ...(failure.details.writes ?? [])].filter((w) => w.status >= 200 && w.status < 300));
      callAudited = await this.record(ticket.reference, 'graph-call', by, {
        action,
        ok: false,
        code: failure.code,
        requestId: failure.details.requestId ?? null,
        requestIds: done.join(' ') || null,
        writesDone: done.length,
      });
      // Re-registration issues the pass first and stops there when it fails: say that nothing was removed.
      const message = action === 'require-re-registration' ? this.t('helpdesk.tapFirstFailed', { message: failure.message }) : failure.message;
      finished = { type: 'fail', code: failure.code, message, requestIds: done, at: clock.now() };
    }
    const done = await store.update(ticket.reference, (t) => applyEvent(t, finished));
    const outcomeAudited = await this.record(ticket.reference, done.ticket.state === 'completed' ? 'completed' : 'failed', by, {
      action,
      ...(done.ticket.result?.code === 'partial' ? { partial: true } : {}),
    });
    // The methods as they are now, not as they were before the change: the card must never show
    // a replaced number as current. If the directory cannot be read again, the older lookup stands.
    const reread = await this.lookUpTarget(done.ticket);
    const now = reread.profile ? reread : target;
    await this.afterDecision(done.ticket, now);

    const card = this.withAuditWarning(this.card(done.ticket, now, 'approver'), callAudited && outcomeAudited, ticket.reference);
    if (!pass) return this.cardResponse(card);
    // The pass goes into this response only: the clicking admin's own view, shown once, even
    // when the rest of the action failed (it is the person's way back in).
    const usage = this.t(pass.once ? 'helpdesk.tapOnce' : 'helpdesk.tapMany');
    const text = this.t('helpdesk.tap', { account: accountLabel(done.ticket, now.contact), pass: pass.value, minutes: pass.minutes, usage }, ['pass']);
    return this.cardResponse(withBanner(card, text, 2));
  }

  /**
   * The one Graph action, through the directory port; each completed call's writes go into
   * `writes`. Throws only when nothing was changed; a partial result is returned as such.
   */
  private async perform(
    action: AdminAction,
    userId: string,
    ticket: Ticket,
    writes: GraphWrite[],
    onPass: (value: string, minutes: number, once: boolean) => void,
  ): Promise<Performed> {
    const { directory } = this.deps;
    const issue = async (): Promise<NonNullable<TicketChanges['pass']>> => {
      const issued = await directory.issueTemporaryAccessPass(userId);
      writes.push(...issued.writes);
      onPass(issued.pass, issued.lifetimeInMinutes, issued.isUsableOnce);
      return this.passFacts(issued);
    };
    switch (action) {
      case 'replace-mobile':
        writes.push(...(await directory.replaceMobile(userId, ticket.newMobileE164)).writes);
        return {};
      case 'temporary-access-pass':
        return { changes: { pass: await issue() } };
      case 'require-re-registration': {
        // The pass FIRST (docs/support-content.md: re-registration only with another way in). If it cannot
        // be issued (policy off, user excluded) this throws and nothing is removed.
        const pass = await issue();
        let done: ReRegistrationDone;
        try {
          done = await directory.requireReRegistration(userId, { revokeSessions: true });
        } catch (error) {
          // The listing failed: nothing removed, but the pass exists and the admin holds it.
          const failure = error instanceof DirectoryError ? error : new DirectoryError('unavailable', (error as Error).message);
          writes.push(...(failure.details.writes ?? []));
          const partial: NonNullable<Performed['partial']> = { code: failure.code, message: failure.message };
          if (failure.details.requestId) partial.requestId = failure.details.requestId;
          return { changes: { pass, removed: [], sessionsRevoked: false }, partial };
        }
        writes.push(...done.writes);
        const changes: TicketChanges = { pass, removed: done.removed.map(changedMethod), kept: done.kept.map(changedMethod), sessionsRevoked: done.sessionsRevoked };
        if (done.kept.length === 0 && done.sessionsRevoked && !done.stoppedBy) return { changes };
        const partial: NonNullable<Performed['partial']> = { code: done.stoppedBy?.code ?? done.kept[0]?.code ?? 'sessions-not-revoked' };
        if (done.stoppedBy) partial.message = done.stoppedBy.message;
        if (done.stoppedBy?.requestId) partial.requestId = done.stoppedBy.requestId;
        return { changes, partial };
      }
    }
  }

  /** When the pass stops working, from the bot's clock and the lifetime Graph granted; never the pass. */
  private passFacts(issued: TemporaryAccessPassIssued): NonNullable<TicketChanges['pass']> {
    const expiresAt = new Date(this.deps.clock.now().getTime() + issued.lifetimeInMinutes * 60_000).toISOString();
    return { expiresAt, once: issued.isUsableOnce };
  }

  /** Exactly what changed, for the approver's card (the helpdesk's language). */
  private changesForAdmin(changes: TicketChanges, graphMessage?: string): string {
    const lang = this.deps.settings.language;
    const t = (key: string, vars?: Vars) => this.t(key, vars, ['list']);
    const parts: string[] = [];
    if (changes.pass) {
      parts.push(t('helpdesk.changes.pass', { usage: this.t(changes.pass.once ? 'helpdesk.tapOnce' : 'helpdesk.tapMany'), expires: formatUtc(changes.pass.expiresAt, lang, true) }));
    }
    if (changes.removed) {
      parts.push(changes.removed.length > 0 ? t('helpdesk.changes.removed', { list: this.methodList(lang, changes.removed) }) : t('helpdesk.changes.removedNothing'));
    }
    if (changes.kept && changes.kept.length > 0) parts.push(t('helpdesk.changes.kept', { list: this.methodList(lang, changes.kept) }));
    if (changes.sessionsRevoked !== undefined) parts.push(t(changes.sessionsRevoked ? 'helpdesk.changes.revoked' : 'helpdesk.changes.notRevoked'));
    if (graphMessage) parts.push(t('helpdesk.changes.graph', { message: graphMessage }));
    return parts.join(' ');
  }

  /** "Mobile phone +44 ••••••••56, Microsoft Authenticator app" in the given language. */
  private methodList(lang: string, methods: readonly ChangedMethod[]): string {
    const { localizer } = this.deps;
    return methods
      .map((m) => {
        const key = m.kind === 'phone' && m.phoneType ? `methods.${m.phoneType}` : `methods.${m.kind}`;
        return localizer.has(lang, key) ? localizer.t(lang, key, { masked: m.masked ?? '' }, ['masked']).trim() : m.kind;
      })
      .join(', ');
  }

  // ---- after a decision: the card for everyone, the requester, the audit ----------------------

  private async afterDecision(ticket: Ticket, target: TargetLookup): Promise<void> {
    await this.updateSharedCard(ticket, target);
    await this.notifyRequester(ticket);
    await this.tellOwner(ticket, target);
  }

  /**
   * Updates the card in the channel. Only a failure is audited: the decision itself already is,
   * and the trail should show when the channel still displays an older state.
   */
  private async updateSharedCard(ticket: Ticket, target: TargetLookup): Promise<void> {
    const post = ticket.helpdeskPost;
    if (!post?.activityId) return;
    const card = this.card(ticket, target, 'shared');
    const sent = await this.deps.teams.updateCard(post, card);
    if (sent.ok) return;
    this.deps.log.error({ reference: ticket.reference, err: { name: sent.error.name, message: sent.error.message } }, 'could not update the helpdesk card');
    await this.record(ticket.reference, 'card-update', undefined, { ok: false, state: ticket.state, error: sent.error.name, activityId: post.activityId });
  }

  /**
   * Tells the requester in their own conversation and language; never includes a pass. `what`:
   * the ticket's current state, or that a request stored earlier has now reached the helpdesk.
   * A failure is audited and queued for the sweep to try again (bounded, see NoticeOutbox).
   */
  async notifyRequester(ticket: Ticket, what: Notice['what'] = 'state', failedBefore = 0): Promise<boolean> {
    const lang = this.deps.localizer.language(ticket.requester.locale);
    const texts = this.noticeTexts(ticket, what, lang);
    if (texts.length === 0) return true;
    // At most three short messages, in order; a failure part-way is tried again in full by the
    // sweep (a repeated first line is better than a missing pass expiry).
    let sent: SendOutcome = { ok: true };
    for (const text of texts) {
      sent = await this.deps.teams.messageUser(ticket.requester.replyTo, { text, markdown: true, locale: ticket.requester.locale });
      if (!sent.ok) break;
    }
    const detail = { state: ticket.state, ...(what === 'reached' ? { what } : {}), channelId: ticket.requester.channelId };
    if (sent.ok) {
      await this.record(ticket.reference, 'notification', undefined, { ...detail, ok: true, ...(failedBefore > 0 ? { attempt: failedBefore + 1 } : {}) });
      if (failedBefore > 0) await this.deps.notices.delivered(ticket.reference, what).catch((error: unknown) => this.logOutboxError(ticket.reference, error));
      return true;
    }
    const attempt = failedBefore + 1;
    const retry = await this.deps.notices.failed(ticket.reference, what, attempt).catch((error: unknown) => {
      this.logOutboxError(ticket.reference, error);
      return 'lost' as const;
    });
    const level = retry === 'queued' ? 'warn' : 'error';
    this.deps.log[level]({ reference: ticket.reference, attempt, retry, err: { name: sent.error.name } }, 'could not notify the requester');
    await this.record(ticket.reference, 'notification', undefined, { ...detail, ok: false, error: sent.error.name, attempt, retry: retry === 'queued' });
    return false;
  }

  /**
   * What the requester is told, message by message: the outcome, then (when a pass was issued)
   * its facts: when it expires (UTC), the 10-minute window of a one-time pass, where to use it,
   * and to delete the old phone once the new method works. Never the pass itself.
   */
  private noticeTexts(ticket: Ticket, what: Notice['what'], lang: string): string[] {
    const { localizer } = this.deps;
    const action = ticket.decision?.action ?? 'replace-mobile';
    const changes = ticket.result?.changes;
    const partial = ticket.state === 'failed' && ticket.result?.code === 'partial';
    // A failure after some write went through (a number changed but not confirmed) or cut off
    // part-way is not "nothing was changed": the person hears that some of it may have been done.
    const unclear = ticket.state === 'failed' && !partial && (ticket.result?.code === 'interrupted-partway' || (ticket.result?.requestIds.length ?? 0) > 0);
    let key =
      what === 'reached'
        ? 'notify.reached'
        : ticket.state === 'completed'
          ? `notify.completed.${action}`
          : partial
            ? 'notify.partial'
            : unclear
              ? 'notify.unclear'
              : ticket.state === 'failed'
              ? 'notify.failed'
              : `notify.${ticket.state}`;
    // After the retirement (or with phone sign-in off) a new number brings no codes: the notice
    // must not promise them (PHONE_SIGN_IN and the clock, as on the card).
    if (key === 'notify.completed.replace-mobile' && !phoneSignIn(this.deps.settings.phoneSignIn ?? 'microsoft', this.deps.clock.now()).works) {
      key = 'notify.completedNoCodes';
    }
    if (!localizer.has(lang, key)) return [];
    const vars: Record<string, string | number> = { reference: ticket.reference, masked: maskPhoneNumber(ticket.newMobileE164), reason: ticket.decision?.reason ?? '' };
    if (partial) {
      const lines: string[] = [];
      if (changes?.removed) {
        lines.push(changes.removed.length > 0 ? localizer.t(lang, 'notify.changes.removed', { list: this.methodList(lang, changes.removed) }, ['list']) : localizer.t(lang, 'notify.changes.removedNothing'));
      }
      if (changes?.kept && changes.kept.length > 0) lines.push(localizer.t(lang, 'notify.changes.kept', { list: this.methodList(lang, changes.kept) }, ['list']));
      if (changes?.sessionsRevoked !== undefined) lines.push(localizer.t(lang, changes.sessionsRevoked ? 'notify.changes.signedOut' : 'notify.changes.notSignedOut'));
      vars.changes = lines.join(' ');
    }
    const texts = [localizer.t(lang, key, vars, ['masked', 'changes'])];
    if (what === 'state' && (ticket.state === 'completed' || partial) && changes?.pass) {
      // The old phone is named only where it may still be registered: re-registration removed it.
      const phoneLeft = action !== 'require-re-registration' || (changes.kept ?? []).some((m) => m.kind === 'phone');
      texts.push(
        localizer.t(
          lang,
          'notify.tap.facts',
          {
            expires: formatUtc(changes.pass.expiresAt, lang, true),
            once: changes.pass.once ? localizer.t(lang, 'notify.tap.once') : '',
            deleteOld: phoneLeft ? localizer.t(lang, 'notify.tap.deleteOld') : '',
          },
          ['once', 'deleteOld'],
        ).replace(/ {2,}/g, ' ').trim(),
      );
    }
    return texts;
  }

  private logOutboxError(reference: string, error: unknown): void {
    this.deps.log.error({ reference, err: { name: (error as Error).name } }, 'could not keep the requester notification for another try');
  }

  /**
   * The periodic sweep, one pass over the open requests: expires the overdue and recovers the
   * interrupted. Safe on every instance at once: an eTag-checked transition lets one instance win
   * each ticket, and only the winner notifies.
   */
  async sweep(): Promise<{ expired: number; recovered: number; posted: number; notified: number }> {
    const counts = { expired: 0, recovered: 0, posted: 0, notified: 0 };
    for (const ticket of await this.openTickets()) {
      if (await this.expireIfDue(ticket)) counts.expired += 1;
      else if (await this.recoverIfInterrupted(ticket)) counts.recovered += 1;
      else if (await this.repostIfDue(ticket)) counts.posted += 1;
    }
    counts.notified = await this.retryNotices();
    return counts;
  }

  /** Tries the requester notifications that failed before and are due again. */
  async retryNotices(): Promise<number> {
    let delivered = 0;
    for (const notice of await this.deps.notices.claimDue()) {
      const ticket = await this.deps.store.get(notice.reference);
      if (!ticket) {
        await this.deps.notices.delivered(notice.reference, notice.what);
        continue;
      }
      if (await this.notifyRequester(ticket, notice.what, notice.attempts)) delivered += 1;
    }
    return delivered;
  }

  /** Posts (again) a pending request whose card never reached the channel, with backoff (tickets.ts postRetryDelayMs). */
  private async repostIfDue(ticket: Ticket): Promise<boolean> {
    const { store, clock } = this.deps;
    if (!postIsDue(ticket, clock.now())) return false;
    // Without a channel (not configured, team not installed yet) there is nowhere to try; it is
    // posted by the first sweep after the channel is captured.
    const channel = await this.channel();
    if (!channel) return false;
    const claim = await store.update(ticket.reference, (t) => applyEvent(t, { type: 'post-attempt', at: clock.now() }));
    if (!claim.won) return false;
    if (!(await this.post(claim.ticket, channel, true))) return false;
    await this.notifyRequester(claim.ticket, 'reached');
    await this.askManager(ticket.reference, channel);
    return true;
  }

  /** Expires pending requests past their time (the sweep's first half). */
  expireDue(): Promise<number> {
    return this.countOpen((ticket) => this.expireIfDue(ticket));
  }

  /** Settles approvals cut off by their instance stopping (the sweep's second half). */
  recoverInterrupted(): Promise<number> {
    return this.countOpen((ticket) => this.recoverIfInterrupted(ticket));
  }

  /** How many open requests `settle` acted on, one request at a time. */
  private async countOpen(settle: (ticket: Ticket) => Promise<boolean>): Promise<number> {
    let count = 0;
    for (const ticket of await this.openTickets()) if (await settle(ticket)) count += 1;
    return count;
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
    // Re-registration cut off may have issued a pass and removed some methods: nobody knows how
    // much, so nobody is told "nothing was changed".
    const cutOff = decision.action === 'require-re-registration';
    const event: TicketEvent = done
      ? { type: 'complete', requestIds: [], at: clock.now() }
      : cutOff
        ? { type: 'fail', code: 'interrupted-partway', message: this.t('helpdesk.interruptedReRegistration'), requestIds: [], at: clock.now() }
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
      const { directory } = this.deps;
      // Presence only matters for a request from web chat ("ask them to message the bot from Teams").
      const fromWebChat = ticket.requester.channelId !== 'msteams';
      // The contact details and the manager's name are for the approver's eyes; without them the
      // card says so, and the decision does not depend on them.
      const [profile, methods, contact, presence, manager] = await Promise.all([
        directory.targetProfile(user.id),
        directory.methods(user.id),
        directory.profile(user.id).catch(() => undefined),
        fromWebChat ? directory.presence(user.id) : Promise.resolve(undefined),
        ticket.manager ? directory.manager(user.id).catch(() => undefined) : Promise.resolve(undefined),
      ]);
      const found: TargetLookup = { profile, methods };
      if (contact) found.contact = contact;
      if (presence) found.presence = presence;
      if (manager) found.manager = manager;
      return found;
    } catch (error) {
      this.deps.log.warn({ reference: ticket.reference, err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'could not look up the target account');
      return {};
    }
  }

  /** The helpdesk card for this request (cards.ts), in the helpdesk's language and at its clock's time. */
  card(ticket: Ticket, target: TargetLookup, view: CardView, policy?: PolicyDecision): CardAttachment {
    const { localizer, settings, clock } = this.deps;
    return helpdeskCard(ticket, target, view, {
      localizer,
      language: settings.language,
      approverIds: settings.approverIds,
      phoneSignIn: settings.phoneSignIn ?? 'microsoft',
      now: clock.now(),
      tenantId: settings.tenantId,
      ...(policy ? { policy } : {}),
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /**
   * A refused click, answered to the person who clicked with a card that says why (Universal
   * Actions: a 200 with a card, which Teams shows; a bare 403 shows nothing). Someone who is not
   * an approver gets the shared card (number masked); an approver their own view.
   */
  private async refuse(
    ticket: Ticket,
    approver: string | undefined,
    verb: string,
    refusal: Refusal | EvidenceRefusal,
    target: TargetLookup,
    view: CardView,
    weighed?: { by: PolicyApprover; level?: string; openOriginal: string | undefined },
  ): Promise<ClickAnswer> {
    const { by, level, openOriginal } = weighed ?? {};
    await this.record(ticket.reference, 'refusal', approver, { verb, refusal, ...(level ? { level } : {}), ...(openOriginal ? { openOriginal } : {}) });
    const card = view === 'approver' && by ? this.approverCard(ticket, target, by, openOriginal) : this.card(ticket, target, 'shared');
    return this.cardResponse(withBanner(card, this.t(`helpdesk.refusal.${refusal}`), 1));
  }

  private t(key: string, vars?: Vars, raw?: readonly string[]): string {
    return this.deps.localizer.t(this.deps.settings.language, key, vars, raw);
  }

  private cardResponse(card: CardAttachment): ClickAnswer {
    return { kind: 'card', card };
  }

  /** A refusal or bad input: Teams shows the message to the clicking user only. */
  private message(text: string, statusCode: 200 | 400 | 403 | 404 = 200): ClickAnswer {
    return statusCode === 200 ? { kind: 'message', text } : { kind: 'error', status: statusCode, text };
  }

  /**
   * Appends one audit record (the audit itself retries a failing store, bounded) and says whether
   * it was written. What a record that could not be written means, by kind:
   * - request: the request is withdrawn (cancelled) and the person told it failed: no trail, no request.
   * - approval: Graph is not called; the request fails as 'audit-unavailable', nothing changed.
   * - graph-call, completed, failed, denial: the action has happened and cannot be undone; the
   *   approver's card says "NOT audited: tell security" with the reference.
   * - posted, card-update, notification, expiry, cancellation, refusal: they describe something
   *   that already happened outside the bot's control; the ticket keeps the state.
   * In every case the record itself (redacted) is logged at error, so the trail can be rebuilt
   * from the logs: never silently dropped.
   */
  private async record(reference: string, kind: AuditKind, claimedActor: string | undefined, detail: AuditRecord['detail']): Promise<boolean> {
    // The actor is an Entra object id. Anything else came from a forged activity (an address, a
    // phone number, a script): it is not written, only that an invalid one was claimed.
    const actor = claimedActor && isObjectId(claimedActor) ? claimedActor : undefined;
    if (claimedActor && !actor) detail = { ...detail, actorInvalid: true };
    try {
      await this.deps.audit.append({ reference, at: this.deps.clock.now().toISOString(), kind, ...(actor ? { actor } : {}), detail });
      return true;
    } catch (error) {
      this.deps.log.error(
        { ...redactDetail(detail).detail, reference, audit: kind, ...(actor ? { actor } : {}), err: { name: (error as Error).name } },
        'AUDIT WRITE FAILED',
      );
      return false;
    }
  }

  /** Adds the "not audited" warning to the approver's card when a record of the action is missing. */
  private withAuditWarning(card: CardAttachment, audited: boolean, reference: string): CardAttachment {
    if (audited) return card;
    this.deps.log.error({ reference }, 'action done but NOT audited: tell security');
    return withBanner(card, this.t('helpdesk.notAudited', { reference }), 1);
  }
}

/** The clicking approver as the evidence policy weighs them. */
interface PolicyApprover {
  objectId: string;
  role?: ApproverRole;
}

/** The request could not be audited, so it was not taken: the dialog tells the person it failed. */
export class AuditUnavailable extends Error {
  constructor(readonly reference: string) {
    super(`request ${reference} withdrawn: its audit record could not be written`);
    this.name = 'AuditUnavailable';
  }
}

function idsOf(writes: GraphWrite[]): string[] {
  return writes.map((w) => w.requestId).filter((id): id is string => Boolean(id));
}

/** The parts of an action's changes the audit keeps: kinds and counts, never a number or a pass. */
function auditOfChanges(changes: TicketChanges | undefined): Record<string, string | number | boolean | null> {
  if (!changes) return {};
  const kinds = (methods: readonly ChangedMethod[] | undefined) => (methods ?? []).map((m) => m.phoneType ?? m.kind).join(' ') || null;
  const out: Record<string, string | number | boolean | null> = {};
  // Named "tap…": the audit redacts any key that looks like it holds a password.
  if (changes.pass) {
    out.tapIssued = true;
    out.tapExpiresAt = changes.pass.expiresAt;
    out.tapOneTime = changes.pass.once;
  }
  if (changes.removed) out.removed = kinds(changes.removed);
  if (changes.kept) out.kept = kinds(changes.kept);
  if (changes.sessionsRevoked !== undefined) out.sessionsRevoked = changes.sessionsRevoked;
  return out;
}

function changedMethod(m: ReRegistrationDone['removed'][number]): ChangedMethod {
  const changed: ChangedMethod = { kind: m.kind };
  if (m.phoneType) changed.phoneType = m.phoneType;
  if (m.masked) changed.masked = m.masked;
  return changed;
}

/** The click as the approval policy weighs it. */
function attempt(by: Clicker) {
  return {
    channelId: by.channelId,
    conversationId: by.conversationId,
    tenantId: by.tenantId,
    approverObjectId: by.objectId,
    authenticated: by.authenticated,
  };
}
