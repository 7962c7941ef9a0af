/**
 * The audit trail of a helpdesk ticket: who asked, who decided, what the bot did in Graph. It is
 * read by people investigating a takeover, so it must be complete and must itself leak nothing:
 * no pass, no token, no full phone number.
 */

export type AuditKind =
  | 'request'
  | 'posted'
  | 'refusal'
  | 'approval'
  | 'denial'
  | 'graph-call'
  | 'completed'
  | 'failed'
  | 'notification'
  | 'expiry'
  | 'cancellation'
  /** An approver acted without the evidence the policy asks for, with a written reason. */
  | 'override'
  /** Only when updating the channel's card failed: the channel still shows an older state. */
  | 'card-update'
  /** The manager's confirmation: asked, nobody to ask (and why), answered (helpdesk/service.ts). */
  | 'manager-asked'
  | 'manager-unavailable'
  | 'manager-answer'
  /** "Was this you?" sent (or not) to the owner or their manager after a change. */
  | 'owner-notice'
  /** The owner's "This wasn't me": the dispute, then the sessions revoked (or not), then the alert. */
  | 'dispute'
  | 'sessions-revoked'
  /** A line posted to the helpdesk channel about a request (a manager's "No", a dispute). */
  | 'alert'
  /** On the original: a later request for the same account was kept as its duplicate. */
  | 'duplicate-received';

export interface AuditRecord {
  reference: string;
  at: string;
  kind: AuditKind;
  /** Entra object id of the person who acted, or absent for the bot itself. */
  actor?: string;
  detail: Record<string, string | number | boolean | null>;
}

export interface AuditPort {
  append(record: AuditRecord): Promise<void>;
  list(reference: string): Promise<AuditRecord[]>;
}

/** Keys that name a credential. Deliberately broad: a false alarm costs a rename, a miss costs a leak. */
const SECRET_KEY = /pass|token|secret|credential|authori[sz]ation|api[-_]?key|cookie/i;

/** A phone number as stored or typed: this many digits in a row once separators are gone. */
const PHONE_DIGITS = /\p{Nd}{7,}/u;
/**
 * Values that are long digit runs by construction, not phone numbers: GUIDs (Graph request ids,
 * object ids), ISO 8601 timestamps and ticket references. They are left alone by the digit masking, so a
 * Graph request id such as `12345678-…` stays readable.
 */
const HARMLESS = [
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
  /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?/g,
  /\bHD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b/g,
];
/** A JSON Web Token (an access token) pasted into a message: header and payload both start `eyJ`. */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/;

/**
 * Which detail fields may carry what. The audit redacts by field instead of refusing a record:
 * a record that cannot be written is a hole in the trail, which is worse than a masked value.
 * - `id`: identifiers by construction (conversation ids, object ids, sign-in addresses such as
 *   s1234567@contoso.edu): kept as they are when they look like one (one word with a letter in
 *   it, not starting with '+'), masked like any other value otherwise.
 * - `activity`: the id a channel gave a posted activity; Teams' are 13-digit numbers (epoch
 *   milliseconds), so digits alone pass here, and only here.
 * - `free`: text a person or a service wrote (an error message, a reason): digit runs that could
 *   be a phone number are masked, tokens removed, and the text cut to a summary length.
 * - anything else, including keys nobody declared: short values and counts pass; digit runs of
 *   7+ (a phone number, however it is written) are masked, never refused.
 * Keys that name a credential keep the key (so the trail shows something was there) and lose the value.
 */
const FIELD_KINDS: Readonly<Record<string, 'activity' | 'id' | 'free'>> = {
  activityId: 'activity',
  requestId: 'id',
  requestIds: 'id',
  failedRequestId: 'id',
  conversation: 'id',
  conversationId: 'id',
  channelId: 'id',
  target: 'id',
  account: 'id',
  existing: 'id',
  message: 'free',
  reason: 'free',
  note: 'free',
  error: 'free',
};

/** Free text is kept to this many characters: enough to say what happened, not a transcript. */
export const FREE_TEXT_LIMIT = 200;
const ID_SHAPE = /^[^\s]{1,400}$/u;
/** A digit, then digits and the separators people put between digit groups, ending in a digit. */
const DIGIT_RUN = /\p{Nd}(?:[\s\p{Pd}.()/+]*\p{Nd})*/gu;
const JWT_GLOBAL = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}(?:\.[\w-]*)?/g;
const BEARER = /\bbearer\s+\S+/gi;

export const REDACTED = '[redacted]';

/**
 * The detail as it may be stored and logged: never throws, never drops a field. Returns the keys
 * it changed, so the record can say that it was redacted.
 */
export function redactDetail(detail: AuditRecord['detail']): { detail: AuditRecord['detail']; redacted: string[] } {
  const out: AuditRecord['detail'] = {};
  const redacted: string[] = [];
  for (const [key, value] of Object.entries(detail)) {
    const safe = redactValue(key, value);
    if (safe !== value) redacted.push(key);
    out[key] = safe;
  }
  return { detail: out, redacted };
}

function redactValue(key: string, value: AuditRecord['detail'][string]): AuditRecord['detail'][string] {
  if (SECRET_KEY.test(key)) return value === null ? null : REDACTED;
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    // Counts, statuses and durations are short; a long integer is a number someone typed.
    return PHONE_DIGITS.test(String(Math.trunc(Math.abs(value)))) ? maskDigits(String(value)) : value;
  }
  const kind = FIELD_KINDS[key];
  const text = normalise(value);
  const oneWord = ID_SHAPE.test(text) && !text.startsWith('+') && !JWT.test(text);
  if (kind === 'activity' && oneWord) return value;
  if (kind === 'id' && oneWord && /\p{L}/u.test(text)) return value;
  let safe = text.replace(BEARER, REDACTED).replace(JWT_GLOBAL, REDACTED);
  safe = maskOutsideHarmless(safe);
  if (kind === 'free') {
    const points = Array.from(safe);
    if (points.length > FREE_TEXT_LIMIT) safe = `${points.slice(0, FREE_TEXT_LIMIT).join('')}…`;
  }
  return safe === value ? value : safe;
}

/** Masks long digit runs, leaving GUIDs, timestamps and references (digit-heavy by construction) alone. */
function maskOutsideHarmless(text: string): string {
  const spans: [number, number][] = [];
  for (const pattern of HARMLESS) for (const m of text.matchAll(pattern)) spans.push([m.index, m.index + m[0].length]);
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at) continue;
    out += maskDigits(text.slice(at, start)) + text.slice(start, end);
    at = end;
  }
  return out + maskDigits(text.slice(at));
}

/** Every run of 7+ digits (separators ignored) becomes bullets, keeping its last two digits, as maskPhoneNumber does. */
function maskDigits(text: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    const digits = run.replace(/[^\p{Nd}]/gu, '');
    return digits.length >= 7 ? `${'•'.repeat(digits.length - 2)}${digits.slice(-2)}` : run;
  });
}

/** Full-width digits and invisible format characters must not hide a number from the check. */
function normalise(text: string): string {
  return text.normalize('NFKC').replace(/\p{Cf}/gu, '');
}
