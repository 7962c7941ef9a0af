/**
 * The fuzz generator shared by the bounded jest test (test/fuzz/fuzz.test.ts) and the long runs
 * of `npm run fuzz` (scripts/fuzz.ts). Every case is derived from (seed, index) alone, so a
 * failing case is reproduced by its two numbers, whatever ran before it.
 *
 * A case is one to a few HTTP requests (a conversation's turns share their ids). It only ever
 * talks to loopback: message turns use `deliveryMode: expectReplies` or the loopback connector's
 * serviceUrl.
 */

/** mulberry32: small, fast and good enough to spread inputs; not for secrets. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/**
 * Inputs that broke the server before issue 10's fixes. A generator listed here can be turned off
 * (test/fuzz/fuzz.test.ts KNOWN_ON, `npm run fuzz -- --known=…`) while a new finding is open.
 */
export const KNOWN_FINDINGS = {
  gzip: 'Content-Encoding gzip/deflate ends the process (restify#1975); 415 expected',
  form: 'form-encoded or other non-JSON bodies on /api/messages are accepted; 415 expected',
  unknownInvoke: 'an unknown invoke name answers 5xx; a proper invoke response expected',
  missingServiceUrl: 'a non-expectReplies turn without serviceUrl retries the public host ~11 s; 400 expected',
  nosniff: 'X-Content-Type-Options: nosniff missing on a response',
} as const;
export type KnownFinding = keyof typeof KNOWN_FINDINGS;
export const ALL_KNOWN = Object.keys(KNOWN_FINDINGS) as KnownFinding[];

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the answer must satisfy besides the general rules (no 5xx, in time). */
  expect?: 'notSuccess' | 'nosniff';
  /** Set when this request exercises a known finding (only generated when that finding is on). */
  known?: KnownFinding;
}

export interface FuzzCase {
  seed: number;
  index: number;
  family: string;
  requests: FuzzRequest[];
  /** Phone-like numbers and secrets planted in the input: they must never appear in the logs. */
  secrets: string[];
}

export interface GenerateOptions {
  /** The loopback connector's base URL, for turns whose replies are posted rather than returned. */
  serviceUrl: string;
  known: ReadonlySet<KnownFinding>;
}

// ---- building blocks ---------------------------------------------------------------------------

const WORDS = [
  'hi', 'help', 'work', 'personal', 'school', 'yes', 'no', 'done', 'skip', 'cancel', 'start over', 'status',
  'agent', 'human', 'I changed my phone', 'new phone no codes', 'hola', 'cambié de teléfono', 'ayuda', 'sí',
  'replace', 'send', 'back', 'menu', 'adele.vance@contoso.example', 'pat@contoso.com', 's1234567@contoso.edu',
  'HD-ABCD-1234', 'approve', 'deny', '/reset', '<script>alert(1)</script>', '**bold** [x](javascript:alert(1))',
  '${user}', '{{name}}', '%s%s%n', '../../etc/passwd', "'; DROP TABLE x; --", '\u202Eevil', '🙂📱🔐', 'ｈｅｌｐ',
];
const CONTROL = ['\u0000', '\u0007', '\b', '\u001b[31m', '\r\n', '\t', '\u2028', '\u2029', '\uFEFF', '\uD800', '\uDFFF', '\u200B', '\u0301'];
const CHANNELS = ['webchat', 'msteams', 'directline', 'emulator', 'test', 'slack', 'x'.repeat(64)];
const LOCALES = ['en-GB', 'en-US', 'es-ES', 'es', 'fr-FR', 'zz', 'EN', 'en_GB', 'x-klingon', ''];
const CONVERSATION_TYPES = ['personal', 'channel', 'groupChat', 'unknown', ''];
const CARD_VERBS = ['approve-tap', 'approve-replace-mobile', 'approve', 'deny', 'refresh', 'details', 'delete', '', 'APPROVE', 'x'.repeat(300)];
const INVOKE_NAMES = ['adaptiveCard/action'];
const UNKNOWN_INVOKE_NAMES = [
  'healthCheck', 'composeExtension/query', 'task/fetch', 'task/submit', 'signin/verifyState', 'signin/tokenExchange', 'actionableMessage/executeAction',
  'fileConsent/invoke', 'application/search', 'config/fetch', 'tab/fetch', 'message/submitAction', 'handoff/action', 'nonsense/x', '',
];
const OTHER_TYPES = ['typing', 'messageReaction', 'endOfConversation', 'deleteUserData', 'trace', 'handoff', 'contactRelationUpdate', 'messageUpdate', 'messageDelete', 'suggestion', 'command', 'MESSAGE', 'x'.repeat(64), '__proto__', 'constructor'];
const EVENT_NAMES = ['webchat/join', 'webchat/exit', 'tokens/response', 'ContinueConversation', 'application/vnd.microsoft.meetingStart', '', 'x'];

