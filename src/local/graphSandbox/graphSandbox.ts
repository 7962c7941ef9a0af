/**
 * A Microsoft Graph look-alike on 127.0.0.1 over HTTPS, serving the few v1.0 calls the bot makes
 * (see shared/reference/graph-api.md) from an in-memory tenant. The real Graph client talks to it
 * unchanged, so the adapter, its retries and its error mapping are exercised end to end without a
 * tenant, credentials or the network.
 *
 * It speaks raw Graph JSON on purpose, not the project's directory types: it plays Microsoft's
 * side, including the rules Graph enforces (phone types, the default method, TAP policy), its error
 * bodies and headers, and injected throttling or outages.
 *
 * Nothing here logs: request bodies carry phone numbers and responses carry pass values.
 */
import { randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  GRAPH_PHONE_METHOD_IDS,
  GRAPH_PHONE_NUMBER,
  GRAPH_PHONE_TYPES,
  METHOD_TYPES,
  PASSWORD_METHOD_ID,
  canBeDefault,
  initialDefaultMethodId,
  isMfaCapableType,
  parseTenantSeed,
  type GraphMethod,
  type GraphPhoneType,
  type SeedPresence,
  type SeedUser,
  type TapPolicy,
  type TenantSeed,
} from './tenant';
import { loopbackCertificate } from './tls';

export interface SandboxFault {
  /**
   * 429/5xx: throttling or an outage. 400/403: Graph refusing this one request, e.g. a method it
   * will not delete (`method: 'DELETE'`, `pathIncludes` its id, `times` large): a permanent refusal.
   */
  status: 400 | 403 | 429 | 500 | 503 | 504;
  retryAfterSeconds?: number;
  times: number;
  method?: string;
  pathIncludes?: string;
  /** perform the request first, then answer with the fault: an ambiguous failure */
  applyFirst?: boolean;
  /** let this many matching requests through untouched first, e.g. fail only the read-back after a write */
  after?: number;
}

export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  requestId: string;
}

export interface SandboxUserView {
  id: string;
  userPrincipalName: string;
  displayName: string;
  methods: GraphMethod[];
  defaultMethodId?: string;
  managerId?: string;
  businessPhones: string[];
  mobilePhone: string | null;
  presence: SeedPresence;
  /** When `revokeSignInSessions` last succeeded for this user. */
  sessionsRevokedAt?: string;
  /** How many times `revokeSignInSessions` succeeded for this user since the sandbox started. */
  sessionRevocations: number;
}

export interface GraphSandbox {
  readonly origin: string;
  readonly baseUrl: string;
  readonly port: number;
  readonly caPem: string;
  readonly token: string;
  readonly requests: readonly SandboxRequest[];
  injectFault(fault: SandboxFault): void;
  clearFaults(): void;
  user(idOrUpn: string): SandboxUserView | undefined;
  /** Changes a user's Teams presence, e.g. to show someone signing in to Teams mid-test. */
  setPresence(idOrUpn: string, presence: SeedPresence): void;
  setTemporaryAccessPassPolicy(policy: Partial<TapPolicy>): void;
  close(): Promise<void>;
}

/** Graph's own limit is larger; 64 KB is far above any body the bot sends and keeps the fake cheap. */
const MAX_BODY_BYTES = 64 * 1024;
/** Past this an oversized upload is cut off rather than drained, so a runaway client cannot pin the test process. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;
const TAP_MIN_MINUTES = 10;
const TAP_MAX_MINUTES = 43200;
/** No 0/O/1/l/I: an admin reads the pass aloud or retypes it. */
const TAP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#$%+-=?@';
const TAP_LENGTH = 8;

const DEFAULT_METHOD_MESSAGE = 'Cannot delete default method with other methods configured. Please change default method before deletion.';

