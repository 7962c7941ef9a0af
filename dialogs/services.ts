import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { Localizer } from '../src/core/i18n';
import type { DirectoryPort } from '../src/core/directory';
import type { PhoneSignInSetting } from '../src/core/phoneSignIn';
import type { AccountKind, Clock, ProblemCase, EscalationPort, Log, OutcomePort, RequestTracker } from '../src/core/ports';
import type { Voice } from './voice';

/** What the conversation remembers about this support case between turns (conversation state). */
export interface SupportCase {
  kind?: AccountKind;
  /** What broke (DiagnosisDialog), recorded with the outcome. */
  problem?: ProblemCase;
  /** The SMS/voice retirement date is stated once per conversation, not at every step. */
  smsNoteShown?: boolean;
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

/**
 * Microsoft-provided SMS and voice MFA stop on 1 Feb 2027: that matters to every work/school
 * user choosing a new method, but saying it once per conversation is enough.
 */
export async function saySmsRetirementOnce(voice: Voice, cases: StatePropertyAccessor<SupportCase>, context: TurnContext): Promise<void> {
  const supportCase = await cases.get(context, {});
  if (supportCase.smsNoteShown) return;
  supportCase.smsNoteShown = true;
  await voice.say(context, 'work.smsRetirement');
}
