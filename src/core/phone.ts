/**
 * Mobile numbers as people type them in chat, as we store them (E.164), and as Microsoft Graph's
 * phoneMethods API wants them ("+{country code} {subscriber number}").
 *
 * Full numbers are personal data: nothing here logs, and error messages never contain a number.
 * Use maskPhoneNumber() whenever a number has to appear in a log or in a message to the person.
 */
import {
  ParseError,
  getExampleNumber,
  isSupportedCountry,
  parsePhoneNumberFromString,
  parsePhoneNumberWithError,
  searchPhoneNumbersInText,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import metadata from 'libphonenumber-js/max/metadata';

/** Why a typed number was refused; each maps to its own reply so the person knows what to fix. */
export type PhoneRejection =
  | 'empty'
  | 'not_a_number'
  /** National format typed and no default country known. */
  | 'needs_country_code'
  /** The country calling code does not exist. */
  | 'invalid_country'
  | 'too_short'
  | 'too_long'
  /** Possible length but not a real number; also used when the input holds two different numbers. */
  | 'invalid'
  /** Valid, but a landline, toll-free, premium-rate… number, which cannot receive the codes. */
  | 'not_mobile'
  /** Extensions reach desk phones, never a mobile. */
  | 'has_extension'
  /** The new number is one of the numbers being replaced. */
  | 'same_as_old';

export interface ParsedMobile {
  /** Canonical form for storage and comparison, e.g. '+447400123456'. */
  e164: string;
  /** ISO 3166-1 alpha-2 region, when the number identifies one. */
  country?: string;
  /** Microsoft Graph phoneMethods form, e.g. '+44 7400123456'. */
  graph: string;
  /** Safe to log or show: country calling code and last two digits, e.g. '+44 ••••••••56'. */
  masked: string;
}

/**
 * On rejection, `example` is a mobile number for the country the person seems to be in (the typed
 * number's own country, else the default country, else GB) in INTERNATIONAL format, so the reply
 * can show what a good answer looks like without echoing what they typed.
 */
export type PhoneParseResult =
  | { ok: true; phone: ParsedMobile }
  | { ok: false; reason: PhoneRejection; example: string };

export interface ParseMobileOptions {
  /** ISO region used for national-format input (e.g. from countryFromLocale()); any case. */
  defaultCountry?: string;
  /** Numbers the person is replacing, as E.164 or Graph form; typing one of them again is rejected. */
  oldNumbers?: readonly string[];
}

/** Chat input can be up to 1 MB; nobody types a phone number in more than this. */
const MAX_INPUT_LENGTH = 64;
/** E.164's 15 digits plus a three-digit international prefix such as the US '011'. */
const MAX_DIGITS = 18;
/**
 * A leftover digit run this long next to a recognised number is probably a second number, and
 * guessing which one the person meant could lock them out of their account.
 */
const SECOND_NUMBER_MIN_DIGITS = 7;
/** No country's mobile numbers are shorter than this (Tokelau's have four digits). */
const MIN_NATIONAL_DIGITS = 4;
const FALLBACK_COUNTRY: CountryCode = 'GB';
/** Used only if the bundled example metadata ever lacks GB, so a hint is always available. */
const FALLBACK_EXAMPLE = '+44 7400 123456';
const MASK = '•';

const E164 = /^\+[1-9]\d{1,14}$/;
/** Graph form without extension: country codes are 1–3 digits and E.164 caps the total at 15. */
const GRAPH = /^\+([1-9]\d{0,2}) (\d{1,14})$/;
/**
 * "00" opening a number is the international prefix in most of the world, but libphonenumber only
 * understands it relative to a default country. The look-behind keeps a "00" group inside a number
 * (e.g. '+34 612 00 45 67') from being mistaken for one.
 */
const INTERNATIONAL_00 = /(?<![\d+][\s\-./()]*)00[\s\-.]*(?=[1-9])/g;
/** A run of digits with the separators people put between groups; used for diagnosis only. */
const DIGIT_RUN = /\+?[(\s]*\d[\d\s\-./()]*/g;
/** Dashes that keyboards and word processors substitute for '-'. NFKC leaves these alone. */
const DASHES = /[\u2010-\u2015\u2212\u30fc\ufe58\ufe63]/g;

const DECIMAL_DIGIT = /^\p{Nd}$/u;

const ACCEPTED_TYPES: ReadonlySet<string> = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * Country calling code -> regions, main region first (e.g. '1' -> US, '44' -> GB). Needed because
 * an impossible-length number has no region, yet its calling code still tells us whose example to
 * show.
 */
const CALLING_CODE_REGIONS: Readonly<Record<string, readonly string[] | undefined>> =
  metadata.country_calling_codes;

/**
 * Parses a new mobile number typed in chat.
 *
 * National format is understood only with opts.defaultCountry; a leading '00' is read as '+'.
 * Exactly one number may appear in the input: a second, different one makes the input ambiguous
 * and it is rejected as 'invalid' rather than guessed at.
 */
export function parseMobileNumber(input: string, opts: ParseMobileOptions = {}): PhoneParseResult {
  const defaultCountry = toCountryCode(opts.defaultCountry);
  const reject = (reason: PhoneRejection, country?: CountryCode): PhoneParseResult => ({
    ok: false,
    reason,
    example: exampleFor(country ?? defaultCountry ?? FALLBACK_COUNTRY),
  });

  const trimmed = typeof input === 'string' ? input.trim() : '';
  if (trimmed === '') return reject('empty');
  // Checked before any normalisation or parsing so a pasted megabyte costs nothing.
  if (trimmed.length > MAX_INPUT_LENGTH) return reject('too_long');

  const text = normaliseText(trimmed);
  // String.prototype.trim() keeps zero-width characters, which normalisation has just removed.
  if (text.trim() === '') return reject('empty');
  if (!/\d/.test(text)) return reject('not_a_number');

  const found = distinctMatches(text, defaultCountry);
  if (found.length > 1) return reject('invalid', regionOf(found[0].number));
  const match = found[0];
  if (match) {
    const region = regionOf(match.number) ?? defaultCountry;
    if (hasSecondNumber(text, match, region)) return reject('invalid', regionOf(match.number));
    return classify(match.number, opts.oldNumbers ?? [], defaultCountry, reject);
  }
  return diagnose(text, opts.oldNumbers ?? [], defaultCountry, reject);
}

/** A mobile number to show as an example before the person has typed anything. */
export function exampleMobile(country?: string): string {
  return exampleFor(toCountryCode(country) ?? FALLBACK_COUNTRY);
}

/** '+447400123456' -> '+44 7400123456'. Throws (without echoing the input) unless given E.164. */
export function toGraphPhoneNumber(e164: string): string {
  const phone = parseE164(e164);
  if (!phone) throw new Error('Not an E.164 phone number');
  return graphForm(phone);
}

/**
 * '+44 7400123456' -> '+447400123456'. Returns undefined for anything that is not exactly Graph
 * form, including Graph's extension form ('+1 5555551234x123'): an extension cannot reach a mobile,
 * so there is no E.164 value that would represent it faithfully.
 */
export function fromGraphPhoneNumber(graph: string): string | undefined {
  if (typeof graph !== 'string' || graph.length > MAX_INPUT_LENGTH) return undefined;
  const m = GRAPH.exec(graph.trim());
  if (!m) return undefined;
  const [, callingCode, subscriber] = m;
  const e164 = `+${callingCode}${subscriber}`;
  const phone = parseE164(e164);
  // '+4 47400123456' would otherwise become a valid-looking +44 number.
  return phone && phone.countryCallingCode === callingCode ? e164 : undefined;
}

/**
 * Masks an E.164 or Graph-form number as '+44 ••••••••56'. Anything else yields '••••' followed by
 * at most its last two digits, and no digits at all when it has too few for that to stay partial.
 */
export function maskPhoneNumber(number: string): string {
  if (typeof number !== 'string') return MASK.repeat(4);
  const s = number.trim();
  const phone = s.length <= MAX_INPUT_LENGTH ? parseE164(fromGraphPhoneNumber(s) ?? s) : undefined;
  if (phone) return maskParts(phone.countryCallingCode, phone.nationalNumber);
  return MASK.repeat(4) + lastTwoDigitsIfMany(s);
}

/**
 * An E.164 number written for its owner to check, '+44 7400 123456'. Only for the person's own
 * number in their own 1:1 chat; everywhere else use maskPhoneNumber().
 */
export function formatPhoneNumber(e164: string): string {
  return parseE164(e164)?.formatInternational() ?? e164;
}

/**
 * Region from a BCP 47 or POSIX locale: 'en-GB' -> 'GB', 'es_MX' -> 'MX', 'zh-Hant-TW' -> 'TW'.
 * Language-only and UN M.49 area locales ('en', 'es-419') name no single country's numbering plan.
 */
export function countryFromLocale(locale: string | undefined): string | undefined {
  if (typeof locale !== 'string' || locale.length > 100) return undefined;
  const m = /^[a-z]{2,3}(?:[-_][a-z]{4})?[-_]([a-z]{2})(?:[-_.@]|$)/i.exec(locale.trim());
  return m ? toCountryCode(m[1]) : undefined;
}

interface Match {
  number: PhoneNumber;
  startsAt: number;
  endsAt: number;
}

type Reject = (reason: PhoneRejection, country?: CountryCode) => PhoneParseResult;

function classify(
  phone: PhoneNumber,
  oldNumbers: readonly string[],
  defaultCountry: CountryCode | undefined,
  reject: Reject,
): PhoneParseResult {
  const region = regionOf(phone);
  if (phone.ext) return reject('has_extension', region);
  if (!phone.isPossible()) return reject(lengthRejection(phone.number), region);
  if (!phone.isValid()) return reject('invalid', region);
  const type = phone.getType();
  // An undetermined type on a valid number is accepted: refusing it would lock out real people
  // whose numbering plan the metadata describes only loosely.
  if (type !== undefined && !ACCEPTED_TYPES.has(type)) return reject('not_mobile', region);
  if (isOldNumber(phone.number, oldNumbers, region ?? defaultCountry)) return reject('same_as_old', region);

  const parsed: ParsedMobile = {
    e164: phone.number,
    graph: graphForm(phone),
    masked: maskParts(phone.countryCallingCode, phone.nationalNumber),
  };
  if (phone.country) parsed.country = phone.country;
  return { ok: true, phone: parsed };
}

/**
 * No plausible number was recognised, so work out the most useful reason to tell the person. The
 * longest digit run is taken as what they meant to be the number.
 */
function diagnose(
  text: string,
  oldNumbers: readonly string[],
  defaultCountry: CountryCode | undefined,
  reject: Reject,
): PhoneParseResult {
  const runs = [...text.matchAll(DIGIT_RUN)].map((m) => ({
    at: m.index,
    international: m[0].includes('+'),
    digits: countDigits(m[0]),
  }));
  if (runs.filter((r) => r.digits >= SECOND_NUMBER_MIN_DIGITS).length > 1) return reject('invalid');
  const best = runs.reduce<(typeof runs)[number] | undefined>(
    (a, r) => (a === undefined || r.digits > a.digits ? r : a),
    undefined,
  );
  if (!best) return reject('not_a_number');
  if (best.digits > MAX_DIGITS) return reject('too_long');

  let phone: PhoneNumber;
  try {
    // Parsing from the run onward, rather than the run alone, keeps a trailing extension visible.
    phone = parsePhoneNumberWithError(text.slice(best.at), { defaultCountry });
  } catch (error) {
    const code = error instanceof ParseError ? error.message : '';
    switch (code) {
      case 'INVALID_COUNTRY':
        if (best.international || defaultCountry) return reject('invalid_country');
        // Asking for a country code would send someone who typed '12' down the wrong path.
        return reject(best.digits < MIN_NATIONAL_DIGITS ? 'too_short' : 'needs_country_code');
      case 'TOO_SHORT':
        return reject('too_short');
      case 'TOO_LONG':
        return reject('too_long');
      case 'NOT_A_NUMBER':
        return reject('not_a_number');
      default:
        return reject('invalid');
    }
  }
  return classify(phone, oldNumbers, defaultCountry, reject);
}

/** Matches found in the text, without repeats of the same number. */
function distinctMatches(text: string, defaultCountry: CountryCode | undefined): Match[] {
  const seen = new Map<string, Match>();
  // 'extended' also finds possible-but-invalid numbers, so they can be rejected with a reason
  // instead of being silently skipped in favour of some other digits in the message.
  for (const m of searchPhoneNumbersInText(text, { defaultCountry, extended: true })) {
    const key = `${m.number.number}x${m.number.ext ?? ''}`;
    if (!seen.has(key)) seen.set(key, m);
  }
  return [...seen.values()];
}

/**
 * True when digits outside the matched number look like another number, e.g. a national-format
 * one the matcher could not read without a default country. Repeating the same number in another
 * format is not a second number.
 */
function hasSecondNumber(text: string, match: Match, region: CountryCode | undefined): boolean {
  const rest = text.slice(0, match.startsAt) + ' ' + text.slice(match.endsAt);
  for (const m of rest.matchAll(DIGIT_RUN)) {
    if (countDigits(m[0]) < SECOND_NUMBER_MIN_DIGITS) continue;
    const other = parsePhoneNumberFromString(m[0], { defaultCountry: region });
    if (other?.number !== match.number.number) return true;
  }
  return false;
}

function normaliseText(s: string): string {
  return (
    s
      // Full-width digits, '＋' and '（）' (common with Japanese/Chinese IMEs) become ASCII.
      .normalize('NFKC')
      // Bidi marks and zero-width characters ride along when numbers are copied from RTL text.
      .replace(/\p{Cf}/gu, '')
      // Phone keyboards in Arabic, Persian, Hindi, Bengali… produce their own script's digits.
      .replace(/\p{Nd}/gu, toAsciiDigit)
      .replace(/\s+/g, ' ')
      .replace(DASHES, '-')
      .replace(INTERNATIONAL_00, '+')
  );
}

/**
 * Unicode guarantees every script's decimal digits are encoded as a contiguous run from 0 to 9, so
 * a digit's value is its distance from the start of its run (runs can abut, hence the modulo).
 */
function toAsciiDigit(digit: string): string {
  const cp = digit.codePointAt(0) ?? 0;
  let zero = cp;
  while (zero > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return String((cp - zero) % 10);
}

function isOldNumber(e164: string, oldNumbers: readonly string[], region: CountryCode | undefined): boolean {
  return oldNumbers.some((old) => canonicalOld(old, region) === e164);
}

/** Old numbers come from Graph or our own store, but accept anything we can read unambiguously. */
function canonicalOld(value: string, region: CountryCode | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s === '' || s.length > MAX_INPUT_LENGTH) return undefined;
  if (E164.test(s)) return s;
  // The person is replacing the phone, not the extension: '+1 5555551234x12' still means that line.
  const graph = fromGraphPhoneNumber(s.replace(/x\d+$/i, ''));
  if (graph) return graph;
  return parsePhoneNumberFromString(normaliseText(s), { defaultCountry: region })?.number;
}

function parseE164(value: string): PhoneNumber | undefined {
  if (!E164.test(value)) return undefined;
  const phone = parsePhoneNumberFromString(value);
  // Round-tripping rejects inputs libphonenumber would rewrite, such as a trunk '0' after the code.
  return phone && phone.number === value && !phone.ext ? phone : undefined;
}

function graphForm(phone: PhoneNumber): string {
  return `+${phone.countryCallingCode} ${phone.nationalNumber}`;
}

function maskParts(callingCode: string, nationalNumber: string): string {
  // Two visible digits out of four or fewer would give too much of the number away.
  const visible = nationalNumber.length > 4 ? nationalNumber.slice(-2) : '';
  return `+${callingCode} ${MASK.repeat(nationalNumber.length - visible.length)}${visible}`;
}

function lastTwoDigitsIfMany(s: string): string {
  let last = '';
  let count = 0;
  for (let i = s.length - 1; i >= 0 && count <= 4; i--) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (count < 2) last = s[i] + last;
      count++;
    }
  }
  return count > 4 ? last : '';
}

function lengthRejection(e164: string): PhoneRejection {
  switch (validatePhoneNumberLength(e164)) {
    case 'TOO_SHORT':
      return 'too_short';
    case 'TOO_LONG':
      return 'too_long';
    case 'INVALID_COUNTRY':
      return 'invalid_country';
    default:
      return 'invalid';
  }
}

function regionOf(phone: PhoneNumber): CountryCode | undefined {
  return phone.country ?? phone.getPossibleCountries()[0] ?? mainRegion(phone.countryCallingCode);
}

function mainRegion(callingCode: string): CountryCode | undefined {
  const first = CALLING_CODE_REGIONS[callingCode]?.[0];
  return first !== undefined && isSupportedCountry(first) ? first : undefined;
}

function toCountryCode(value: string | undefined): CountryCode | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

function exampleFor(country: CountryCode): string {
  return (
    getExampleNumber(country, examples)?.formatInternational() ??
    getExampleNumber(FALLBACK_COUNTRY, examples)?.formatInternational() ??
    FALLBACK_EXAMPLE
  );
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