const FAULTS: Record<SandboxFault['status'], { code: string; message: string }> = {
  400: { code: 'badRequest', message: 'The request could not be completed for this method.' },
  403: { code: 'accessDenied', message: 'Insufficient privileges to complete the operation on this method.' },
  429: { code: 'TooManyRequests', message: 'Too many requests. Retry after the number of seconds in the Retry-After header.' },
  500: { code: 'generalException', message: 'General exception while processing.' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. Please retry later.' },
  504: { code: 'GatewayTimeout', message: 'The gateway did not receive a response from the service in time.' },
};

/** The per-type collections under /users/{id}/authentication and the method kind each holds. */
const COLLECTIONS: Readonly<Record<string, string>> = {
  phoneMethods: METHOD_TYPES.phone,
  microsoftAuthenticatorMethods: METHOD_TYPES.microsoftAuthenticator,
  fido2Methods: METHOD_TYPES.fido2,
  softwareOathMethods: METHOD_TYPES.softwareOath,
  windowsHelloForBusinessMethods: METHOD_TYPES.windowsHelloForBusiness,
  temporaryAccessPassMethods: METHOD_TYPES.temporaryAccessPass,
  emailMethods: METHOD_TYPES.email,
};

type JsonObject = Record<string, unknown>;

/** A failure answered as a Graph error body. */
class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body?: unknown;
}

interface Call {
  params: string[];
  query: URLSearchParams;
  body: JsonObject | undefined;
}

type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Handler = (call: Call) => Reply;

interface Route {
  /** Lower-cased literal segments; `null` is a parameter. */
  pattern: (string | null)[];
  handlers: Partial<Record<HttpMethod, Handler>>;
}

/** A seeded user as the sandbox keeps it while it runs. */
interface UserState extends SeedUser {
  sessionsRevokedAt?: string;
  sessionRevocations: number;
}

