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
  | 'cancellation';

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

/** Raised by assertSafeDetail; names the key only, never the value it refused. */
export class UnsafeAuditDetail extends Error {
  constructor(readonly key: string, readonly why: 'secret-key' | 'phone-number' | 'bearer-token') {
    super(`Audit detail "${key}" refused (${why}): log a masked or summarised value instead`);
    this.name = 'UnsafeAuditDetail';
  }
}

/** Keys that name a credential. Deliberately broad: a false alarm costs a rename, a miss costs a leak. */
const SECRET_KEY = /pass|token|secret|credential|authori[sz]ation|api[-_]?key|cookie/i;

/** A phone number as stored or typed: this many digits in a row once separators are gone. */
const PHONE_DIGITS = /\p{Nd}{7,}/u;
/** What people put between digit groups: spaces of any kind, dashes of any kind, dots, brackets, slashes, '+'. */
const SEPARATORS = /[\s\p{Pd}.()/+]/gu;
/**
 * Values that are long digit runs by construction, not phone numbers: GUIDs (Graph request ids,
 * object ids), ISO 8601 timestamps and ticket references. They are blanked out before the digit check
 * so an audit of a Graph call does not fail at random on a request id such as `12345678-…`.
 */
const HARMLESS = [
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
  /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?/g,
  /\bHD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b/g,
];
/** A JSON Web Token (an access token) pasted into a message: header and payload both start `eyJ`. */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/;

/**
 * Throws if a detail value looks like a secret or a full phone number (7+ consecutive digits once
 * separators are removed, or a key named like pass/token/secret/password), so a careless caller
 * fails in tests rather than leaking.
 */
export function assertSafeDetail(detail: AuditRecord['detail']): void {
  for (const [key, value] of Object.entries(detail)) {
    if (SECRET_KEY.test(key)) throw new UnsafeAuditDetail(key, 'secret-key');
    if (value === null || typeof value === 'boolean') continue;
    const text = normalise(String(value));
    if (JWT.test(text)) throw new UnsafeAuditDetail(key, 'bearer-token');
    // '#' rather than a space, so digits on either side of a blanked id are not joined up.
    const blanked = HARMLESS.reduce((s, pattern) => s.replace(pattern, '#'), text);
    if (PHONE_DIGITS.test(blanked.replace(SEPARATORS, ''))) throw new UnsafeAuditDetail(key, 'phone-number');
  }
}

/** Full-width digits and invisible format characters must not hide a number from the check. */
function normalise(text: string): string {
  return text.normalize('NFKC').replace(/\p{Cf}/gu, '');
}