function phoneNumber(r: Rng): string {
  // Distinctive digit runs (so a hit in the logs is this number, not a timestamp): UK, US, ES, DE shapes.
  const d = (n: number) => Array.from({ length: n }, () => String(r.int(10))).join('');
  return r.pick([
    () => `+44 7700 9${d(5)}`,
    () => `07700 9${d(5)}`,
    () => `+1 (415) 55${d(1)}-${d(4)}`,
    () => `+34 6${d(2)} ${d(3)} ${d(3)}`,
    () => `+49 151 ${d(8)}`,
    () => `00447700${d(6)}`,
  ])();
}

function randomString(r: Rng, max: number): string {
  const n = r.int(max + 1);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r.int(10);
    if (k < 5) s += String.fromCharCode(32 + r.int(95));
    else if (k < 7) s += String.fromCodePoint(0xa0 + r.int(0x2f00));
    else if (k < 8) s += r.pick(CONTROL);
    else if (k < 9) s += String.fromCodePoint(0x1f300 + r.int(0x300));
    else s += String.fromCharCode(r.int(0x10000)); // lone surrogates included
  }
  return s;
}

/** Text a person (or an attacker) might send; returns the planted phone numbers too. */
function text(r: Rng, secrets: string[]): string {
  switch (r.int(9)) {
    case 0:
    case 1:
    case 2:
      return r.pick(WORDS);
    case 3: {
      const phone = phoneNumber(r);
      secrets.push(phone);
      return r.chance(0.5) ? phone : `my new number is ${phone} please`;
    }
    case 4:
      return randomString(r, 40);
    case 5:
      return r.pick(WORDS) + r.pick(CONTROL) + r.pick(WORDS);
    case 6:
      // Long texts at a prompt cost the number recognizer ~100-250 ms each (see the report in
      // README "Fuzzing"); kept rarer so the bounded run stays within its time.
      if (r.chance(0.6)) return r.pick(WORDS);
      return r.pick(['a', '🙂', '9', ' ', '\u0000', '1 ']).repeat(r.pick([600, 999, 2001, 5000, 40_000]));
    case 7:
      return r.pick(['', ' ', '\n\n', '\u200B']);
    default:
      return randomString(r, 300);
  }
}

/** A value of the wrong (or a surprising) type: numbers, arrays, null, deep nesting, huge strings. */
function junk(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 8 : 11)) {
    case 0:
      return null;
    case 1:
      return r.pick([0, -1, 1e308, -0, 3.14, 2 ** 53 + 1, 1234567890123]);
    case 2:
      return r.chance(0.5);
    case 3:
      return '';
    case 4:
      return randomString(r, 20);
    case 5:
      return 'x'.repeat(r.pick([65, 1025, 2049, 70_000]));
    case 6:
      return [];
    case 7:
      return {};
    case 8:
      return Array.from({ length: r.int(4) }, () => junk(r, depth + 1));
    case 9:
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['id', 'type', 'text', '__proto__', 'constructor', 'toString', randomString(r, 8)]), junk(r, depth + 1)]));
    default:
      return nest(r.pick([20, 200, 2000]), r.chance(0.5));
  }
}

