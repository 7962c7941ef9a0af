/**
 * The helpdesk card's data: what the channel and an approver see of one request, built from the
 * ticket and what the directory says about the account. The JSON itself is the template in
 * cards/helpdeskRequest.json; this only fills it, in the helpdesk's language.
 */
import { renderCard, type CardAttachment, type CardData } from '../../cards/render';
import { ROLE_GLOBAL_ADMINISTRATOR, type MethodSummary, type TargetProfile } from '../core/directory';
import type { Localizer, Vars } from '../core/i18n';
import { maskPhoneNumber } from '../core/phone';
import { SMS_VOICE_RETIREMENT, SMS_VOICE_RETIREMENT_ADMINS, phoneSignIn, type PhoneSignInSetting } from '../core/phoneSignIn';
import { isOpen, type Ticket } from '../core/tickets';

/** The target account as the directory knows it; empty when it could not be looked at. */
export interface TargetLookup {
  profile?: TargetProfile;
  methods?: MethodSummary;
}

/** `shared`: what the channel sees; `approver`: one approver's own view. */
export type CardView = 'shared' | 'approver';

export interface HelpdeskCardContext {
  localizer: Localizer;
  /** The helpdesk's language. */
  language: string;
  /** Teams asks the bot for these users' own (approver) view of the shared card. */
  approverIds: string[];
  phoneSignIn: PhoneSignInSetting;
  /** The helpdesk's clock: the phone warning depends on the date. */
  now: Date;
}

/**
 * The card: `shared` is what the channel sees (number masked, a button for approvers to open
 * their own view); `approver` adds the full number and, while pending, the actions.
 */
export function helpdeskCard(ticket: Ticket, target: TargetLookup, view: CardView, ctx: HelpdeskCardContext): CardAttachment {
  const t = (key: string, vars?: Vars) => ctx.localizer.t(ctx.language, key, vars);
  const pending = ticket.state === 'pending';
  const when = (iso?: string) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '');
  const decision = ticket.decision;
  const partial = ticket.state === 'failed' && ticket.result?.code === 'partial';
  const status = t(`helpdesk.status.${partial ? 'partial' : ticket.state}`, {
    by: decision?.byName ?? decision?.by ?? '',
    at: when(ticket.result?.at ?? decision?.at ?? ticket.updatedAt),
    action: decision?.action ? t(`helpdesk.actions.${decision.action}`) : '',
    reason: ticket.state === 'failed' ? (ticket.result?.message ?? '') : (decision?.reason ?? ''),
  });
  const admin = target.profile ? (target.profile.isAdmin ? 'yes' : 'no') : 'unknown';
  const facts: CardData['helpdeskRequest']['facts'] = [
    { label: t('helpdesk.facts.account'), value: accountLabel(ticket) },
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
    checklist: ctx.localizer.list(ctx.language, 'helpdesk.checklist').map((line) => `- ${line}`),
    showActions: view === 'approver' && pending,
    phoneWarning: view === 'approver' && pending ? phoneWarning(target.profile, ctx) : '',
    showDetails: view === 'shared' && isOpen(ticket),
    refreshUserIds: view === 'shared' && isOpen(ticket) ? ctx.approverIds : [],
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

/**
 * Puts a bold warning line into a rendered card at `position` in its body (after the title: 1;
 * after the status: 2): the "not audited" warning, or the pass shown once to its approver.
 */
export function withBanner(card: CardAttachment, text: string, position: number): CardAttachment {
  (card.content.body as unknown[]).splice(position, 0, { type: 'TextBlock', text, wrap: true, color: 'Attention', weight: 'Bolder' });
  return card;
}

/** The account as the card names it. */
export function accountLabel(ticket: Ticket): string {
  return ticket.target.signInAddress ?? ticket.target.objectId ?? '';
}

/**
 * The warning before "Replace mobile number" when a new number would not let the person sign in
 * (PHONE_SIGN_IN and the helpdesk's clock): "stops on…" before the retirement, "stopped on…"
 * after it, "turned off" when the operator says so; nothing with the organisation's own provider.
 * Global Administrators keep Microsoft's codes until the later date.
 */
function phoneWarning(profile: TargetProfile | undefined, ctx: HelpdeskCardContext): string {
  const t = (key: string, vars?: Vars) => ctx.localizer.t(ctx.language, key, vars);
  const globalAdmin = profile?.roleDefinitionIds.some((id) => id.toLowerCase() === ROLE_GLOBAL_ADMINISTRATOR) ?? false;
  const state = phoneSignIn(ctx.phoneSignIn, ctx.now);
  if (state.works && !state.retiring) return '';
  if (!state.works && state.reason === 'off') return t('helpdesk.phoneWarning.off');
  // Microsoft's own codes: they stop on the date that applies to this account.
  const stopsOn = globalAdmin ? SMS_VOICE_RETIREMENT_ADMINS : SMS_VOICE_RETIREMENT;
  const date = formatUtc(stopsOn, ctx.language, false);
  return t(ctx.now < stopsOn ? 'helpdesk.phoneWarning.retiring' : 'helpdesk.phoneWarning.retired', { date });
}

/** Intl locales for the bot's languages: British English writes "1 February 2027, 15:00". */
const INTL_LOCALE: Readonly<Record<string, string>> = { en: 'en-GB', es: 'es-ES' };

/** A date (and time) in UTC, written the way the language writes dates; the text adds "UTC". */
export function formatUtc(date: Date | string, lang: string, withTime: boolean): string {
  const format = new Intl.DateTimeFormat(INTL_LOCALE[lang] ?? lang, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : {}),
    timeZone: 'UTC',
  } as Intl.DateTimeFormatOptions);
  return format.format(typeof date === 'string' ? new Date(date) : date);
}
