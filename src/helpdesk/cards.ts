/**
 * The helpdesk card's data: what the channel and an approver see of one request, built from the
 * ticket and what the directory says about the account. The JSON itself is the template in
 * cards/helpdeskRequest.json; this only fills it, in the helpdesk's language.
 */
import { renderCard, type CardAttachment, type CardData } from '../../cards/render';
import { languageInfo } from '../../locales';
import { assuranceLevel, evidenceOf, type PolicyDecision } from '../core/assurance';
import { ROLE_GLOBAL_ADMINISTRATOR, isSignedInToTeams, type DirectoryUser, type MethodSummary, type Presence, type TargetProfile, type UserProfile } from '../core/directory';
import { escapeMarkup, type Localizer, type Vars } from '../core/i18n';
import { maskPhoneNumber } from '../core/phone';
import { SMS_VOICE_RETIREMENT, SMS_VOICE_RETIREMENT_ADMINS, phoneSignIn, type PhoneSignInSetting } from '../core/phoneSignIn';
import { isOpen, type Ticket } from '../core/tickets';

/** The target account as the directory knows it; empty when it could not be looked at. */
export interface TargetLookup {
  profile?: TargetProfile;
  methods?: MethodSummary;
  /** Display name, sign-in address and the directory's phones: the numbers to call back on. */
  contact?: UserProfile;
  /** Teams presence, looked up only for requests from web chat. */
  presence?: Presence;
  /** The target's manager as the directory names them now, for the evidence lines. */
  manager?: DirectoryUser;
  /** Nothing was looked up (a click refused before any lookup): say nothing about the account. */
  notLookedUp?: boolean;
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
  /** The organisation's tenant, for the assurance level (a Teams sign-in counts only from it). */
  tenantId?: string;
  /**
   * What the evidence policy says to the approver looking (approver view only): a needs-override
   * decision shows the override section, with the policy's reason.
   */
  policy?: PolicyDecision;
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
  const approverView = view === 'approver';
  const level = assuranceLevel(evidenceOf(ticket, ctx.tenantId));
  const facts: CardData['helpdeskRequest']['facts'] = [
    { label: t('helpdesk.facts.account'), value: accountFact(ticket, target, ctx) },
    { label: t('helpdesk.facts.verification'), value: t(`helpdesk.assurance.${ticket.requester.assurance}`) },
    { label: t('helpdesk.facts.level'), value: t(`helpdesk.level.${level}`) },
    ...(target.notLookedUp ? [] : [{ label: t('helpdesk.facts.admin'), value: t(`helpdesk.admin.${admin}`) }]),
    ...(target.notLookedUp ? [] : [{ label: t('helpdesk.facts.callBack'), value: callBackNumbers(target.contact, approverView, ctx) }]),
    // The number the requester typed is theirs to choose: never the one to call back on.
    { label: t('helpdesk.facts.requestedNumber'), value: approverView ? ticket.newMobileE164 : maskPhoneNumber(ticket.newMobileE164) },
    { label: t('helpdesk.facts.fix'), value: t(`intake.fix.${ticket.requestedFix}`) },
    { label: t('helpdesk.facts.created'), value: when(ticket.createdAt) },
    { label: t('helpdesk.facts.expires'), value: when(ticket.expiresAt) },
    ...(ticket.duplicateOf ? [{ label: t('helpdesk.facts.duplicateOf'), value: ticket.duplicateOf }] : []),
  ];
  const fromWebChat = ticket.requester.channelId !== 'msteams';
  const presenceLine = fromWebChat && isSignedInToTeams(target.presence) ? t('helpdesk.presence.signedIn') : '';
  const policy = approverView && pending ? ctx.policy : undefined;
  const showOverride = policy?.verdict === 'needs-override';
  const policyLine = policy && policy.verdict !== 'allow' ? t(`helpdesk.refusal.${policy.code}`) : '';
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
    presenceLine,
    evidenceTitle: t('helpdesk.evidence.title'),
    evidence: evidenceLines(ticket, target, ctx).map((line) => `- ${line}`),
    policyLine,
    showOverride,
    checklistTitle: t('helpdesk.checklistTitle'),
    checklist: ctx.localizer.list(ctx.language, 'helpdesk.checklist').map((line) => `- ${line}`),
    showActions: view === 'approver' && pending,
    phoneWarning: view === 'approver' && pending ? phoneWarning(target.profile, ctx) : '',
    showDetails: view === 'shared' && isOpen(ticket),
    refreshUserIds: view === 'shared' && isOpen(ticket) ? ctx.approverIds : [],
    labels: helpdeskCardLabels(ctx.localizer, ctx.language),
  });
}

/**
 * Puts a bold warning line into a rendered card at `position` in its body (after the title: 1;
 * after the status: 2): the "not audited" warning, or the pass shown once to its approver.
 */