function nest(depth: number, arrays: boolean): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** Action.Submit data the bot's cards send (and forgeries of it). */
function cardValue(r: Rng, secrets: string[]): unknown {
  switch (r.int(6)) {
    case 0:
      return { choice: r.pick(['done', 'yes', 'no', 'work', 'personal', 'send', 'edit', 'cancel', 'replace-mobile', 'tap', 'x'.repeat(500), '']) };
    case 1:
      return { choice: junk(r) };
    case 2: {
      const phone = phoneNumber(r);
      secrets.push(phone);
      return { newNumber: phone, oldNumber: phoneNumber(r), address: r.pick(WORDS) };
    }
    case 3:
      return { action: { type: 'Action.Execute', verb: r.pick(CARD_VERBS), data: { reference: r.pick(['HD-ABCD-1234', junk(r)]) } } };
    case 4:
      return junk(r);
    default:
      return { [randomString(r, 10)]: junk(r) };
  }
}

function attachments(r: Rng): unknown {
  if (r.chance(0.5)) return junk(r);
  return [
    {
      contentType: r.pick(['application/vnd.microsoft.card.adaptive', 'image/png', 'text/html', 'application/vnd.microsoft.teams.file.download.info', '']),
      contentUrl: r.pick(['http://127.0.0.1:9/x.png', 'file:///etc/passwd', 'javascript:alert(1)', junk(r)]),
      content: r.chance(0.5) ? { type: 'AdaptiveCard', body: junk(r) } : junk(r),
      name: randomString(r, 30),
    },
  ];
}

// ---- activities --------------------------------------------------------------------------------

interface Ids {
  conversationId: string;
  userId: string;
  channelId: string;
  conversationType: string;
}

function ids(r: Rng, c: { seed: number; index: number }): Ids {
  const channelId = r.pick(CHANNELS);
  const conversationId = r.chance(0.9)
    ? `fuzz-${c.seed}-${c.index}`
    : r.pick([`19:${c.index}@thread.tacv2`, `a:${'x'.repeat(900)}`, `${randomString(r, 30)}|${c.index}`, `../../${c.index}`, `__proto__`]);
  const userId = r.chance(0.9) ? `user-${c.index}` : r.pick([`29:${randomString(r, 20)}`, 'bot', `dl_${c.index}`, 'constructor']);
  return { conversationId, userId, channelId, conversationType: r.pick(CONVERSATION_TYPES) };
}

function baseActivity(r: Rng, who: Ids, options: GenerateOptions, known: KnownFinding[]): Record<string, unknown> {
  const conversation: Record<string, unknown> = { id: who.conversationId };
  if (who.conversationType) conversation.conversationType = who.conversationType;
  if (who.conversationType && who.conversationType !== 'personal') conversation.isGroup = true;
  const activity: Record<string, unknown> = {
    channelId: who.channelId,
    conversation,
    from: { id: who.userId, name: r.chance(0.8) ? 'Fuzz Person' : randomString(r, 40), ...(r.chance(0.3) ? { aadObjectId: r.pick(['cd4fd39b-6bec-4cfd-b123-003ac4aab3fa', 'patti@contoso.example', randomString(r, 10)]) } : {}) },
    recipient: { id: 'bot' },
    locale: r.pick(LOCALES),
    id: `act-${r.int(1e9)}`,
    timestamp: r.pick([new Date(0).toISOString(), '2025-13-45T99:99:99Z', 'not a date']),
  };
  if (who.channelId === 'msteams' && r.chance(0.5)) activity.channelData = r.chance(0.7) ? { tenant: { id: 'contoso' } } : junk(r);
  const mode = r.int(10);
  if (mode < 8) {
    activity.deliveryMode = 'expectReplies';
    activity.serviceUrl = options.serviceUrl;
  } else if (mode < 9 || !options.known.has('missingServiceUrl')) {
    activity.serviceUrl = options.serviceUrl;
  } else {
    known.push('missingServiceUrl'); // no serviceUrl and replies to be posted
  }
  return activity;
}

