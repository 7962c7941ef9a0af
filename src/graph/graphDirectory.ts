/**
 * DirectoryPort over Microsoft Graph: the only code that speaks Graph's resources. Everything it
 * returns is the core's own types; raw Graph objects and error bodies stay in here.
 *
 * Every request is sent with ResponseType.RAW so the `request-id` header of each write is at hand
 * for the audit trail and failures arrive as statuses rather than as thrown parsed bodies. Each
 * port call shares one RetryBudget between its requests, so its retries together wait no longer
 * than the client's maxRetryTotalSeconds.
 */
import { GraphClientError, ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import {
  DirectoryError,
  PHONE_METHOD_IDS,
  ROLE_AUTHENTICATION_ADMINISTRATOR,
  ROLE_PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
  type ApproverCheck,
  type ApproverRole,
  type DirectoryPort,
  type DirectoryUser,
  type GraphWrite,
  type MethodKind,
  type MethodSummary,
  type MobileReplaced,
  type PhoneType,
  type Presence,
  type PresenceAvailability,
  type ProfilePhone,
  type ReRegistrationDone,
  type RegisteredPhone,
  type SessionsRevoked,
  type SignInMethod,
  type TargetProfile,
  type TemporaryAccessPassIssued,
  type UserProfile,
} from '../core/directory';
import { fromGraphPhoneNumber, maskPhoneNumber, toGraphPhoneNumber } from '../core/phone';
import type { Log } from '../core/ports';
import { ATTEMPT_TIMEOUT, TOKEN_FAILURE, parseRetryAfter, toDirectoryError, type GraphFailure, type GraphOperation } from './errors';
import { RepeatableWrite, RetryBudget } from './graphClient';

export interface GraphDirectoryOptions {
  /** Lifetime of an issued Temporary Access Pass, 10..43200 minutes (Graph's limits). */
  tapLifetimeMinutes: number;
  tapUsableOnce: boolean;
  /** Object id of a group whose (transitive) members may approve for non-admin users. */
  helpdeskGroupId?: string;
}

type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Json = Record<string, unknown>;

/** One Graph call, read from the raw response. A failure keeps only what the error mapping uses. */
type Reply = { ok: true; status: number; requestId?: string; body: unknown } | { ok: false; failure: GraphFailure };

/** A phone as listed by Graph; `registered` is absent when its number has no E.164 form. */
interface PhoneEntry {
  id: string;
  type: PhoneType;
  registered?: RegisteredPhone;
}

/** A method re-registration removes, with where to DELETE it. */
interface Removal {
  kind: MethodKind;
  id: string;
  /** Graph's collection for this kind, e.g. 'phoneMethods'. */
  collection: string;
  /** For phones: mobile, alternateMobile or office; shown in messages instead of the number. */
  label: string;
  /** Lower goes first: alternateMobile must go before mobile, and a likely default goes last. */
  rank: number;
  phoneType?: PhoneType;
  masked?: string;
}

const TAP_MIN_MINUTES = 10;
const TAP_MAX_MINUTES = 43200;
/**
 * What findUser sends to Graph: an object id or a sign-in address (at most 113 characters; guest
 * addresses hold '#'). Anything with a space, slash, '?', '%' or control character cannot be one,
 * and would otherwise reach Graph as a different path.
 */
const USER_KEY = /^[^\s/\\?%\u0000-\u001f]{1,256}$/u;
/** Enough pages for hundreds of groups; beyond that the answer is "not found", which denies. */
const MAX_PAGES = 20;
/** GraphWrite.status when no response arrived at all. */
const NO_RESPONSE = 0;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Map, not an object literal: a type such as 'constructor' must not find an inherited member. */
const KIND_BY_ODATA_TYPE: ReadonlyMap<string, MethodKind> = new Map([
  ['#microsoft.graph.phoneAuthenticationMethod', 'phone'],
  ['#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', 'microsoftAuthenticator'],
  ['#microsoft.graph.fido2AuthenticationMethod', 'fido2'],
  ['#microsoft.graph.softwareOathAuthenticationMethod', 'softwareOath'],
  ['#microsoft.graph.windowsHelloForBusinessAuthenticationMethod', 'windowsHelloForBusiness'],
  ['#microsoft.graph.temporaryAccessPassAuthenticationMethod', 'temporaryAccessPass'],
  ['#microsoft.graph.emailAuthenticationMethod', 'email'],
  ['#microsoft.graph.passwordAuthenticationMethod', 'password'],
]);

/** Kinds that complete MFA whenever registered (a TAP only while usable; unknown kinds are not counted). */
const ALWAYS_SECOND_FACTOR: ReadonlySet<MethodKind> = new Set([
  'phone',
  'microsoftAuthenticator',
  'fido2',
  'softwareOath',
  'windowsHelloForBusiness',
]);
const NOT_OTHER_SECOND_FACTORS: ReadonlySet<MethodKind> = new Set(['phone', 'email', 'password']);

const USER_SELECT = 'id,userPrincipalName,displayName,mail';
const PROFILE_SELECT = `${USER_SELECT},businessPhones,mobilePhone`;
const AVAILABILITIES: ReadonlySet<string> = new Set<PresenceAvailability>([
  'Available',
  'AvailableIdle',
  'Away',
  'BeRightBack',
  'Busy',
  'BusyIdle',
  'DoNotDisturb',
  'Offline',
  'PresenceUnknown',
]);

const PHONE_TYPE_BY_ID: ReadonlyMap<string, PhoneType> = new Map(
  (Object.entries(PHONE_METHOD_IDS) as [PhoneType, string][]).map(([type, id]) => [id, type]),
);

/** What re-registration removes: the factors a lost phone may still hold. */
const REMOVAL_BY_KIND: Readonly<Partial<Record<MethodKind, { collection: string; rank: number }>>> = {
  softwareOath: { collection: 'softwareOathMethods', rank: 1 },
  microsoftAuthenticator: { collection: 'microsoftAuthenticatorMethods', rank: 2 },
};
const PHONE_RANK: Readonly<Record<PhoneType, number>> = { office: 0, alternateMobile: 3, mobile: 4 };

export class GraphDirectory implements DirectoryPort {
  constructor(
    private readonly client: Client,
    private readonly options: GraphDirectoryOptions,
    private readonly log: Log,
  ) {
    const minutes = options.tapLifetimeMinutes;
    if (!Number.isInteger(minutes) || minutes < TAP_MIN_MINUTES || minutes > TAP_MAX_MINUTES) {
      throw new Error(`tapLifetimeMinutes must be a whole number from ${TAP_MIN_MINUTES} to ${TAP_MAX_MINUTES}`);
    }
  }

  async findUser(idOrSignInAddress: string): Promise<DirectoryUser | undefined> {
    return this.lookUpUser(new RetryBudget(), idOrSignInAddress);
  }

  async targetProfile(userId: string): Promise<TargetProfile> {
    const budget = new RetryBudget();
    const user = await this.lookUpUser(budget, userId);
    if (!user) throw new DirectoryError('not_found', 'No user with that id or sign-in address exists in the directory.');
    const roles = await this.roleAssignments(budget, user.id);
    const roleDefinitionIds = [...new Set(roles.map((r) => r.roleDefinitionId))];
    // Any role at any scope counts: the cost of treating an admin as a plain user is higher than the reverse.
    return { user, isAdmin: roleDefinitionIds.length > 0, roleDefinitionIds };
  }

  async methods(userId: string): Promise<MethodSummary> {
    const items = await this.listAll(new RetryBudget(), `${userPath(userId)}/authentication/methods`, 'readMethods');
    return summarize(userId, items);
  }

  async replaceMobile(userId: string, e164: string): Promise<MobileReplaced> {
    let graphNumber: string;
    try {
      graphNumber = toGraphPhoneNumber(e164);
    } catch {
      // Checked before any call so that a malformed number never reaches Graph.
      throw new DirectoryError('invalid_number', 'The new number is not a complete international number (E.164); nothing was changed.');
    }
    const masked = maskPhoneNumber(e164);
    const budget = new RetryBudget();
    const phonesPath = `${userPath(userId)}/authentication/phoneMethods`;
    const body = { phoneNumber: graphNumber, phoneType: 'mobile' };
    const writes: GraphWrite[] = [];

    const current = (await this.phoneMethods(budget, userId)).find((p) => p.type === 'mobile');
    // PATCH, never delete-then-add: the mobile is often the default method, which Graph will not
    // delete, and a failure between the two steps would leave the person with no phone at all.
    const change: MobileReplaced['change'] = current ? 'updated' : 'added';
    const operation = current ? 'phoneMethods.update:mobile' : 'phoneMethods.add:mobile';
    const reply = current
      ? await this.send(budget, 'PATCH', `${phonesPath}/${encodeURIComponent(current.id)}`, body)
      : await this.send(budget, 'POST', phonesPath, body);
    writes.push(this.recordWrite(operation, userId, reply, { number: masked }));

    if (!reply.ok) {
      const { failure } = reply;
      // A POST refused with 400 may mean "a mobile already exists" (added since we read) rather than
      // a bad number, and a 5xx or lost answer may hide an applied write. Only the state tells.
      const mustReadState = isAmbiguous(failure) || (!current && failure.status === 400);
      if (!mustReadState) throw toDirectoryError(failure, 'writePhone', writes);
      const mobile = (await this.confirmRead(budget, userId, writes)).find((p) => p.type === 'mobile');
      if (mobile?.registered?.e164 === e164) {
        this.log.info({ operation, userId, number: masked }, 'Graph write failed or went unanswered, but the read-back shows the wanted number in place');
        return { phone: mobile.registered, change, writes };
      }
      if (mobile && !current) {
        throw new DirectoryError(
          'conflict',
          'Another mobile number was added to the account at the same moment, so the bot changed nothing. Check the account\'s sign-in methods and try again.',
          detailsOf(failure, writes),
        );
      }
      const mapped = toDirectoryError(failure, 'writePhone', writes);
      throw isAmbiguous(failure)
        ? new DirectoryError(mapped.code, `${mapped.message} The account was checked afterwards: the number was not changed.`, mapped.details)
        : mapped;
    }

    const mobile = (await this.confirmRead(budget, userId, writes)).find((p) => p.type === 'mobile')?.registered;
    if (mobile?.e164 !== e164) {
      throw new DirectoryError(
        'conflict',
        'Graph accepted the change, but the account now shows a different mobile number (someone may have changed it at the same time). Check the account\'s sign-in methods.',
        { writes },
      );
    }
    return { phone: mobile, change, writes };
  }

  async issueTemporaryAccessPass(userId: string): Promise<TemporaryAccessPassIssued> {
    const budget = new RetryBudget();
    const reply = await this.send(budget, 'POST', `${userPath(userId)}/authentication/temporaryAccessPassMethods`, {
      lifetimeInMinutes: this.options.tapLifetimeMinutes,
      isUsableOnce: this.options.tapUsableOnce,
    });
    // Logged from the status and headers only: the body holds the pass.
    const writes = [this.recordWrite('temporaryAccessPassMethods.add', userId, reply)];
    if (!reply.ok) {
      const mapped = toDirectoryError(reply.failure, 'issueTemporaryAccessPass', writes);
      // Reading back cannot recover the pass (Graph returns it only once), so say what is known.
      throw isAmbiguous(reply.failure)
        ? new DirectoryError(mapped.code, `${mapped.message} A pass may have been created without being shown; issuing a new one replaces it.`, mapped.details)
        : mapped;
    }
    const tap = asRecord(reply.body);
    const pass = str(tap?.temporaryAccessPass);
    const methodId = str(tap?.id);
    if (pass === undefined || methodId === undefined) throw unreadable('issueTemporaryAccessPass', writes);
    return {
      pass,
      methodId,
      startDateTime: str(tap?.startDateTime) ?? str(tap?.createdDateTime) ?? '',
      lifetimeInMinutes: num(tap?.lifetimeInMinutes) ?? this.options.tapLifetimeMinutes,
      isUsableOnce: bool(tap?.isUsableOnce) ?? this.options.tapUsableOnce,
      writes,
    };
  }

  async requireReRegistration(userId: string, options: { revokeSessions: boolean }): Promise<ReRegistrationDone> {
    const budget = new RetryBudget();
    // A failed listing changes nothing, so it throws: the only failure here with nothing done.
    const items = await this.listAll(budget, `${userPath(userId)}/authentication/methods`, 'readMethods');
    const all = removals(items);
    const removed: ReRegistrationDone['removed'] = [];
    const kept: ReRegistrationDone['kept'] = [];
    const writes: GraphWrite[] = [];
    let stoppedBy: ReRegistrationDone['stoppedBy'];

    // v1.0 does not say which method is the default, and Graph refuses (400) to delete the default
    // while other methods remain. So try each, defer the refused ones, and retry them after the
    // others, for as long as a round removes something. A method Graph forbids (403) is kept and
    // the rest still go; an outage (429/5xx after retries, no answer) stops the deletes at once,
    // and what was not tried is kept. Either way the result says exactly what changed.
    let pending = all;
    while (pending.length > 0 && !stoppedBy) {
      const deferred: Removal[] = [];
      const refusals = new Map<string, DirectoryError>();
      for (const [i, m] of pending.entries()) {
        const path = `${userPath(userId)}/authentication/${m.collection}/${encodeURIComponent(m.id)}`;
        const reply = await this.send(budget, 'DELETE', path);
        writes.push(this.recordWrite(`${m.collection}.delete:${m.label}`, userId, reply));
        // 404: already gone (a retried DELETE that had been applied, or someone else removed it).
        if (reply.ok || reply.failure.status === 404) {
          removed.push(methodOf(m));
          continue;
        }
        const mapped = toDirectoryError(reply.failure, 'deleteMethod', writes);
        if (reply.failure.status === 400) {
          deferred.push(m);
          refusals.set(m.id, mapped);
        } else if (reply.failure.status === 403) {
          kept.push({ ...methodOf(m), code: mapped.code });
        } else {
          stoppedBy = stopOf(mapped);
          for (const left of [...pending.slice(i), ...deferred]) kept.push({ ...methodOf(left), code: mapped.code });
          break;
        }
      }
      if (stoppedBy) break;
      if (deferred.length === pending.length) {
        for (const m of deferred) kept.push({ ...methodOf(m), code: refusals.get(m.id)?.code ?? 'conflict' });
        break;
      }
      pending = deferred;
    }
    if (kept.length > 0) this.log.warn({ userId, removed: removed.length, kept: kept.length, stopped: stoppedBy?.code }, `re-registration partly done. ${progress(all, removed)}`);

    // Revoked even after a partial removal: the caller has already issued another way in, and
    // whoever holds the lost phone should lose its sessions whatever else Graph refused.
    let sessionsRevoked = false;
    if (options.revokeSessions) {
      const reply = await this.sendRevoke(budget, userId, writes);
      sessionsRevoked = reply.ok && asRecord(reply.body)?.value !== false;
      if (!reply.ok && !stoppedBy) stoppedBy = stopOf(toDirectoryError(reply.failure, 'revokeSessions', writes));
    }
    const done: ReRegistrationDone = { removed, kept, sessionsRevoked, writes };
    if (stoppedBy) done.stoppedBy = stoppedBy;
    return done;
  }

  async checkApprover(approverId: string, target: TargetProfile): Promise<ApproverCheck> {
    const budget = new RetryBudget();
    // Role assignments are filtered by object id; a sign-in address would silently match nothing.
    const id = GUID.test(approverId) ? approverId : (await this.lookUpUser(budget, approverId))?.id;
    if (id === undefined) return { enoughForTarget: false };

    // Only tenant-wide assignments count: an administrative-unit-scoped administrator may act on
    // that unit's members only, which this check cannot see, so it is not trusted at all.
    const roles = (await this.roleAssignments(budget, id)).filter((r) => r.directoryScopeId === undefined || r.directoryScopeId === '/');
    const has = (roleId: string) => roles.some((r) => r.roleDefinitionId.toLowerCase() === roleId);
    let role: ApproverRole | undefined;
    if (has(ROLE_PRIVILEGED_AUTHENTICATION_ADMINISTRATOR)) role = 'privilegedAuthenticationAdministrator';
    else if (has(ROLE_AUTHENTICATION_ADMINISTRATOR)) role = 'authenticationAdministrator';
    else if (this.options.helpdeskGroupId !== undefined && (await this.isGroupMember(budget, id, this.options.helpdeskGroupId))) {
      role = 'helpdeskGroup';
    }
    const enoughForTarget = role === 'privilegedAuthenticationAdministrator' || (role !== undefined && !target.isAdmin);
    return role === undefined ? { enoughForTarget } : { role, enoughForTarget };
  }

  async manager(userId: string): Promise<DirectoryUser | undefined> {
    const key = userId.trim();
    if (!USER_KEY.test(key)) return undefined;
    const reply = await this.send(new RetryBudget(), 'GET', `${userPath(key)}/manager?$select=${USER_SELECT}`);
    if (!reply.ok) {
      // Graph answers "no manager" with 404 Request_ResourceNotFound rather than an empty 200.
      if (reply.failure.status === 404) return undefined;
      throw toDirectoryError(reply.failure, 'readManager');
    }
    const body = asRecord(reply.body);
    const type = str(body?.['@odata.type']);
    // A manager may be another kind of directory object (an organisational contact): it has no
    // Teams chat to confirm anything in, so for the bot it is no manager at all.
    if (type !== undefined && type !== '#microsoft.graph.user') {
      this.log.info({ userId: key, managerType: type }, 'the manager is not a user; treated as no manager');
      return undefined;
    }
    return toDirectoryUser(body, 'readManager');
  }

  async profile(userId: string): Promise<UserProfile> {
    const key = userId.trim();
    const missing = () => new DirectoryError('not_found', 'No user with that id or sign-in address exists in the directory.');
    if (!USER_KEY.test(key)) throw missing();
    const reply = await this.send(new RetryBudget(), 'GET', `${userPath(key)}?$select=${PROFILE_SELECT}`);
    if (!reply.ok) throw reply.failure.status === 404 ? missing() : toDirectoryError(reply.failure, 'readUser');
    const body = asRecord(reply.body);
    const profile: UserProfile = { ...toDirectoryUser(body, 'readUser'), businessPhones: [] };
    const business = Array.isArray(body?.businessPhones) ? body.businessPhones : [];
    for (const number of business) {
      const phone = profilePhone('business', number);
      if (phone) profile.businessPhones.push(phone);
    }
    const mobile = profilePhone('mobile', body?.mobilePhone);
    if (mobile) profile.mobilePhone = mobile;
    return profile;
  }

  async presence(userId: string): Promise<Presence | undefined> {
    const budget = new RetryBudget();
    try {
      // Graph takes presence by object id only.
      const id = GUID.test(userId.trim()) ? userId.trim() : (await this.lookUpUser(budget, userId))?.id;
      if (id === undefined) return undefined;
      const reply = await this.send(budget, 'GET', `${userPath(id)}/presence`);
      if (!reply.ok) {
        const { status, graphCode, cause } = reply.failure;
        // Commonly 403 where Presence.Read.All was not granted: worth a warning an operator can find.
        this.log.warn({ operation: 'readPresence', userId: id, status, graphCode, cause }, 'Teams presence unavailable; carrying on without it');
        return undefined;
      }
      const body = asRecord(reply.body);
      const availability = str(body?.availability);
      return {
        availability: availability !== undefined && AVAILABILITIES.has(availability) ? (availability as PresenceAvailability) : 'PresenceUnknown',
        activity: str(body?.activity) ?? 'PresenceUnknown',
      };
    } catch (error) {
      if (!(error instanceof DirectoryError)) throw error;
      this.log.warn({ operation: 'readPresence', userId, code: error.code }, 'Teams presence unavailable; carrying on without it');
      return undefined;
    }
  }

  async revokeSessions(userId: string): Promise<SessionsRevoked> {
    const writes: GraphWrite[] = [];
    const reply = await this.sendRevoke(new RetryBudget(), userId, writes);
    if (!reply.ok) throw toDirectoryError(reply.failure, 'revokeSessions', writes);
    return { revoked: asRecord(reply.body)?.value !== false, writes };
  }

  /** revokeSignInSessions is idempotent, so it may be retried after a 503/504 like a read. */
  private async sendRevoke(budget: RetryBudget, userId: string, writes: GraphWrite[]): Promise<Reply> {
    const reply = await this.send(budget, 'POST', `${userPath(userId)}/revokeSignInSessions`, {}, true);
    writes.push(this.recordWrite('revokeSignInSessions', userId, reply));
    return reply;
  }

  // ---- reads ---------------------------------------------------------------------------------

  private async lookUpUser(budget: RetryBudget, key: string): Promise<DirectoryUser | undefined> {
    const trimmed = key.trim();
    if (!USER_KEY.test(trimmed)) return undefined;
    const reply = await this.send(budget, 'GET', `${userPath(trimmed)}?$select=${USER_SELECT}`);
    if (!reply.ok) {
      if (reply.failure.status === 404) return undefined;
      throw toDirectoryError(reply.failure, 'readUser');
    }
    return toDirectoryUser(asRecord(reply.body), 'readUser');
  }

  private async roleAssignments(budget: RetryBudget, principalId: string): Promise<{ roleDefinitionId: string; directoryScopeId?: string }[]> {
    const filter = encodeURIComponent(`principalId eq '${principalId.replace(/'/g, "''")}'`);
    const items = await this.listAll(budget, `/roleManagement/directory/roleAssignments?$filter=${filter}`, 'readRoles');
    return items.flatMap((a) => {
      const roleDefinitionId = str(a.roleDefinitionId);
      // Graph honours the filter; checking again costs nothing and guards against a server that does not.
      if (roleDefinitionId === undefined || str(a.principalId)?.toLowerCase() !== principalId.toLowerCase()) return [];
      const directoryScopeId = str(a.directoryScopeId);
      return [directoryScopeId === undefined ? { roleDefinitionId } : { roleDefinitionId, directoryScopeId }];
    });
  }

  private async isGroupMember(budget: RetryBudget, userId: string, groupId: string): Promise<boolean> {
    let groups: Json[];
    try {
      groups = await this.listAll(budget, `${userPath(userId)}/transitiveMemberOf/microsoft.graph.group?$select=id`, 'readGroups');
    } catch (error) {
      // No such user is simply not a member.
      if (error instanceof DirectoryError && error.code === 'not_found') return false;
      throw error;
    }
    return groups.some((g) => str(g.id)?.toLowerCase() === groupId.toLowerCase());
  }

  private async phoneMethods(budget: RetryBudget, userId: string): Promise<PhoneEntry[]> {
    const items = await this.listAll(budget, `${userPath(userId)}/authentication/phoneMethods`, 'readMethods');
    return items.flatMap((p): PhoneEntry[] => {
      const id = str(p.id);
      const type = phoneTypeOf(p);
      if (id === undefined || type === undefined) return [];
      const registered = registeredPhone(id, type, str(p.phoneNumber));
      return [registered ? { id, type, registered } : { id, type }];
    });
  }

  /** The read that confirms a write; if it fails, the error says the write itself went through. */
  private async confirmRead(budget: RetryBudget, userId: string, writes: GraphWrite[]): Promise<PhoneEntry[]> {
    try {
      return await this.phoneMethods(budget, userId);
    } catch (error) {
      if (!(error instanceof DirectoryError)) throw error;
      throw new DirectoryError(
        error.code,
        `The change was sent to Graph but could not be confirmed: ${error.message} Check the account's sign-in methods before trying again.`,
        { ...error.details, writes },
      );
    }
  }

  /** A collection, following @odata.nextLink; fails with the mapped error of the first failed page. */
  private async listAll(budget: RetryBudget, path: string, operation: GraphOperation): Promise<Json[]> {
    const items: Json[] = [];
    let next: string | undefined = path;
    for (let page = 0; next !== undefined && page < MAX_PAGES; page++) {
      const reply = await this.send(budget, 'GET', next);
      if (!reply.ok) throw toDirectoryError(reply.failure, operation);
      const body = asRecord(reply.body);
      if (!body || !Array.isArray(body.value)) throw unreadable(operation);
      for (const item of body.value) {
        const record = asRecord(item);
        if (record) items.push(record);
      }
      next = str(body['@odata.nextLink']);
    }
    if (next !== undefined) this.log.warn({ operation, pages: MAX_PAGES }, 'Graph listing truncated');
    return items;
  }

  // ---- transport -----------------------------------------------------------------------------

  private async send(budget: RetryBudget, method: HttpMethod, path: string, body?: object, repeatable = false): Promise<Reply> {
    const request = this.client
      .api(path)
      .middlewareOptions(repeatable ? [budget, new RepeatableWrite()] : [budget])
      .responseType(ResponseType.RAW);
    let raw: unknown;
    try {
      if (method === 'GET') raw = await request.get();
      else if (method === 'POST') raw = await request.post(body ?? {});
      else if (method === 'PATCH') raw = await request.patch(body ?? {});
      else raw = await request.delete();
    } catch (error) {
      return { ok: false, failure: { cause: causeOf(error) } };
    }
    if (!(raw instanceof Response)) throw new Error('The Graph client returned no raw response');
    const requestId = raw.headers.get('request-id') ?? undefined;
    const parsed = await readJson(raw);
    if (raw.ok) return requestId === undefined ? { ok: true, status: raw.status, body: parsed } : { ok: true, status: raw.status, requestId, body: parsed };

    const error = asRecord(asRecord(parsed)?.error);
    const failure: GraphFailure = { status: raw.status };
    const graphCode = str(error?.code);
    const id = requestId ?? str(asRecord(error?.innerError)?.['request-id']);
    const retryAfterSeconds = parseRetryAfter(raw.headers.get('Retry-After'));
    if (graphCode !== undefined) failure.graphCode = graphCode;
    if (id !== undefined) failure.requestId = id;
    if (retryAfterSeconds !== undefined) failure.retryAfterSeconds = retryAfterSeconds;
    return { ok: false, failure };
  }

  /** Audit entry for one write, logged with ids, status and masked numbers only. */
  private recordWrite(operation: string, userId: string, reply: Reply, extra: { number?: string } = {}): GraphWrite {
    const write: GraphWrite = reply.ok
      ? { operation, status: reply.status }
      : { operation, status: reply.failure.status ?? NO_RESPONSE };
    const requestId = reply.ok ? reply.requestId : reply.failure.requestId;
    if (requestId !== undefined) write.requestId = requestId;
    if (reply.ok) {
      this.log.info({ operation, userId, requestId, status: write.status, ...extra }, 'Graph write');
    } else {
      const { status, graphCode, cause } = reply.failure;
      this.log.warn({ operation, userId, requestId, status, graphCode, cause, ...extra }, 'Graph write failed');
    }
    return write;
  }
}

// ---- mapping Graph objects to the core's types -------------------------------------------------

function toDirectoryUser(u: Json | undefined, operation: GraphOperation): DirectoryUser {
  const id = str(u?.id);
  const userPrincipalName = str(u?.userPrincipalName);
  if (id === undefined || userPrincipalName === undefined) throw unreadable(operation);
  const user: DirectoryUser = { id, userPrincipalName, displayName: str(u?.displayName) ?? userPrincipalName };
  const mail = str(u?.mail);
  if (mail !== undefined) user.mail = mail;
  return user;
}

/** A profile phone as typed into the directory; blanks (and nulls) are no phone. */
function profilePhone(source: ProfilePhone['source'], value: unknown): ProfilePhone | undefined {
  const number = str(value)?.trim();
  if (number === undefined || number === '' || !/\d/.test(number)) return undefined;
  // '+1 (425) 555-0100' masks as a number once its punctuation is gone; a national number keeps only its last digits.
  const compact = number.startsWith('+') ? number.replace(/[\s().\-]/g, '') : number;
  return { source, number, masked: maskPhoneNumber(compact) };
}

function summarize(userId: string, items: Json[]): MethodSummary {
  const methods: SignInMethod[] = [];
  const phones: RegisteredPhone[] = [];
  for (const item of items) {
    const id = str(item.id);
    if (id === undefined) continue;
    const kind = KIND_BY_ODATA_TYPE.get(str(item['@odata.type']) ?? '') ?? 'other';
    const method: SignInMethod = {
      id,
      kind,
      secondFactor: ALWAYS_SECOND_FACTOR.has(kind) || (kind === 'temporaryAccessPass' && item.isUsable === true),
    };
    const label = labelOf(kind, item);
    if (label !== undefined) method.label = label;
    methods.push(method);
    if (kind === 'phone') {
      const type = phoneTypeOf(item);
      // Numbers with an extension (desk phones) have no E.164 form; they stay in `methods` only.
      const phone = type === undefined ? undefined : registeredPhone(id, type, str(item.phoneNumber));
      if (phone) phones.push(phone);
    }
  }
  const otherSecondFactors = [...new Set(methods.filter((m) => m.secondFactor && !NOT_OTHER_SECOND_FACTORS.has(m.kind)).map((m) => m.kind))];
  const summary: MethodSummary = { userId, methods, phones, otherSecondFactors };
  const mobile = phones.find((p) => p.type === 'mobile');
  if (mobile) summary.mobile = mobile;
  return summary;
}

/** Names an admin can recognise; never a secret, and numbers only masked. */
function labelOf(kind: MethodKind, item: Json): string | undefined {
  switch (kind) {
    case 'phone': {
      const number = str(item.phoneNumber);
      return number === undefined ? undefined : maskPhoneNumber(number);
    }
    case 'microsoftAuthenticator':
    case 'windowsHelloForBusiness':
      return str(item.displayName);
    case 'fido2':
      return str(item.displayName) ?? str(item.model);
    default:
      return undefined;
  }
}

function removals(items: Json[]): Removal[] {
  const list = items.flatMap((item): Removal[] => {
    const id = str(item.id);
    const kind = KIND_BY_ODATA_TYPE.get(str(item['@odata.type']) ?? '');
    if (id === undefined || kind === undefined) return [];
    if (kind === 'phone') {
      const type = phoneTypeOf(item);
      if (type === undefined) return [];
      const number = str(item.phoneNumber);
      const removal: Removal = { kind, id, collection: 'phoneMethods', label: type, rank: PHONE_RANK[type], phoneType: type };
      if (number !== undefined) removal.masked = maskPhoneNumber(number);
      return [removal];
    }
    const removal = REMOVAL_BY_KIND[kind];
    return removal ? [{ kind, id, collection: removal.collection, label: id, rank: removal.rank }] : [];
  });
  return list.sort((a, b) => a.rank - b.rank);
}

function progress(all: Removal[], removed: ReRegistrationDone['removed']): string {
  const gone = new Set(removed.map((r) => r.id));
  const name = (m: Removal) => (m.kind === 'phone' ? `${m.label} phone` : m.kind);
  const done = all.filter((m) => gone.has(m.id)).map(name);
  const left = all.filter((m) => !gone.has(m.id)).map(name);
  return `Removed: ${done.length > 0 ? done.join(', ') : 'nothing'}. Not removed: ${left.length > 0 ? left.join(', ') : 'nothing'}.`;
}

function methodOf(m: Removal): ReRegistrationDone['removed'][number] {
  const method: ReRegistrationDone['removed'][number] = { kind: m.kind, id: m.id };
  if (m.phoneType !== undefined) method.phoneType = m.phoneType;
  if (m.masked !== undefined) method.masked = m.masked;
  return method;
}

function stopOf(error: DirectoryError): NonNullable<ReRegistrationDone['stoppedBy']> {
  const stop: NonNullable<ReRegistrationDone['stoppedBy']> = { code: error.code, message: error.message };
  if (error.details.requestId !== undefined) stop.requestId = error.details.requestId;
  return stop;
}

function phoneTypeOf(item: Json): PhoneType | undefined {
  const type = str(item.phoneType);
  if (type === 'mobile' || type === 'alternateMobile' || type === 'office') return type;
  // The /methods listing may omit phoneType; each type has a fixed method id.
  return PHONE_TYPE_BY_ID.get((str(item.id) ?? '').toLowerCase());
}

function registeredPhone(id: string, type: PhoneType, graphNumber: string | undefined): RegisteredPhone | undefined {
  const e164 = graphNumber === undefined ? undefined : fromGraphPhoneNumber(graphNumber);
  return e164 === undefined ? undefined : { id, type, e164, masked: maskPhoneNumber(e164) };
}

// ---- small helpers -------------------------------------------------------------------------------

function userPath(idOrUpn: string): string {
  // The client neither encodes path segments nor query values; a guest UPN holds '#'.
  return `/users/${encodeURIComponent(idOrUpn)}`;
}

/** A 5xx or a lost answer: the request may or may not have been applied. 429 is an explicit "not processed". */
function isAmbiguous(failure: GraphFailure): boolean {
  if (failure.status === undefined) return failure.cause !== 'token';
  return failure.status >= 500;
}

function causeOf(error: unknown): GraphFailure['cause'] {
  if (error instanceof GraphClientError) {
    if (error.name === TOKEN_FAILURE) return 'token';
    if (error.name === ATTEMPT_TIMEOUT) return 'timeout';
    // Any other client error is a bug or a misconfiguration, not an outage: let it surface.
    throw error;
  }
  // The SDK wraps fetch's rejection (DNS, refused connection, TLS, reset) in a GraphError.
  return 'network';
}

function detailsOf(failure: GraphFailure, writes: GraphWrite[]): DirectoryError['details'] {
  const details: DirectoryError['details'] = { writes };
  if (failure.status !== undefined) details.status = failure.status;
  if (failure.graphCode !== undefined) details.graphCode = failure.graphCode;
  if (failure.requestId !== undefined) details.requestId = failure.requestId;
  return details;
}

function unreadable(operation: GraphOperation, writes?: GraphWrite[]): DirectoryError {
  return new DirectoryError(
    'unavailable',
    `Microsoft Graph answered in a form the bot could not read (${operation}). Try again; if it persists, report it.`,
    writes === undefined ? {} : { writes },
  );
}

async function readJson(response: Response): Promise<unknown> {
  try {
    const text = await response.text();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}