/** The helpdesk card's button and input labels in a language. */
export function helpdeskCardLabels(localizer: Localizer, lang: string): CardData['helpdeskRequest']['labels'] {
  const t = (key: string) => localizer.t(lang, key);
  return {
    replaceMobile: t('helpdesk.labels.replaceMobile'),
    issueTap: t('helpdesk.labels.issueTap'),
    reRegister: t('helpdesk.labels.reRegister'),
    deny: t('helpdesk.labels.deny'),
    denyReason: t('helpdesk.labels.denyReason'),
    denyReasonRequired: t('helpdesk.labels.denyReasonRequired'),
    denyConfirm: t('helpdesk.labels.denyConfirm'),
    details: t('helpdesk.labels.details'),
    override: t('helpdesk.labels.override'),
    overrideReason: t('helpdesk.labels.overrideReason'),
    overrideReasonRequired: t('helpdesk.labels.overrideReasonRequired'),
    overrideConfirm: t('helpdesk.labels.overrideConfirm'),
  };
}

/** A copy of the card with a banner in its body: rendered cards are shared and frozen (cards/render.ts). */
export function withBanner(card: CardAttachment, text: string, position: number): CardAttachment {
  const body = card.content.body as unknown[];
  const banner = { type: 'TextBlock', text, wrap: true, color: 'Attention', weight: 'Bolder' };
  return { ...card, content: { ...card.content, body: [...body.slice(0, position), banner, ...body.slice(position)] } };
}

/**
 * The account as the card names it: the directory's display name and sign-in address when it
 * was looked up, else the address in the request; never the object id (which tells an approver
 * nothing and is no one's name).
 */
export function accountLabel(ticket: Ticket, contact?: Pick<UserProfile, 'displayName' | 'userPrincipalName'>): string {
  const address = contact?.userPrincipalName ?? ticket.target.signInAddress ?? '';
  const name = contact?.displayName?.trim();
  return name && address ? `${name} (${address})` : (name ?? address);
}

function accountFact(ticket: Ticket, target: TargetLookup, ctx: HelpdeskCardContext): string {
  const label = accountLabel(ticket, target.contact);
  return label ? escapeMarkup(label) : ctx.localizer.t(ctx.language, 'helpdesk.accountUnknown');
}

/**
 * The profile phones (businessPhones, mobilePhone): numbers the requester cannot change from the
 * chat. In full in an approver's own view, masked in the channel.
 */
function callBackNumbers(contact: UserProfile | undefined, full: boolean, ctx: HelpdeskCardContext): string {
  const phones = contact ? [...contact.businessPhones, ...(contact.mobilePhone ? [contact.mobilePhone] : [])] : [];
  if (phones.length === 0) return ctx.localizer.t(ctx.language, contact ? 'helpdesk.callBack.none' : 'helpdesk.callBack.unknown');
  return phones
    .map((p) => ctx.localizer.t(ctx.language, `helpdesk.callBack.${p.source}`, { number: full ? p.number : p.masked }))
    .join(', ');
}

/** What is known about who vouches for the request: the manager, the owner, each override. */
function evidenceLines(ticket: Ticket, target: TargetLookup, ctx: HelpdeskCardContext): string[] {
  const t = (key: string, vars?: Vars) => ctx.localizer.t(ctx.language, key, vars);
  const when = (iso: string) => iso.replace('T', ' ').slice(0, 16) + ' UTC';
  const lines: string[] = [];
  const m = ticket.manager;
  const nameOf = (id: string) => (target.manager && target.manager.id.toLowerCase() === id.toLowerCase() ? target.manager.displayName || target.manager.userPrincipalName : t('helpdesk.evidence.theManager'));
  if (!m) lines.push(t('helpdesk.evidence.manager.notAsked'));
  else if (m.status === 'asked') lines.push(t('helpdesk.evidence.manager.asked', { name: nameOf(m.managerObjectId), at: when(m.at) }));
  else if (m.status === 'answered') lines.push(t(`helpdesk.evidence.manager.${m.answer}`, { name: nameOf(m.byObjectId), at: when(m.at) }));
  else lines.push(t(`helpdesk.evidence.manager.${m.reason}`, { at: when(m.at) }));
  if (ticket.dispute) lines.push(t('helpdesk.evidence.dispute', { at: when(ticket.dispute.at) }));
  for (const o of ticket.overrides ?? []) {
    lines.push(t('helpdesk.evidence.override', { by: o.byName ?? o.byObjectId, at: when(o.at), reason: o.reason }));
  }
  if (ticket.laterDuplicates?.length) lines.push(t('helpdesk.evidence.laterDuplicates', { references: ticket.laterDuplicates.join(', ') }));
  return lines;
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


/** A date (and time) in UTC, written the way the language writes dates; the text adds "UTC". */
export function formatUtc(date: Date | string, lang: string, withTime: boolean): string {
  const format = new Intl.DateTimeFormat(languageInfo(lang)?.intl ?? lang, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : {}),
    timeZone: 'UTC',
  } as Intl.DateTimeFormatOptions);
  return format.format(typeof date === 'string' ? new Date(date) : date);
}