function messageFields(r: Rng, secrets: string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: 'message' };
  if (r.chance(0.85)) fields.text = text(r, secrets);
  if (r.chance(0.3)) fields.value = cardValue(r, secrets);
  if (r.chance(0.1)) fields.attachments = attachments(r);
  if (r.chance(0.1)) fields.entities = r.chance(0.5) ? [{ type: 'mention', mentioned: { id: 'bot' }, text: '<at>bot</at>' }] : junk(r);
  if (r.chance(0.05)) fields.textFormat = r.pick(['markdown', 'xml', 'plain', junk(r)]);
  return fields;
}

function invokeFields(r: Rng, secrets: string[], known: ReadonlySet<KnownFinding>, tags: KnownFinding[]): Record<string, unknown> {
  const unknown = known.has('unknownInvoke') && r.chance(0.3);
  if (unknown) tags.push('unknownInvoke');
  const name = unknown ? r.pick(UNKNOWN_INVOKE_NAMES) : r.pick(INVOKE_NAMES);
  const value = r.chance(0.7)
    ? {
        action: {
          type: r.pick(['Action.Execute', 'Action.Submit', junk(r)]),
          verb: r.chance(0.8) ? r.pick(CARD_VERBS) : junk(r),
          data: r.chance(0.7) ? { reference: r.pick(['HD-ABCD-1234', 'hd-0000-0000', `HD-${randomString(r, 9)}`, junk(r)]), reason: text(r, secrets) } : junk(r),
        },
        trigger: r.pick(['manual', 'automatic', junk(r)]),
      }
    : r.chance(0.5) ? cardValue(r, secrets) : junk(r);
  return { type: 'invoke', name, value };
}

function eventLikeFields(r: Rng, family: string, secrets: string[]): Record<string, unknown> {
  switch (family) {
    case 'conversationUpdate':
      return {
        type: 'conversationUpdate',
        membersAdded: r.chance(0.7) ? [{ id: 'bot' }, { id: `someone-${r.int(100)}` }] : junk(r),
        ...(r.chance(0.3) ? { membersRemoved: junk(r) } : {}),
      };
    case 'installationUpdate':
      return { type: 'installationUpdate', action: r.pick(['add', 'remove', 'add-upgrade', 'remove-upgrade', junk(r)]) };
    case 'event':
      return { type: 'event', name: r.chance(0.8) ? r.pick(EVENT_NAMES) : junk(r), value: r.chance(0.5) ? cardValue(r, secrets) : undefined };
    default:
      return { type: r.pick(OTHER_TYPES), text: r.chance(0.5) ? text(r, secrets) : undefined, value: r.chance(0.3) ? junk(r) : undefined };
  }
}

const ACTIVITY_FIELDS = ['type', 'channelId', 'conversation', 'conversation.id', 'from', 'from.id', 'recipient', 'serviceUrl', 'text', 'locale', 'attachments', 'deliveryMode', 'value', 'entities', 'channelData', 'name', 'id', 'replyToId', 'membersAdded', 'conversation.conversationType', 'from.aadObjectId', 'timestamp', 'textFormat', 'localTimezone'];

/** Replaces one field (or a nested one) with a value of the wrong type. */
function mutate(r: Rng, activity: Record<string, unknown>): void {
  const path = r.pick(ACTIVITY_FIELDS).split('.');
  let node: Record<string, unknown> = activity;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return;
    node = next as Record<string, unknown>;
  }
  const key = path.at(-1)!;
  let value = junk(r);
  // serviceUrl is only ever a loopback address (string junk could be a host name to resolve).
  if (key === 'serviceUrl' && typeof value === 'string') value = r.pick([null, 42, ['x'], {}]);
  if (key === 'deliveryMode' && typeof value === 'string') value = r.pick([null, 1, ['expectReplies']]);
  node[key] = value;
}

