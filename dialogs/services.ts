import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { Localizer } from '../src/core/i18n';
import type { DirectoryPort } from '../src/core/directory';
import { SMS_VOICE_RETIREMENT_ADMINS, phoneIsAFix, phoneSignIn, type PhoneSignInSetting } from '../src/core/phoneSignIn';
import type { AccountKind, Clock, ProblemCase, EscalationPort, Log, OutcomePort, RequestTracker } from '../src/core/ports';
import type { Voice } from './voice';

/** What the conversation remembers about this support case between turns (conversation state). */
export interface SupportCase {
  kind?: AccountKind;
  /** What broke (DiagnosisDialog), recorded with the outcome. */
  problem?: ProblemCase;
  /** The SMS/voice retirement date is stated once per conversation, not at every step. */
  smsNoteShown?: boolean;
  /** The scam warning is said once, early, per conversation. */
  scamWarned?: boolean;
  /** The last flow ended (done, cancelled, request sent): a late "thanks" or an old button must not restart it. */
  ended?: boolean;
  /** The person asked for a human before saying which account: route them once we know. */
  wantsHuman?: boolean;
  /** The reference of the last request this conversation sent to the helpdesk. */
  lastReference?: string;
}

/** Everything the dialogs need, built once by the composition root. */
export interface DialogServices {
  localizer: Localizer;
  escalations: EscalationPort;
  outcomes: OutcomePort;
  log: Log;
  supportCase: StatePropertyAccessor<SupportCase>;
  maxMisses: number;
  defaultPhoneCountry?: string;
  /** Tenant the bot is registered in; a Teams request from another tenant is not "verified". */
  tenantId?: string;
  /** The person's own sign-in methods, shown only to someone Teams vouches for. */
  directory: DirectoryPort;
  directoryMode: 'sandbox' | 'live';
  /** The requester's helpdesk requests, for "status" and "cancel my request". */
  requests: RequestTracker;
  /** Today's date for date-aware advice (the SMS/voice retirement); tests freeze it. */
  clock: Clock;
  /** The operator's PHONE_SIGN_IN: with the clock, whether a new number is a fix (src/core/phoneSignIn.ts). */
  phoneSignIn: PhoneSignInSetting;
  /** The organisation has enabled Microsoft Entra account recovery. */
  entraAccountRecovery: boolean;
}

/** True when text and call codes will reach a work or school account's new phone today. */
export function phoneWorks(services: Pick<DialogServices, 'clock' | 'phoneSignIn'>): boolean {
  return phoneIsAFix(services.phoneSignIn, services.clock.now());
}

/**
 * Microsoft-provided SMS and voice MFA stop on 1 Feb 2027: that matters to every work/school
 * user choosing a new method, but one sentence once per conversation is enough. Which sentence
 * depends on the day and on the operator's PHONE_SIGN_IN; with the organisation's own provider
 * there is nothing to warn about.
 */
export async function saySmsRetirementOnce(
  voice: Voice,
  services: Pick<DialogServices, 'supportCase' | 'clock' | 'phoneSignIn'>,
  context: TurnContext,
): Promise<void> {
  const supportCase = await services.supportCase.get(context, {});
  if (supportCase.smsNoteShown) return;
  const key = smsNote(services);
  if (!key) return;
  supportCase.smsNoteShown = true;
  await voice.say(context, key);
}

function smsNote(services: Pick<DialogServices, 'clock' | 'phoneSignIn'>): string | undefined {
  const now = services.clock.now();
  const phones = phoneSignIn(services.phoneSignIn, now);
  if (phones.works) return phones.retiring ? 'work.sms.retiring' : undefined;
  if (phones.reason === 'off') return 'work.sms.off';
  return now.getTime() < SMS_VOICE_RETIREMENT_ADMINS.getTime() ? 'work.sms.retiredAdminsLeft' : 'work.sms.retired';
}