/** What Graph reports for a user who has never been seen in Teams. */
const UNKNOWN_PRESENCE: SeedPresence = { availability: 'PresenceUnknown', activity: 'PresenceUnknown' };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface PendingFault {
  fault: SandboxFault;
  remaining: number;
  /** matching requests still to let through before the fault applies */
  skip: number;
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Graph encodes a role assignment id as base64url(roleDefinitionId bytes + principalId bytes) + "-1", GUIDs in .NET byte order. */
function roleAssignmentId(roleDefinitionId: string, principalId: string): string {
  const bytes = (guid: string) => {
    const hex = guid.replace(/-/g, '');
    const b = Buffer.from(hex, 'hex');
    return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
  };
  return `${Buffer.concat([bytes(roleDefinitionId), bytes(principalId)]).toString('base64url')}-1`;
}

function newPass(): string {
  let pass = '';
  for (let i = 0; i < TAP_LENGTH; i += 1) pass += TAP_ALPHABET[randomInt(TAP_ALPHABET.length)];
  return pass;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        req.destroy();
        return;
      }
      if (size > MAX_BODY_BYTES) {
        // Keep draining so the client finishes its upload and can read the 413.
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

class Sandbox implements GraphSandbox {
  readonly origin: string;
  readonly baseUrl: string;
  private readonly log: SandboxRequest[] = [];
  private faults: PendingFault[] = [];
  private readonly users: UserState[];
  private readonly groups: TenantSeed['groups'];
  private readonly roleAssignments: TenantSeed['roleAssignments'];
  private policy: TapPolicy;
  private readonly routes: Route[];
  private closed?: Promise<void>;

  constructor(
    private readonly server: Server,
    readonly port: number,
    readonly caPem: string,
    readonly token: string,
    seed: TenantSeed,
  ) {
    this.origin = `https://127.0.0.1:${port}`;
    this.baseUrl = `${this.origin}/v1.0`;
    this.users = seed.users.map((u) => ({
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      mail: u.mail,
      methods: u.methods.map((m) => (m['@odata.type'] === METHOD_TYPES.phone ? { smsSignInState: defaultSmsState(m.phoneType), ...m } : m)),
      defaultMethodId: initialDefaultMethodId(u),
      managerId: u.managerId,
      businessPhones: [...(u.businessPhones ?? [])],
      mobilePhone: u.mobilePhone ?? null,
      presence: { ...(u.presence ?? UNKNOWN_PRESENCE) },
      sessionRevocations: 0,
    }));
    this.groups = seed.groups;
    this.roleAssignments = seed.roleAssignments;
    this.policy = { ...seed.temporaryAccessPassPolicy };
    this.routes = this.buildRoutes();
  }

  get requests(): readonly SandboxRequest[] {
    return this.log.slice();
  }

  injectFault(fault: SandboxFault): void {
    if (!Number.isInteger(fault.times) || fault.times < 1) throw new Error('SandboxFault.times must be a whole number of at least 1');
    if (fault.retryAfterSeconds !== undefined && (!Number.isInteger(fault.retryAfterSeconds) || fault.retryAfterSeconds < 0)) {
      throw new Error('SandboxFault.retryAfterSeconds must be a whole number of seconds, 0 or more');
    }
    if (fault.after !== undefined && (!Number.isInteger(fault.after) || fault.after < 0)) throw new Error('SandboxFault.after must be a whole number, 0 or more');
    this.faults.push({ fault: { ...fault }, remaining: fault.times, skip: fault.after ?? 0 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  user(idOrUpn: string): SandboxUserView | undefined {
    const u = this.findUser(idOrUpn);
    if (!u) return undefined;
    const view: SandboxUserView = {
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      methods: u.methods.map((m) => {
        const copy = structuredClone(m);
        delete copy.temporaryAccessPass;
        return copy;
      }),
      businessPhones: [...(u.businessPhones ?? [])],
      mobilePhone: u.mobilePhone ?? null,
      presence: { ...(u.presence ?? UNKNOWN_PRESENCE) },
      sessionRevocations: u.sessionRevocations,
    };
    if (u.managerId !== undefined) view.managerId = u.managerId;
    if (u.defaultMethodId !== undefined) view.defaultMethodId = u.defaultMethodId;
    if (u.sessionsRevokedAt !== undefined) view.sessionsRevokedAt = u.sessionsRevokedAt;
    return view;
  }

  setPresence(idOrUpn: string, presence: SeedPresence): void {
    const u = this.findUser(idOrUpn);
    if (!u) throw new Error(`No user ${idOrUpn} in the sandbox tenant`);
    u.presence = { ...presence };
  }

  setTemporaryAccessPassPolicy(policy: Partial<TapPolicy>): void {
    const next = { ...this.policy, ...policy };
    if (!Number.isInteger(next.defaultLifetimeInMinutes) || next.defaultLifetimeInMinutes < TAP_MIN_MINUTES || next.defaultLifetimeInMinutes > TAP_MAX_MINUTES) {
      throw new Error(`defaultLifetimeInMinutes must be a whole number from ${TAP_MIN_MINUTES} to ${TAP_MAX_MINUTES}`);
    }
    this.policy = next;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      // Keep-alive sockets held by a client's pool would otherwise keep the server (and jest) alive.
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  // ---- HTTP plumbing -------------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    // Graph echoes the caller's id and otherwise reuses its own, so one id always ties the two together.
    const clientRequestId = firstHeader(req.headers['client-request-id']) ?? requestId;
    const method = (req.method ?? 'GET').toUpperCase();
    // Joined to the origin rather than resolved against it, so a target such as '//x' stays a path;
    // an absolute-form target (never sent by fetch) is treated as the root and refused below.
    const target = req.url?.startsWith('/') ? req.url : '/';
    const url = new URL(`${this.origin}${target}`);
    // Each segment is decoded on its own: an encoded '/' inside a segment must not split it.
    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
    const path = `/${segments.join('/')}`;
    const send = (status: number, body?: unknown, headers: Readonly<Record<string, string>> = {}) => {
      res.setHeader('request-id', requestId);
      res.setHeader('client-request-id', clientRequestId);
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      // writeHead and end are not chained: restify, loaded in the same process by the bot,
      // replaces ServerResponse.prototype.writeHead with one that returns nothing.
      if (body === undefined) {
        res.writeHead(status);
        res.end();
      } else {
        res.setHeader('content-type', 'application/json');
        res.writeHead(status);
        res.end(JSON.stringify(body));
      }
      this.log.push(Object.freeze({ method, path, status, requestId }));
    };
    const fail = (f: GraphFailure) =>
      send(
        f.status,
        { error: { code: f.code, message: f.message, innerError: { 'request-id': requestId, date: isoSeconds(new Date()).replace(/Z$/, ''), 'client-request-id': clientRequestId } } },
        f.headers,
      );

    let raw: { text: string; tooLarge: boolean };
    try {
      raw = await readBody(req);
    } catch {
      return; // The client went away; there is nobody to answer.
    }
    try {
      this.authenticate(firstHeader(req.headers.authorization));
      if (raw.tooLarge) throw new GraphFailure(413, 'RequestEntityTooLarge', `The request body exceeds the sandbox limit of ${MAX_BODY_BYTES} bytes.`);
      if (segments[0] !== 'v1.0') throw new GraphFailure(400, 'BadRequest', `Invalid version: ${segments[0] ?? ''}`);
      const fault = this.takeFault(method, path);
      if (fault) {
        if (fault.applyFirst) {
          // The write happens (or is refused) exactly as without the fault; only the answer is lost.
          try {
            this.dispatch(method, segments.slice(1), url.searchParams, raw.text);
          } catch (err) {
            if (!(err instanceof GraphFailure)) throw err;
          }
        }
        throw faultFailure(fault);
      }
      const reply = this.dispatch(method, segments.slice(1), url.searchParams, raw.text);
      send(reply.status, reply.body);
    } catch (err) {
      // Once an answer has started there is no second one; the server callback ends the response.
      if (res.headersSent) throw err;
      if (err instanceof GraphFailure) fail(err);
      else fail(new GraphFailure(500, 'generalException', 'The sandbox failed to process the request.'));
    }
  }

  private authenticate(header: string | undefined): void {
    const challenge = { 'www-authenticate': 'Bearer realm="", error="invalid_token"' };
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new GraphFailure(401, 'InvalidAuthenticationToken', 'Access token is empty.', challenge);
    if (!sameSecret(match[1], this.token)) throw new GraphFailure(401, 'InvalidAuthenticationToken', 'Access token validation failure.', challenge);
  }

  private takeFault(method: string, path: string): SandboxFault | undefined {
    const pending = this.faults.find(
      ({ fault }) => (fault.method === undefined || fault.method.toUpperCase() === method) && (fault.pathIncludes === undefined || path.includes(fault.pathIncludes)),
    );
    if (!pending) return undefined;
    if (pending.skip > 0) {
      pending.skip -= 1;
      return undefined;
    }
    pending.remaining -= 1;
    if (pending.remaining === 0) this.faults = this.faults.filter((p) => p !== pending);
    return pending.fault;
  }

  private dispatch(method: string, segments: string[], query: URLSearchParams, bodyText: string): Reply {
    const lower = segments.map((s) => s.toLowerCase());
    const route = this.routes.find((r) => r.pattern.length === lower.length && r.pattern.every((p, i) => p === null || p === lower[i]));
    if (!route) throw new GraphFailure(400, 'BadRequest', `Resource not found for the segment '${this.unknownSegment(segments)}'.`);
    const handler = route.handlers[method as HttpMethod];
    if (!handler) {
      throw new GraphFailure(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', { allow: Object.keys(route.handlers).join(', ') });
    }
    const params = segments.filter((_, i) => route.pattern[i] === null);
    const body = method === 'POST' || method === 'PATCH' ? parseBody(bodyText) : undefined;
    return handler({ params, query, body });
  }

  /** The first segment no route accepts, which is what Graph names in its error. */
  private unknownSegment(segments: string[]): string {
    if (segments.length === 0) return 'v1.0';
    const lower = segments.map((s) => s.toLowerCase());
    let best = 0;
    for (const r of this.routes) {
      let k = 0;
      while (k < r.pattern.length && k < lower.length && (r.pattern[k] === null || r.pattern[k] === lower[k])) k += 1;
      best = Math.max(best, k);
    }
    return segments[Math.min(best, segments.length - 1)];
  }

  private buildRoutes(): Route[] {
    const lit = (s: string) => s.toLowerCase();
    const P = null;
    const routes: Route[] = [
      { pattern: [lit('users'), P], handlers: { GET: (c) => this.getUser(c) } },
      { pattern: [lit('users'), P, lit('authentication'), lit('methods')], handlers: { GET: (c) => this.listMethods(c) } },
      { pattern: [lit('users'), P, lit('authentication'), lit('methods'), P], handlers: { GET: (c) => this.getMethod(c) } },
      { pattern: [lit('users'), P, lit('revokeSignInSessions')], handlers: { POST: (c) => this.revokeSessions(c) } },
      { pattern: [lit('users'), P, lit('manager')], handlers: { GET: (c) => this.getManager(c) } },
      { pattern: [lit('users'), P, lit('presence')], handlers: { GET: (c) => this.getPresence(c) } },
      { pattern: [lit('users'), P, lit('transitiveMemberOf'), lit('microsoft.graph.group')], handlers: { GET: (c) => this.transitiveGroups(c) } },
      { pattern: [lit('roleManagement'), lit('directory'), lit('roleAssignments')], handlers: { GET: (c) => this.listRoleAssignments(c) } },
    ];
    for (const [collection, type] of Object.entries(COLLECTIONS)) {
      const list: Route = { pattern: [lit('users'), P, lit('authentication'), lit(collection)], handlers: { GET: (c) => this.listCollection(c, collection, type) } };
      const item: Route = {
        pattern: [lit('users'), P, lit('authentication'), lit(collection), P],
        handlers: { GET: (c) => this.getInCollection(c, type), DELETE: (c) => this.deleteInCollection(c, type) },
      };
      if (type === METHOD_TYPES.phone) {
        list.handlers.POST = (c) => this.addPhone(c);
        item.handlers.PATCH = (c) => this.updatePhone(c);
      }
      if (type === METHOD_TYPES.temporaryAccessPass) list.handlers.POST = (c) => this.createTap(c);
      routes.push(list, item);
    }
    return routes;
  }

  // ---- Users, roles and groups ---------------------------------------------------------------

  private findUser(idOrUpn: string): UserState | undefined {
    const key = idOrUpn.toLowerCase();
    return this.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
  }

  private requireUser(idOrUpn: string): UserState {
    const user = this.findUser(idOrUpn);
    if (!user) {
      throw new GraphFailure(404, 'Request_ResourceNotFound', `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`);
    }
    return user;
  }

  private context(fragment: string): string {
    return `${this.baseUrl}/$metadata#${fragment}`;
  }

  /** The user properties the sandbox models, all of them in Graph's default set; `$select` narrows them. */
  private userProperties(u: UserState, select: Set<string> | undefined): JsonObject {
    // Graph answers null (or [] for a collection) for a property with no value, never leaves it out.
    const full: JsonObject = {
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      mail: u.mail ?? null,
      businessPhones: [...(u.businessPhones ?? [])],
      mobilePhone: u.mobilePhone ?? null,
    };
    const body: JsonObject = {};
    for (const [k, v] of Object.entries(full)) if (!select || select.has(k.toLowerCase())) body[k] = v;
    return body;
  }

  private getUser({ params, query }: Call): Reply {
    const u = this.requireUser(params[0]);
    const select = selected(query);
    const context = this.context(select ? `users(${[...select].join(',')})/$entity` : 'users/$entity');
    return { status: 200, body: { '@odata.context': context, ...this.userProperties(u, select) } };
  }

  /** A single directoryObject, typed: a manager may in principle be another kind of object. */
  private getManager({ params, query }: Call): Reply {
    const u = this.requireUser(params[0]);
    const manager = u.managerId === undefined ? undefined : this.findUser(u.managerId);
    if (!manager) {
      // Graph's answer for a user with no manager: a 404, not an empty 200.
      throw new GraphFailure(404, 'Request_ResourceNotFound', "Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
    }
    const body: JsonObject = { '@odata.context': this.context('directoryObjects/$entity'), '@odata.type': '#microsoft.graph.user' };
    return { status: 200, body: { ...body, ...this.userProperties(manager, selected(query)) } };
  }

  private getPresence({ params }: Call): Reply {
    // Graph documents that presence takes the user's object id; a sign-in address is refused here
    // so an adapter that passes one fails in tests rather than in a tenant.
    if (!GUID.test(params[0])) throw new GraphFailure(400, 'BadRequest', 'The user id must be the object id (a GUID) of the user.');
    const u = this.requireUser(params[0]);
    const presence = u.presence ?? UNKNOWN_PRESENCE;
    return {
      status: 200,
      body: { '@odata.context': this.context(`users('${u.id}')/presence/$entity`), id: u.id, availability: presence.availability, activity: presence.activity },
    };
  }

  private revokeSessions({ params }: Call): Reply {
    const u = this.requireUser(params[0]);
    u.sessionsRevokedAt = new Date().toISOString();
    u.sessionRevocations += 1;
    return { status: 200, body: { '@odata.context': this.context('Edm.Boolean'), value: true } };
  }

  private listRoleAssignments({ query }: Call): Reply {
    // Graph itself lists every assignment without a filter; the bot only ever asks per principal,
    // so anything else is refused to catch an adapter that drops or mangles its filter.
    const filter = query.get('$filter');
    const match = filter === null ? null : /^\s*principalId\s+eq\s+'([^']*)'\s*$/i.exec(filter);
    if (!match) {
      throw new GraphFailure(400, 'BadRequest', "The sandbox supports roleAssignments only with $filter=principalId eq '{objectId}'.");
    }
    const principal = match[1].toLowerCase();
    const value = this.roleAssignments
      .filter((a) => a.principalId.toLowerCase() === principal)
      .map((a) => ({ id: roleAssignmentId(a.roleDefinitionId, a.principalId), principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: '/' }));
    return { status: 200, body: { '@odata.context': this.context('roleManagement/directory/roleAssignments'), value } };
  }

  private transitiveGroups({ params, query }: Call): Reply {
    const u = this.requireUser(params[0]);
    const select = selected(query);
    const value = this.groups
      .filter((g) => g.members.some((m) => m.toLowerCase() === u.id.toLowerCase()))
      .map((g) => {
        const item: JsonObject = { '@odata.type': '#microsoft.graph.group' };
        if (!select || select.has('id')) item.id = g.id;
        if (!select || select.has('displayname')) item.displayName = g.displayName;
        return item;
      });
    return { status: 200, body: { '@odata.context': this.context('groups'), value } };
  }

  // ---- Authentication methods ----------------------------------------------------------------

  /** A method as Graph shows it: TAPs never carry the pass and report whether they are usable now. */
  private present(m: GraphMethod, options: { withType: boolean }): JsonObject {
    const out: JsonObject = structuredClone(m);
    if (m['@odata.type'] === METHOD_TYPES.temporaryAccessPass) {
      const usability = this.tapUsability(m);
      Object.assign(out, { temporaryAccessPass: null, isUsable: usability === 'EnabledByPolicy', methodUsabilityReason: usability });
    }
    // Graph's typed collections (phoneMethods) leave out @odata.type; mixed lists need it.
    if (!options.withType) delete out['@odata.type'];
    return out;
  }

  private tapUsability(m: GraphMethod): 'EnabledByPolicy' | 'DisabledByPolicy' | 'NotYetValid' | 'Expired' {
    if (!this.policy.enabled) return 'DisabledByPolicy';
    const start = Date.parse(String(m.startDateTime));
    const now = Date.now();
    if (now < start) return 'NotYetValid';
    if (now > start + Number(m.lifetimeInMinutes) * 60_000) return 'Expired';
    return 'EnabledByPolicy';
  }

  private isMfaCapable(m: GraphMethod): boolean {
    if (m['@odata.type'] === METHOD_TYPES.temporaryAccessPass) return this.tapUsability(m) === 'EnabledByPolicy';
    return isMfaCapableType(m['@odata.type']);
  }

  private passwordMethod(): JsonObject {
    return { '@odata.type': METHOD_TYPES.password, id: PASSWORD_METHOD_ID, password: null, createdDateTime: null };
  }

  private listMethods({ params }: Call): Reply {
    const u = this.requireUser(params[0]);
    const value = [this.passwordMethod(), ...u.methods.map((m) => this.present(m, { withType: true }))];
    return { status: 200, body: { '@odata.context': this.context(`users('${u.id}')/authentication/methods`), value } };
  }

  private getMethod({ params }: Call): Reply {
    const u = this.requireUser(params[0]);
    if (params[1].toLowerCase() === PASSWORD_METHOD_ID) return { status: 200, body: this.passwordMethod() };
    return { status: 200, body: this.present(requireMethod(u, params[1]), { withType: true }) };
  }

  private listCollection({ params }: Call, collection: string, type: string): Reply {
    const u = this.requireUser(params[0]);
    const withType = type !== METHOD_TYPES.phone;
    const value = u.methods.filter((m) => m['@odata.type'] === type).map((m) => this.present(m, { withType }));
    return { status: 200, body: { '@odata.context': this.context(`users('${u.id}')/authentication/${collection}`), value } };
  }

  private getInCollection({ params }: Call, type: string): Reply {
    const u = this.requireUser(params[0]);
    return { status: 200, body: this.present(requireMethod(u, params[1], type), { withType: type !== METHOD_TYPES.phone }) };
  }

  private deleteInCollection({ params }: Call, type: string): Reply {
    const u = this.requireUser(params[0]);
    const m = requireMethod(u, params[1], type);
    if (type === METHOD_TYPES.phone && m.phoneType === 'mobile' && u.methods.some((x) => x['@odata.type'] === METHOD_TYPES.phone && x.phoneType === 'alternateMobile')) {
      throw new GraphFailure(400, 'badRequest', 'Cannot delete the mobile phone method while an alternateMobile phone method exists. Delete the alternateMobile phone method first.');
    }
    if (m.id === u.defaultMethodId) {
      // Only a method that could take over as the default blocks the delete: a Temporary Access
      // Pass never becomes the default, so the pass an admin issues before re-registration does
      // not keep the old default phone in place.
      if (u.methods.some((x) => x.id !== m.id && this.isMfaCapable(x) && canBeDefault(x))) throw new GraphFailure(400, 'badRequest', DEFAULT_METHOD_MESSAGE);
      u.defaultMethodId = undefined;
    }
    u.methods = u.methods.filter((x) => x !== m);
    return { status: 204 };
  }

  private addPhone({ params, body }: Call): Reply {
    const u = this.requireUser(params[0]);
    const input = requireObject(body);
    allowOnly(input, ['phoneNumber', 'phoneType'], 'phoneAuthenticationMethod');
    const phoneNumber = requirePhoneNumber(input.phoneNumber);
    const phoneType = requirePhoneType(input.phoneType);
    const phones = u.methods.filter((m) => m['@odata.type'] === METHOD_TYPES.phone);
    if (phones.some((p) => p.phoneType === phoneType)) throw new GraphFailure(400, 'badRequest', `A phone method of type ${phoneType} already exists`);
    if (phoneType === 'alternateMobile' && !phones.some((p) => p.phoneType === 'mobile')) {
      throw new GraphFailure(400, 'badRequest', 'A mobile phone method must exist before an alternateMobile phone method can be added.');
    }
    const method: GraphMethod = { '@odata.type': METHOD_TYPES.phone, id: GRAPH_PHONE_METHOD_IDS[phoneType], phoneNumber, phoneType, smsSignInState: defaultSmsState(phoneType) };
    u.methods.push(method);
    // Entra makes the first MFA method a user registers their default.
    if (u.defaultMethodId === undefined) u.defaultMethodId = method.id;
    return { status: 201, body: this.present(method, { withType: false }) };
  }

  private updatePhone({ params, body }: Call): Reply {
    const u = this.requireUser(params[0]);
    const m = requireMethod(u, params[1], METHOD_TYPES.phone);
    const input = requireObject(body);
    allowOnly(input, ['phoneNumber', 'phoneType'], 'phoneAuthenticationMethod');
    if (input.phoneType !== undefined && requirePhoneType(input.phoneType) !== m.phoneType) {
      throw new GraphFailure(400, 'badRequest', 'The phoneType of an existing phone method cannot be changed. Add a phone of the other type instead.');
    }
    if (input.phoneNumber !== undefined) m.phoneNumber = requirePhoneNumber(input.phoneNumber);
    return { status: 204 };
  }

  private createTap({ params, body }: Call): Reply {
    const u = this.requireUser(params[0]);
    // Graph documents 400 or 403 here; 403 is what a disabled or excluding policy most often gives.
    if (!this.policy.enabled) {
      throw new GraphFailure(403, 'accessDenied', 'The Temporary Access Pass authentication method is not enabled by the tenant policy for this user.');
    }
    const input = body ?? {};
    allowOnly(input, ['startDateTime', 'lifetimeInMinutes', 'isUsableOnce'], 'temporaryAccessPassAuthenticationMethod');
    // All three are optional and nullable in Graph's schema: null means "not given", as absent does.
    const lifetime = input.lifetimeInMinutes ?? this.policy.defaultLifetimeInMinutes;
    if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < TAP_MIN_MINUTES || lifetime > TAP_MAX_MINUTES) {
      throw new GraphFailure(400, 'badRequest', `lifetimeInMinutes must be a whole number from ${TAP_MIN_MINUTES} to ${TAP_MAX_MINUTES}.`);
    }
    const usableOnce = input.isUsableOnce ?? this.policy.isUsableOnce;
    if (typeof usableOnce !== 'boolean') throw new GraphFailure(400, 'badRequest', 'isUsableOnce must be true or false.');
    if (!usableOnce && this.policy.isUsableOnce) {
      throw new GraphFailure(400, 'badRequest', 'The Temporary Access Pass policy allows only one-time passes; isUsableOnce cannot be false.');
    }
    const created = new Date();
    let start = created;
    if (input.startDateTime !== undefined && input.startDateTime !== null) {
      const parsed = typeof input.startDateTime === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(input.startDateTime) ? new Date(input.startDateTime) : undefined;
      if (!parsed || Number.isNaN(parsed.getTime())) throw new GraphFailure(400, 'badRequest', 'startDateTime must be an ISO 8601 date-time such as 2026-11-25T10:00:00Z.');
      start = parsed;
    }
    // What the tenant keeps: everything but the pass, which exists only in this one response.
    const stored: GraphMethod = {
      '@odata.type': METHOD_TYPES.temporaryAccessPass,
      id: randomUUID(),
      createdDateTime: created.toISOString(),
      startDateTime: isoSeconds(start),
      lifetimeInMinutes: lifetime,
      isUsableOnce: usableOnce,
    };
    u.methods = [...u.methods.filter((m) => m['@odata.type'] !== METHOD_TYPES.temporaryAccessPass), stored];
    return { status: 201, body: { ...this.present(stored, { withType: true }), temporaryAccessPass: newPass() } };
  }
}

function defaultSmsState(phoneType: unknown): string {
  // SMS sign-in is off by policy in the sandbox, so a mobile is merely "not enabled"; other types never can.
  return phoneType === 'mobile' ? 'notEnabled' : 'notSupported';
}

function faultFailure(fault: SandboxFault): GraphFailure {
  const { code, message } = FAULTS[fault.status];
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  return new GraphFailure(fault.status, code, message, headers);
}

function selected(query: URLSearchParams): Set<string> | undefined {
  const select = query.get('$select');
  if (select === null || select.trim() === '') return undefined;
  return new Set(select.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));
}

function parseBody(text: string): JsonObject | undefined {
  if (text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GraphFailure(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GraphFailure(400, 'BadRequest', 'The request payload must be a JSON object.');
  }
  return json as JsonObject;
}

function requireObject(body: JsonObject | undefined): JsonObject {
  if (!body) throw new GraphFailure(400, 'BadRequest', 'A request body is required.');
  return body;
}

/** Graph's entity types are closed: an unknown or read-only property is refused, not ignored. */
function allowOnly(body: JsonObject, writable: string[], typeName: string): void {
  for (const key of Object.keys(body)) {
    if (key === '@odata.type' || writable.includes(key)) continue;
    throw new GraphFailure(400, 'badRequest', `The property '${key}' cannot be set on type 'microsoft.graph.${typeName}'. Writable properties: ${writable.join(', ')}.`);
  }
}

function requirePhoneNumber(value: unknown): string {
  // The number itself stays out of the message: callers tend to log Graph's error text.
  if (typeof value !== 'string' || !GRAPH_PHONE_NUMBER.test(value)) {
    throw new GraphFailure(400, 'badRequest', "Invalid phone number. Use the format '+{country code} {subscriber number}' with an optional 'x{extension}', for example '+1 5555551234'.");
  }
  return value;
}

function requirePhoneType(value: unknown): GraphPhoneType {
  if (typeof value !== 'string' || !(GRAPH_PHONE_TYPES as readonly string[]).includes(value)) {
    throw new GraphFailure(400, 'badRequest', `phoneType must be one of ${GRAPH_PHONE_TYPES.join(', ')}.`);
  }
  return value as GraphPhoneType;
}

function requireMethod(u: UserState, id: string, type?: string): GraphMethod {
  const m = u.methods.find((x) => x.id.toLowerCase() === id.toLowerCase() && (type === undefined || x['@odata.type'] === type));
  if (!m) throw new GraphFailure(404, 'itemNotFound', `The authentication method '${id}' was not found for this user.`);
  return m;
}

/**
 * Starts the sandbox on 127.0.0.1 (port 0 or omitted: any free port), from a private copy of the
 * seed. `certificateCache`: a file to reuse the TLS certificate from across starts (see tls.ts).
 */
export async function startGraphSandbox(options: { seed: TenantSeed; port?: number; certificateCache?: string }): Promise<GraphSandbox> {
  // Validating again catches hand-built seeds in tests, and the parse leaves the caller's object untouched.
  const seed = parseTenantSeed(structuredClone(options.seed));
  const { key, cert } = await loopbackCertificate(options.certificateCache);
  const token = randomBytes(32).toString('base64url');
  let sandbox: Sandbox | undefined;
  const server = createServer({ key, cert }, (req, res) => {
    if (!sandbox) {
      res.writeHead(503);
      res.end();
      return;
    }
    sandbox.handle(req, res).catch(() => {
      // handle() answers every failure it knows; this only keeps a bug from crashing the test process.
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  sandbox = new Sandbox(server, (server.address() as AddressInfo).port, cert, token, seed);
  return sandbox;
}