function json(body: unknown): Buffer {
  return Buffer.from(JSON.stringify(body) ?? 'null');
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function messages(activity: Record<string, unknown>, headers: Record<string, string> = JSON_HEADERS, known?: KnownFinding): FuzzRequest {
  return { method: 'POST', path: '/api/messages', headers, body: json(activity), ...(known ? { known } : {}) };
}

// ---- families ----------------------------------------------------------------------------------

type Family = (r: Rng, c: FuzzCase, o: GenerateOptions) => void;

function activityFamily(kind: 'message' | 'invoke' | 'conversationUpdate' | 'installationUpdate' | 'event' | 'other'): Family {
  return (r, c, o) => {
    const who = ids(r, c);
    const tags: KnownFinding[] = [];
    const activity = baseActivity(r, who, o, tags);
    const fields =
      kind === 'message' ? messageFields(r, c.secrets) : kind === 'invoke' ? invokeFields(r, c.secrets, o.known, tags) : eventLikeFields(r, kind, c.secrets);
    if (kind === 'invoke') {
      // Teams sends card actions without expectReplies; the answer is the invoke response.
      if (r.chance(0.7)) delete activity.deliveryMode;
      if (activity.serviceUrl === undefined && !o.known.has('missingServiceUrl')) activity.serviceUrl = o.serviceUrl;
    }
    c.requests.push(messages({ ...activity, ...fields }, JSON_HEADERS, tags[0]));
  };
}

/** A conversation: the real intake path (so planted numbers reach the phone logic), with junk mixed in. */
const conversationFamily: Family = (r, c, o) => {
  const who = { ...ids(r, c), channelId: r.pick(['webchat', 'msteams']), conversationType: 'personal' };
  const phone = phoneNumber(r);
  const phone2 = phoneNumber(r);
  c.secrets.push(phone, phone2);
  const script = ['hi', r.pick(['work', 'school', 'personal']), 'old phone gone', r.pick(['no', 'yes']), r.pick(['adele.vance@contoso.example', 's1234567@contoso.edu', 'nobody@example.com']), r.pick([phone, 'skip']), phone2, r.pick(['replace', 'add', '1', '2']), r.pick(['send', 'yes', 'edit', 'cancel']), 'status'];
  const turns = 2 + r.int(5);
  for (let i = 0; i < turns; i++) {
    const tags: KnownFinding[] = [];
    const activity = { ...baseActivity(r, who, o, tags), deliveryMode: 'expectReplies', serviceUrl: o.serviceUrl };
    const fields: Record<string, unknown> = r.chance(0.85) ? { type: 'message', text: script[i] } : messageFields(r, c.secrets);
    const full = { ...activity, ...fields };
    if (r.chance(0.1)) mutate(r, full);
    c.requests.push(messages(full));
  }
};

const wrongTypesFamily: Family = (r, c, o) => {
  const who = ids(r, c);
  const tags: KnownFinding[] = [];
  const activity = { ...baseActivity(r, who, o, tags), ...messageFields(r, c.secrets) };
  activity.deliveryMode = 'expectReplies';
  activity.serviceUrl = o.serviceUrl;
  for (let i = 0, n = 1 + r.int(3); i < n; i++) mutate(r, activity);
  c.requests.push(messages(activity));
};

const CONTENT_TYPES_JSON = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=latin1', 'application/json; charset=utf-16', 'application/vnd.api+json', 'application/json; boundary=x'];
const CONTENT_TYPES_OTHER = ['text/plain', 'multipart/form-data; boundary=xyz', 'application/octet-stream', 'text/html', 'application/xml', '', '*/*', 'application/jsonp'];

/** `a[b][c]=v` form encoding, which restify's parser (qs) turns back into nested objects. */
function formEncode(value: unknown, prefix = ''): string {
  // Round-trip through UTF-8 first: encodeURIComponent throws on a lone surrogate.
  const enc = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));
  if (typeof value !== 'object' || value === null) return `${enc(prefix)}=${enc(String(value))}`;
  return Object.entries(value)
    .map(([k, v]) => formEncode(v, prefix ? `${prefix}[${k}]` : k))
    .join('&');
}

