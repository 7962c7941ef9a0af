/**
 * Whether text and voice codes will reach a work or school account's phone, on a given date.
 *
 * Microsoft-provided SMS and voice MFA in Entra ID stop on 1 Feb 2027 (1 Jul 2027 for Global
 * Administrators and external users) unless the organisation brings its own telephony provider
 * (docs/support-content.md, "Current facts"; entra-docs concept-sms-voice-retirement).
 * The bot never guesses which applies: the operator says so (PHONE_SIGN_IN), and the date comes
 * from an injected clock so the advice is right on both sides of it.
 */

/** The operator's word: Microsoft's own SMS/voice, the organisation's own provider, or no phone sign-in. */
export type PhoneSignInSetting = 'microsoft' | 'own-provider' | 'off';

/** The day Microsoft-provided SMS and voice stop for most users (UTC). */
export const SMS_VOICE_RETIREMENT = new Date('2027-02-01T00:00:00Z');
/** The later day for Global Administrators and external users. */
export const SMS_VOICE_RETIREMENT_ADMINS = new Date('2027-07-01T00:00:00Z');

export type PhoneSignIn =
  /** Codes arrive (the organisation's own provider): a phone is a fine method. */
  | { works: true; retiring: false }
  /** Codes arrive until `stopsOn`: a phone is a stopgap, Authenticator or a passkey is better. */
  | { works: true; retiring: true; stopsOn: Date; adminsStopOn: Date }
  /** Codes do not arrive (after the date without a provider, or phone sign-in off). */
  | { works: false; reason: 'retired' | 'off' };

export function phoneSignIn(setting: PhoneSignInSetting, now: Date): PhoneSignIn {
  if (setting === 'off') return { works: false, reason: 'off' };
  if (setting === 'own-provider') return { works: true, retiring: false };
  if (now.getTime() < SMS_VOICE_RETIREMENT.getTime()) {
    return { works: true, retiring: true, stopsOn: SMS_VOICE_RETIREMENT, adminsStopOn: SMS_VOICE_RETIREMENT_ADMINS };
  }
  return { works: false, reason: 'retired' };
}

/** True when a new phone number is a fix worth offering for a work or school account. */
export function phoneIsAFix(setting: PhoneSignInSetting, now: Date): boolean {
  return phoneSignIn(setting, now).works;
}