const headersFamily: Family = (r, c, o) => {
  const who = ids(r, c);
  const tags: KnownFinding[] = [];
  const activity = { ...baseActivity(r, who, o, tags), type: 'message', text: text(r, c.secrets), deliveryMode: 'expectReplies', serviceUrl: o.serviceUrl };
  const headers: Record<string, string> = { 'content-type': r.pick(CONTENT_TYPES_JSON) };
  let body = json(activity);
  let known: KnownFinding | undefined;
  let expect: FuzzRequest['expect'];
  switch (r.int(7)) {
    case 0: {
      const form = o.known.has('form') && r.chance(0.4);
      headers['content-type'] = form ? 'application/x-www-form-urlencoded' : r.pick(CONTENT_TYPES_OTHER);
      if (headers['content-type'] === '') delete headers['content-type'];
      if (form) {
        known = 'form';
        body = Buffer.from(formEncode(activity));
      }
      expect = 'notSuccess';
      break;
    }
    case 1: {
      const encodings = o.known.has('gzip') ? ['gzip', 'deflate', 'br', 'identity', 'x-gzip', 'gzip, gzip', 'compress'] : ['br', 'identity', 'compress', 'zstd', 'x-unknown'];
      headers['content-encoding'] = r.pick(encodings);
      if (['gzip', 'deflate'].includes(headers['content-encoding'])) known = 'gzip';
      break;
    }
    case 2:
      headers['x-correlation-id'] = r.pick(['x'.repeat(r.pick([65, 4000, 7000])), randomString(r, 30).replace(/[^\x20-\x7e]/g, ''), 'a b', '../..', '${jndi:ldap://x}', '']);
      break;
    case 3: {
      const secret = `fuzzsecret${r.int(1e9)}`;
      c.secrets.push(secret);
      headers.authorization = r.pick([`Bearer ${secret}`, `Bearer eyJhbGciOiJub25lIn0.eyJ${secret}.`, `Basic ${Buffer.from(`user:${secret}`).toString('base64')}`, `Bearer ${'A'.repeat(6000)}`, 'Bearer', secret]);
      break;
    }
    case 4:
      headers['x-forwarded-for'] = r.pick(['1.2.3.4', '::1, 10.0.0.1', 'garbage', '9'.repeat(300)]);
      headers['accept'] = r.pick(['text/html', '*/*', 'application/xml', '']);
      break;
    case 5:
      headers['content-length'] = String(body.length + r.pick([-1, -10, 1]));
      if (Number(headers['content-length']) > body.length) body = Buffer.concat([body, Buffer.from(' ')]); // keep the request well-formed for node:http
      headers['content-length'] = String(body.length);
      headers['expect'] = r.pick(['100-continue', 'nothing']);
      break;
    default:
      headers[`x-${randomString(r, 8).replace(/[^a-z]/g, '') || 'odd'}`] = 'v'.repeat(r.int(2000));
  }
  c.requests.push({ method: 'POST', path: '/api/messages', headers, body, ...(known ? { known } : {}), ...(expect ? { expect } : {}) });
};

const rawBodiesFamily: Family = (r, c, o) => {
  const who = ids(r, c);
  const tags: KnownFinding[] = [];
  const valid = JSON.stringify({ ...baseActivity(r, who, o, tags), type: 'message', text: 'hi', deliveryMode: 'expectReplies', serviceUrl: o.serviceUrl });
  const bodies: (() => Buffer)[] = [
    () => Buffer.from(valid.slice(0, r.int(valid.length))),
    () => Buffer.from(''),
    () => Buffer.from(randomString(r, 200)),
    () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]),
    () => Buffer.from('['.repeat(r.pick([1000, 100_000])) + ']'.repeat(r.pick([0, 1000]))),
    () => Buffer.from(`{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5001)}`),
    () => Buffer.from(r.pick(['null', '0', '"x"', '[]', '[{}]', 'true', 'NaN', '{"type":"message"}', '{"__proto__":{"type":"message"}}'])),
    () => Buffer.from(`{"type":"message","text":"${'a'.repeat(r.pick([200_000, 300_000, 1_200_000]))}"}`),
    () => Buffer.from(valid.replace('"type":"message"', '"type":"message","type":"invoke"')),
    () => Buffer.from(Array.from({ length: 200 }, () => r.int(256))),
    () => Buffer.from(valid, 'utf16le'),
  ];
  c.requests.push({ method: 'POST', path: '/api/messages', headers: { 'content-type': r.pick(CONTENT_TYPES_JSON) }, body: r.pick(bodies)() });
};

const ROUTES = ['/healthz', '/readyz', '/', '/portal.css', '/portal.js', '/vendor/webchat.js', '/api/directline/token', '/api/messages'];
const routesFamily: Family = (r, c, o) => {
  const path = r.chance(0.6)
    ? r.pick(ROUTES) + r.pick(['', '', '?x=1', '/', '?' + 'q'.repeat(3000), '#frag', '%00'])
    : r.pick(['/nope', '/api', '/api/messages/x', '/../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/public/index.html', `/${'a'.repeat(7000)}`, '/healthz/../readyz', '//healthz', '/v3/directline/conversations', '/.env', '/dist/src/index.js']);
  const method = r.pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'FOO']);
  const headers: Record<string, string> = {};
  if (r.chance(0.3)) headers['accept-encoding'] = r.pick(['gzip', 'br', 'identity', '*', 'gzip;q=0']);
  if (r.chance(0.2)) headers['if-none-match'] = r.pick(['*', 'W/"x"', '"', 'x'.repeat(3000)]);
  if (r.chance(0.2)) headers.origin = r.pick(['http://evil.example', 'null']);
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD' && r.chance(0.5)) {
    headers['content-type'] = 'application/json';
    body = json(r.chance(0.5) ? junk(r) : { user: { id: randomString(r, 10) } });
  }
  c.requests.push({ method, path, headers, body, ...(o.known.has('nosniff') ? { expect: 'nosniff' as const, known: 'nosniff' as const } : {}) });
};

const FAMILIES: readonly [string, number, Family][] = [
  ['message', 22, activityFamily('message')],
  ['conversation', 8, conversationFamily],
  ['invoke', 12, activityFamily('invoke')],
  ['conversationUpdate', 5, activityFamily('conversationUpdate')],
  ['installationUpdate', 4, activityFamily('installationUpdate')],
  ['event', 5, activityFamily('event')],
  ['otherType', 5, activityFamily('other')],
  ['wrongTypes', 12, wrongTypesFamily],
  ['headers', 10, headersFamily],
  ['rawBody', 9, rawBodiesFamily],
  ['routes', 8, routesFamily],
];
const TOTAL_WEIGHT = FAMILIES.reduce((sum, [, w]) => sum + w, 0);

/** The case at `index` of run `seed`: the same two numbers always give the same requests. */
export function generateCase(seed: number, index: number, options: GenerateOptions): FuzzCase {
  const r = new Rng((seed * 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
  let roll = r.int(TOTAL_WEIGHT);
  const [family, , build] = FAMILIES.find(([, w]) => (roll -= w) < 0)!;
  const c: FuzzCase = { seed, index, family, requests: [], secrets: [] };
  build(r, c, options);
  return c;
}

/** A reproduction of one request for a report: curl-like, with the body shortened. */
export function describeRequest(req: FuzzRequest, max = 400): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `-H '${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}'`)
    .join(' ');
  const body = req.body ? req.body.toString('utf8') : '';
  const shown = body.length > max ? `${body.slice(0, max)}…(${req.body!.length} bytes)` : body;
  return `${req.method} ${req.path.length > 120 ? `${req.path.slice(0, 120)}…` : req.path} ${headers}${req.body ? ` --data ${JSON.stringify(shown)}` : ''}`;
}
