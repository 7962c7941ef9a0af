/**
 * The Graph adapter against the Graph sandbox over real HTTPS: the real graph client, its
 * middleware, the bearer token and TLS, with Graph's rules and injected throttling and outages
 * played by the sandbox. Each test gets a fresh sandbox from this file's own small seed, so the demo
 * tenant can change freely.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import {
  PHONE_METHOD_IDS,
  ROLE_AUTHENTICATION_ADMINISTRATOR,
  ROLE_GLOBAL_ADMINISTRATOR,
  ROLE_PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
  type TargetProfile,
} from '../../src/core/directory';
import { createGraphCredential } from '../../src/graph/credentials';
import { createGraphClient } from '../../src/graph/graphClient';
import { GraphDirectory, type GraphDirectoryOptions } from '../../src/graph/graphDirectory';
import { startGraphSandbox, type GraphSandbox } from '../../src/local/graphSandbox/graphSandbox';
import { parseTenantSeed, type TenantSeed } from '../../src/local/graphSandbox/tenant';
import { RecordingLog } from '../fakes/ports';
import { failure } from '../helpers/directoryFailure';

const PHONE = '#microsoft.graph.phoneAuthenticationMethod';
const AUTHENTICATOR = '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod';
const FIDO2 = '#microsoft.graph.fido2AuthenticationMethod';
const OATH = '#microsoft.graph.softwareOathAuthenticationMethod';
const HELLO = '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod';
const EMAIL = '#microsoft.graph.emailAuthenticationMethod';
const TAP = '#microsoft.graph.temporaryAccessPassAuthenticationMethod';

const HELPDESK_GROUP = '00000000-0000-4000-8000-0000000000f1';
const OTHER_GROUP = '00000000-0000-4000-8000-0000000000f2';

/** Full numbers the tests use; none of them may ever appear in what the adapter logs. */
const N = {
  bobOld: { e164: '+447700900123', graph: '+44 7700900123' },
  bobNew: { e164: '+447700900456', graph: '+44 7700900456' },
  carolMobile: { e164: '+447700900111', graph: '+44 7700900111' },
  carolAlternate: { e164: '+447700900222', graph: '+44 7700900222' },
  carolOffice: { e164: '+442079460000', graph: '+44 2079460000' },
  miaMobile: { e164: '+14255550123', graph: '+1 4255550123' },
  fresh: { e164: '+447700900789', graph: '+44 7700900789' },
  rival: { e164: '+447700900999', graph: '+44 7700900999' },
};

function user(n: number, name: string, methods: TenantSeed['users'][number]['methods'] = [], defaultMethodId?: string) {
  const u: TenantSeed['users'][number] = {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    userPrincipalName: `${name}@contoso.example`,
    displayName: name[0].toUpperCase() + name.slice(1),
    methods,
  };
  if (defaultMethodId !== undefined) u.defaultMethodId = defaultMethodId;
  return u;
}

const phone = (phoneType: 'mobile' | 'alternateMobile' | 'office', phoneNumber: string) => ({
  '@odata.type': PHONE,
  id: PHONE_METHOD_IDS[phoneType],
  phoneNumber,
  phoneType,
});
const authenticator = (id: string) => ({ '@odata.type': AUTHENTICATOR, id, displayName: 'Pixel 8', deviceTag: 'SoftwareTokenActivated' });

const U = {
  /** No phone at all: replaceMobile adds one. */
  noPhone: user(1, 'nophone', [authenticator('aaaaaaaa-0000-4000-8000-000000000001')]),
  /** Has a mobile: replaceMobile updates it. */
  bob: user(2, 'bob', [phone('mobile', N.bobOld.graph), authenticator('aaaaaaaa-0000-4000-8000-000000000002')]),
  /** Everything re-registration removes; the Authenticator is the default, so it has to go last. */
  carol: user(
    3,
    'carol',
    [
      phone('mobile', N.carolMobile.graph),
      phone('alternateMobile', N.carolAlternate.graph),
      phone('office', N.carolOffice.graph),
      authenticator('aaaaaaaa-0000-4000-8000-000000000003'),
      { '@odata.type': OATH, id: 'bbbbbbbb-0000-4000-8000-000000000003' },
    ],
    'aaaaaaaa-0000-4000-8000-000000000003',
  ),
  /** The mobile is the default and a passkey stays: Graph will never let the mobile go. */
  dave: user(4, 'dave', [phone('mobile', '+44 7700900333'), { '@odata.type': FIDO2, id: 'cccccccc-0000-4000-8000-000000000004', model: 'YubiKey 5' }]),
  /** An admin target (Global Administrator). */
  erin: user(5, 'erin', [phone('mobile', '+44 7700900444')]),
  paa: user(6, 'paa'),
  aa: user(7, 'aa'),
  helper: user(8, 'helper'),
  nobody: user(9, 'nobody'),
  /** Every kind of method, for the summary. */
  mia: user(10, 'mia', [
    phone('mobile', N.miaMobile.graph),
    phone('office', '+1 4255550100x123'),
    authenticator('aaaaaaaa-0000-4000-8000-000000000010'),
    { '@odata.type': FIDO2, id: 'cccccccc-0000-4000-8000-000000000010', model: 'YubiKey 5', displayName: 'Desk key' },
    { '@odata.type': HELLO, id: 'dddddddd-0000-4000-8000-000000000010', displayName: 'LAPTOP-01' },
    { '@odata.type': EMAIL, id: 'eeeeeeee-0000-4000-8000-000000000010', emailAddress: 'mia.home@example.org' },
  ]),
};

function seed(): TenantSeed {
  return parseTenantSeed({
    users: Object.values(U),
    roleAssignments: [
      { principalId: U.erin.id, roleDefinitionId: ROLE_GLOBAL_ADMINISTRATOR },
      { principalId: U.paa.id, roleDefinitionId: ROLE_PRIVILEGED_AUTHENTICATION_ADMINISTRATOR },
      { principalId: U.aa.id, roleDefinitionId: ROLE_AUTHENTICATION_ADMINISTRATOR },
    ],
    groups: [
      { id: HELPDESK_GROUP, displayName: 'Helpdesk', members: [U.helper.id] },
      { id: OTHER_GROUP, displayName: 'Everyone else', members: [U.nobody.id, U.helper.id] },
    ],
    temporaryAccessPassPolicy: { enabled: true, defaultLifetimeInMinutes: 60, isUsableOnce: false },
  });
}

const OPTIONS: GraphDirectoryOptions = { tapLifetimeMinutes: 60, tapUsableOnce: true, helpdeskGroupId: HELPDESK_GROUP };
const BUDGET_SECONDS = 5;

let sandbox: GraphSandbox;
let log: RecordingLog;
let directory: GraphDirectory;

function connect(credential: TokenCredential = createGraphCredential({ kind: 'static', token: sandbox.token }), options = OPTIONS): GraphDirectory {
  const client = createGraphClient({
    credential,
    baseUrl: sandbox.origin,
    trustedCaPem: sandbox.caPem,
    maxRetryTotalSeconds: BUDGET_SECONDS,
    log,
  });
  return new GraphDirectory(client, options, log);
}

beforeEach(async () => {
  sandbox = await startGraphSandbox({ seed: seed() });
  log = new RecordingLog();
  directory = connect();
});

afterEach(async () => {
  await sandbox.close();
  // Whatever a test did, the adapter's log never holds a full number in any form.
  const logged = log.text();
  for (const n of Object.values(N)) {
    expect(logged).not.toContain(n.e164);
    expect(logged).not.toContain(n.graph);
    expect(logged).not.toContain(n.graph.split(' ')[1]);
  }
});

const requestsTo = (method: string, pathPart: string) => sandbox.requests.filter((r) => r.method === method && r.path.includes(pathPart));
const mobileOf = (key: string) => sandbox.user(key)?.methods.find((m) => m['@odata.type'] === PHONE && m.phoneType === 'mobile');

describe('findUser and targetProfile', () => {
  test('by object id and by sign-in address, with project types only', async () => {
    const byId = await directory.findUser(U.bob.id);
    expect(byId).toEqual({ id: U.bob.id, userPrincipalName: U.bob.userPrincipalName, displayName: 'Bob' });
    expect(await directory.findUser(U.bob.userPrincipalName.toUpperCase())).toEqual(byId);
  });

  test('a missing user is undefined, and every other operation says not_found', async () => {
    const ghost = 'ghost@contoso.example';
    expect(await directory.findUser(ghost)).toBeUndefined();
    // Keys that cannot be an id or a sign-in address are not sent at all.
    for (const key of ['   ', 'a/b@contoso.example', 'bob@contoso.example?x=1', '%2e%2e', 'x'.repeat(300)]) {
      expect(await directory.findUser(key)).toBeUndefined();
    }
    expect(sandbox.requests.filter((r) => !r.path.includes('ghost'))).toEqual([]);
    for (const call of [
      directory.targetProfile(ghost),
      directory.methods(ghost),
      directory.replaceMobile(ghost, N.fresh.e164),
      directory.issueTemporaryAccessPass(ghost),
      directory.requireReRegistration(ghost, { revokeSessions: true }),
    ]) {
      const error = await failure(call);
      expect(error.code).toBe('not_found');
    }
    const error = await failure(directory.methods(ghost));
    // Graph's request-id travels with the error, for the admin and the audit.
    expect(sandbox.requests.map((r) => r.requestId)).toContain(error.details.requestId);
    expect(error.details.status).toBe(404);
  });

  test('any directory role makes the target an admin', async () => {
    expect(await directory.targetProfile(U.erin.userPrincipalName)).toEqual({
      user: { id: U.erin.id, userPrincipalName: U.erin.userPrincipalName, displayName: 'Erin' },
      isAdmin: true,
      roleDefinitionIds: [ROLE_GLOBAL_ADMINISTRATOR],
    });
    expect(await directory.targetProfile(U.bob.id)).toMatchObject({ isAdmin: false, roleDefinitionIds: [] });
  });
});

describe('methods', () => {
  test('maps every kind, masks numbers, and lists the other second factors', async () => {
    const summary = await directory.methods(U.mia.id);
    expect(summary.userId).toBe(U.mia.id);
    const byKind = Object.fromEntries(summary.methods.map((m) => [m.id, m]));
    expect(byKind[PHONE_METHOD_IDS.mobile]).toEqual({ id: PHONE_METHOD_IDS.mobile, kind: 'phone', secondFactor: true, label: '+1 ••••••••23' });
    expect(byKind[PHONE_METHOD_IDS.office]).toMatchObject({ kind: 'phone', secondFactor: true });
    expect(byKind['aaaaaaaa-0000-4000-8000-000000000010']).toEqual({
      id: 'aaaaaaaa-0000-4000-8000-000000000010',
      kind: 'microsoftAuthenticator',
      secondFactor: true,
      label: 'Pixel 8',
    });
    expect(byKind['cccccccc-0000-4000-8000-000000000010']).toMatchObject({ kind: 'fido2', secondFactor: true, label: 'Desk key' });
    expect(byKind['dddddddd-0000-4000-8000-000000000010']).toMatchObject({ kind: 'windowsHelloForBusiness', secondFactor: true });
    expect(byKind['eeeeeeee-0000-4000-8000-000000000010']).toEqual({ id: 'eeeeeeee-0000-4000-8000-000000000010', kind: 'email', secondFactor: false });
    expect(summary.methods.find((m) => m.kind === 'password')).toMatchObject({ secondFactor: false });

    // The office number has an extension, which has no E.164 form: it is a method, not a phone.
    expect(summary.phones).toEqual([{ id: PHONE_METHOD_IDS.mobile, type: 'mobile', e164: N.miaMobile.e164, masked: '+1 ••••••••23' }]);
    expect(summary.mobile?.e164).toBe(N.miaMobile.e164);
    expect(summary.otherSecondFactors).toEqual(['microsoftAuthenticator', 'fido2', 'windowsHelloForBusiness']);
    expect(JSON.stringify(summary)).not.toContain('mia.home@example.org');
  });

  test('a Temporary Access Pass counts as a second factor only while usable', async () => {
    await directory.issueTemporaryAccessPass(U.helper.id);
    expect((await directory.methods(U.helper.id)).otherSecondFactors).toEqual(['temporaryAccessPass']);
    sandbox.setTemporaryAccessPassPolicy({ enabled: false });
    const summary = await directory.methods(U.helper.id);
    expect(summary.methods.find((m) => m.kind === 'temporaryAccessPass')).toMatchObject({ secondFactor: false });
    expect(summary.otherSecondFactors).toEqual([]);
  });
});

describe('replaceMobile', () => {
  test('PATCHes the existing mobile, reads it back, and returns the write with its request-id', async () => {
    const result = await directory.replaceMobile(U.bob.id, N.bobNew.e164);
    expect(result.change).toBe('updated');
    expect(result.phone).toEqual({ id: PHONE_METHOD_IDS.mobile, type: 'mobile', e164: N.bobNew.e164, masked: '+44 ••••••••56' });
    const patch = requestsTo('PATCH', `/users/${U.bob.id}/authentication/phoneMethods/${PHONE_METHOD_IDS.mobile}`);
    expect(patch).toHaveLength(1);
    expect(result.writes).toEqual([{ operation: 'phoneMethods.update:mobile', requestId: patch[0].requestId, status: 204 }]);
    expect(mobileOf(U.bob.id)?.phoneNumber).toBe(N.bobNew.graph);
    // Never delete-then-add: the mobile was changed in place.
    expect(sandbox.requests.filter((r) => r.method === 'DELETE' || r.method === 'POST')).toEqual([]);
    expect(log.lines).toContainEqual({
      level: 'info',
      obj: { operation: 'phoneMethods.update:mobile', userId: U.bob.id, requestId: patch[0].requestId, status: 204, number: '+44 ••••••••56' },
      msg: 'Graph write',
    });
  });

  test('POSTs a mobile when there is none', async () => {
    const result = await directory.replaceMobile(U.noPhone.id, N.fresh.e164);
    expect(result.change).toBe('added');
    expect(result.writes).toEqual([{ operation: 'phoneMethods.add:mobile', requestId: requestsTo('POST', 'phoneMethods')[0].requestId, status: 201 }]);
    expect(mobileOf(U.noPhone.id)?.phoneNumber).toBe(N.fresh.graph);
  });

  test('a number that is not E.164 never reaches Graph', async () => {
    for (const bad of [N.fresh.graph, '07700900789', '+44 7700 900789', '']) {
      const error = await failure(directory.replaceMobile(U.bob.id, bad));
      expect(error.code).toBe('invalid_number');
    }
    expect(sandbox.requests).toEqual([]);
    expect(mobileOf(U.bob.id)?.phoneNumber).toBe(N.bobOld.graph);
  });

  test('E.164 that Graph still refuses (too short a subscriber number) is invalid_number, on PATCH and on POST', async () => {
    const tooShort = '+39123';
    const onPatch = await failure(directory.replaceMobile(U.bob.id, tooShort));
    expect(onPatch).toMatchObject({ code: 'invalid_number', details: { status: 400, graphCode: 'badRequest' } });
    expect(onPatch.message).not.toContain('123');
    expect(mobileOf(U.bob.id)?.phoneNumber).toBe(N.bobOld.graph);

    const onPost = await failure(directory.replaceMobile(U.noPhone.id, tooShort));
    expect(onPost.code).toBe('invalid_number');
    expect(onPost.details.writes).toEqual([{ operation: 'phoneMethods.add:mobile', requestId: expect.any(String), status: 400 }]);
    expect(mobileOf(U.noPhone.id)).toBeUndefined();
  });

  describe('a mobile added by someone else between our read and our POST', () => {
    /** Asks for the token before each request; before the Nth it lets "another admin" act. */
    class RacingCredential implements TokenCredential {
      private calls = 0;
      constructor(
        private readonly token: string,
        private readonly beforeCall: number,
        private readonly race: () => Promise<unknown>,
      ) {}
      async getToken(): Promise<AccessToken> {
        this.calls += 1;
        if (this.calls === this.beforeCall) await this.race();
        return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
      }
    }

    test('with a different number: conflict, and ours is not written', async () => {
      const otherAdmin = connect();
      // Call 1 is our GET phoneMethods, call 2 our POST.
      const racing = connect(new RacingCredential(sandbox.token, 2, () => otherAdmin.replaceMobile(U.noPhone.id, N.rival.e164)));
      const error = await failure(racing.replaceMobile(U.noPhone.id, N.fresh.e164));
      expect(error.code).toBe('conflict');
      expect(error.details).toMatchObject({ status: 400, writes: [{ operation: 'phoneMethods.add:mobile', status: 400 }] });
      expect(mobileOf(U.noPhone.id)?.phoneNumber).toBe(N.rival.graph);
      expect(requestsTo('POST', 'phoneMethods').map((r) => r.status)).toEqual([201, 400]);
    });

    test('with the same number: the read-back shows the wanted state, so it succeeds', async () => {
      const otherAdmin = connect();
      const racing = connect(new RacingCredential(sandbox.token, 2, () => otherAdmin.replaceMobile(U.noPhone.id, N.fresh.e164)));
      const result = await racing.replaceMobile(U.noPhone.id, N.fresh.e164);
      expect(result.phone.e164).toBe(N.fresh.e164);
      expect(result.writes).toEqual([{ operation: 'phoneMethods.add:mobile', requestId: expect.any(String), status: 400 }]);
    });
  });

  test.each([503, 504] as const)('a POST answered %i after it was applied: read back, no second POST, success', async (status) => {
    sandbox.injectFault({ status, retryAfterSeconds: 0, times: 1, method: 'POST', pathIncludes: 'phoneMethods', applyFirst: true });
    const result = await directory.replaceMobile(U.noPhone.id, N.fresh.e164);
    expect(result).toMatchObject({ change: 'added', phone: { e164: N.fresh.e164 } });
    expect(requestsTo('POST', 'phoneMethods').map((r) => r.status)).toEqual([status]);
    expect(result.writes).toEqual([{ operation: 'phoneMethods.add:mobile', requestId: requestsTo('POST', 'phoneMethods')[0].requestId, status }]);
    expect(sandbox.user(U.noPhone.id)?.methods.filter((m) => m['@odata.type'] === PHONE)).toHaveLength(1);
  });

  test('a POST answered 503 that was not applied: read back, nothing changed, unavailable', async () => {
    sandbox.injectFault({ status: 503, retryAfterSeconds: 0, times: 1, method: 'POST', pathIncludes: 'phoneMethods' });
    const error = await failure(directory.replaceMobile(U.noPhone.id, N.fresh.e164));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/the number was not changed/);
    expect(requestsTo('POST', 'phoneMethods')).toHaveLength(1);
    expect(mobileOf(U.noPhone.id)).toBeUndefined();
  });

  test('a PATCH answered 503 after it was applied is simply retried (it is idempotent)', async () => {
    sandbox.injectFault({ status: 503, retryAfterSeconds: 0, times: 1, method: 'PATCH', applyFirst: true });
    const result = await directory.replaceMobile(U.bob.id, N.bobNew.e164);
    expect(result.change).toBe('updated');
    expect(requestsTo('PATCH', 'phoneMethods').map((r) => r.status)).toEqual([503, 204]);
  });
});

describe('issueTemporaryAccessPass', () => {
  test('POSTs the configured lifetime and use, returns the pass once and never logs it', async () => {
    const issued = await directory.issueTemporaryAccessPass(U.bob.id);
    expect(issued).toMatchObject({ lifetimeInMinutes: 60, isUsableOnce: true, methodId: expect.any(String), startDateTime: expect.any(String) });
    expect(issued.pass).toMatch(/^\S{8}$/);
    const post = requestsTo('POST', 'temporaryAccessPassMethods');
    expect(issued.writes).toEqual([{ operation: 'temporaryAccessPassMethods.add', requestId: post[0].requestId, status: 201 }]);
    expect(log.text()).not.toContain(issued.pass);
    expect(sandbox.user(U.bob.id)?.methods.find((m) => m['@odata.type'] === TAP)).toMatchObject({ id: issued.methodId, lifetimeInMinutes: 60, isUsableOnce: true });
  });

  test('TAP policy off: not_allowed, saying the policy may be off or exclude the user', async () => {
    sandbox.setTemporaryAccessPassPolicy({ enabled: false });
    const error = await failure(directory.issueTemporaryAccessPass(U.bob.id));
    expect(error).toMatchObject({ code: 'not_allowed', details: { status: 403, graphCode: 'accessDenied' } });
    expect(error.message).toMatch(/Temporary Access Pass policy may be off, may exclude this user/);
    expect(error.details.writes).toEqual([{ operation: 'temporaryAccessPassMethods.add', requestId: error.details.requestId, status: 403 }]);
  });

  test('a policy that allows only one-time passes refuses a reusable one (400): not_allowed too', async () => {
    sandbox.setTemporaryAccessPassPolicy({ isUsableOnce: true });
    const reusable = connect(undefined, { ...OPTIONS, tapUsableOnce: false });
    expect((await failure(reusable.issueTemporaryAccessPass(U.bob.id))).code).toBe('not_allowed');
  });

  test('an ambiguous failure is not retried: the pass cannot be read back, so the admin is told', async () => {
    sandbox.injectFault({ status: 504, retryAfterSeconds: 0, times: 1, method: 'POST', pathIncludes: 'temporaryAccessPass', applyFirst: true });
    const error = await failure(directory.issueTemporaryAccessPass(U.bob.id));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/A pass may have been created without being shown; issuing a new one replaces it/);
    expect(requestsTo('POST', 'temporaryAccessPass')).toHaveLength(1);
  });

  test('the lifetime is checked when the directory is built', () => {
    const client = createGraphClient({ credential: createGraphCredential({ kind: 'static', token: 't' }), baseUrl: sandbox.origin, maxRetryTotalSeconds: 1, log });
    expect(() => new GraphDirectory(client, { ...OPTIONS, tapLifetimeMinutes: 5 }, log)).toThrow(/10 to 43200/);
  });
});

describe('requireReRegistration', () => {
  test('removes phones, Authenticator and OATH, deferring the default until the others are gone', async () => {
    const done = await directory.requireReRegistration(U.carol.id, { revokeSessions: true });
    expect(sandbox.user(U.carol.id)?.methods).toEqual([]);
    expect(done.sessionsRevoked).toBe(true);
    expect(sandbox.user(U.carol.id)?.sessionsRevokedAt).toEqual(expect.any(String));
    expect(done.removed.map((r) => r.kind).sort()).toEqual(['microsoftAuthenticator', 'phone', 'phone', 'phone', 'softwareOath']);
    expect(done.kept).toEqual([]);
    expect(done.stoppedBy).toBeUndefined();
    // Phones say which one, masked, so the person can be told exactly what went.
    expect(done.removed.find((r) => r.phoneType === 'mobile')).toEqual({ kind: 'phone', id: PHONE_METHOD_IDS.mobile, phoneType: 'mobile', masked: '+44 ••••••••11' });
    expect(done.writes.map((w) => [w.operation, w.status])).toEqual([
      ['phoneMethods.delete:office', 204],
      ['softwareOathMethods.delete:bbbbbbbb-0000-4000-8000-000000000003', 204],
      // The default: refused while other methods remain, retried after them.
      ['microsoftAuthenticatorMethods.delete:aaaaaaaa-0000-4000-8000-000000000003', 400],
      ['phoneMethods.delete:alternateMobile', 204],
      ['phoneMethods.delete:mobile', 204],
      ['microsoftAuthenticatorMethods.delete:aaaaaaaa-0000-4000-8000-000000000003', 204],
      ['revokeSignInSessions', 200],
    ]);
    // Every write carries the request-id the sandbox logged for it, in order.
    const writes = sandbox.requests.filter((r) => r.method !== 'GET');
    expect(done.writes.map((w) => w.requestId)).toEqual(writes.map((r) => r.requestId));
  });

  test('what cannot be removed (the default, while a passkey stays) is reported as kept, and sessions are still revoked', async () => {
    const done = await directory.requireReRegistration(U.dave.id, { revokeSessions: true });
    expect(done.removed).toEqual([]);
    expect(done.kept).toEqual([{ kind: 'phone', id: PHONE_METHOD_IDS.mobile, phoneType: 'mobile', masked: '+44 ••••••••33', code: 'conflict' }]);
    expect(done.stoppedBy).toBeUndefined();
    expect(done.sessionsRevoked).toBe(true);
    expect(done.writes.map((w) => [w.operation, w.status])).toEqual([
      ['phoneMethods.delete:mobile', 400],
      ['revokeSignInSessions', 200],
    ]);
    expect(sandbox.user(U.dave.id)?.methods).toHaveLength(2);
  });

  test('a method Graph refuses to delete (403) is kept; the others go, and sessions are revoked', async () => {
    const authenticatorId = 'aaaaaaaa-0000-4000-8000-000000000003';
    sandbox.injectFault({ status: 403, times: 100, method: 'DELETE', pathIncludes: authenticatorId });
    const done = await directory.requireReRegistration(U.carol.id, { revokeSessions: true });
    expect(done.removed.map((r) => r.phoneType ?? r.kind)).toEqual(['office', 'softwareOath', 'alternateMobile', 'mobile']);
    expect(done.kept).toEqual([{ kind: 'microsoftAuthenticator', id: authenticatorId, code: 'not_allowed' }]);
    expect(done.sessionsRevoked).toBe(true);
    expect(done.stoppedBy).toBeUndefined();
    expect(sandbox.user(U.carol.id)?.methods.map((m) => m.id)).toEqual([authenticatorId]);
  });

  test('after a Temporary Access Pass (issued first), every method goes and the pass stays', async () => {
    const pass = await directory.issueTemporaryAccessPass(U.bob.id);
    const done = await directory.requireReRegistration(U.bob.id, { revokeSessions: true });
    expect(done.kept).toEqual([]);
    expect(done.removed.map((r) => r.phoneType ?? r.kind).sort()).toEqual(['microsoftAuthenticator', 'mobile']);
    expect(sandbox.user(U.bob.id)?.methods.map((m) => m.id)).toEqual([pass.methodId]);
  });

  test('a failed listing changes nothing and throws', async () => {
    sandbox.injectFault({ status: 503, retryAfterSeconds: 0, times: 100, method: 'GET', pathIncludes: '/authentication/methods' });
    const error = await failure(directory.requireReRegistration(U.bob.id, { revokeSessions: true }));
    expect(error.code).toBe('unavailable');
    expect(sandbox.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test('without revocation, sessions are left alone', async () => {
    const done = await directory.requireReRegistration(U.bob.id, { revokeSessions: false });
    expect(done.sessionsRevoked).toBe(false);
    expect(sandbox.user(U.bob.id)?.sessionsRevokedAt).toBeUndefined();
    expect(done.writes.some((w) => w.operation === 'revokeSignInSessions')).toBe(false);
  });

  test('revoking sessions is repeatable, so a 503 on that POST is retried', async () => {
    sandbox.injectFault({ status: 503, retryAfterSeconds: 0, times: 1, pathIncludes: 'revokeSignInSessions', applyFirst: true });
    const done = await directory.requireReRegistration(U.bob.id, { revokeSessions: true });
    expect(done.sessionsRevoked).toBe(true);
    expect(requestsTo('POST', 'revokeSignInSessions').map((r) => r.status)).toEqual([503, 200]);
  });

  test('a delete answered 503 after it was applied is retried; the 404 that follows means it is gone', async () => {
    sandbox.injectFault({ status: 503, times: 1, retryAfterSeconds: 0, method: 'DELETE', pathIncludes: 'microsoftAuthenticatorMethods', applyFirst: true });
    const done = await directory.requireReRegistration(U.noPhone.id, { revokeSessions: false });
    expect(done.removed).toEqual([{ kind: 'microsoftAuthenticator', id: 'aaaaaaaa-0000-4000-8000-000000000001' }]);
    expect(requestsTo('DELETE', 'microsoftAuthenticatorMethods').map((r) => r.status)).toEqual([503, 404]);
  });

  test('an outage part-way stops the deletes at once: what was removed, what was not tried, the request-id of the failure', async () => {
    sandbox.injectFault({ status: 500, times: 1, method: 'DELETE', pathIncludes: 'softwareOathMethods' });
    const done = await directory.requireReRegistration(U.carol.id, { revokeSessions: true });
    expect(done.removed.map((r) => r.phoneType ?? r.kind)).toEqual(['office']);
    expect(done.kept.map((r) => `${r.phoneType ?? r.kind}:${r.code}`)).toEqual([
      'softwareOath:unavailable',
      'microsoftAuthenticator:unavailable',
      'alternateMobile:unavailable',
      'mobile:unavailable',
    ]);
    expect(done.stoppedBy).toEqual({ code: 'unavailable', message: expect.any(String), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // Sessions are still revoked: the caller has issued a pass, and the old phone must lose its sessions.
    expect(done.sessionsRevoked).toBe(true);
    expect(done.writes.map((w) => w.status)).toEqual([204, 500, 200]);
  });

});

describe('checkApprover', () => {
  let admin: TargetProfile;
  let plain: TargetProfile;
  beforeEach(async () => {
    admin = await directory.targetProfile(U.erin.id);
    plain = await directory.targetProfile(U.bob.id);
  });

  test.each([
    ['paa', 'privilegedAuthenticationAdministrator', true, true],
    ['aa', 'authenticationAdministrator', true, false],
    ['helper', 'helpdeskGroup', true, false],
    ['nobody', undefined, false, false],
  ] as const)('%s: role %s, enough for a plain user %s, for an admin %s', async (key, role, forPlain, forAdmin) => {
    const approver = U[key];
    expect(await directory.checkApprover(approver.id, plain)).toEqual(role === undefined ? { enoughForTarget: false } : { role, enoughForTarget: forPlain });
    expect((await directory.checkApprover(approver.id, admin)).enoughForTarget).toBe(forAdmin);
  });

  test('a sign-in address works as well as an object id', async () => {
    expect(await directory.checkApprover(U.paa.userPrincipalName, admin)).toEqual({ role: 'privilegedAuthenticationAdministrator', enoughForTarget: true });
  });

  test('without a helpdesk group configured, membership is not asked about', async () => {
    const noGroup = connect(undefined, { tapLifetimeMinutes: 60, tapUsableOnce: true });
    expect(await noGroup.checkApprover(U.helper.id, plain)).toEqual({ enoughForTarget: false });
    expect(requestsTo('GET', 'transitiveMemberOf')).toHaveLength(0);
  });

  test('an unknown approver may not approve', async () => {
    expect(await directory.checkApprover('ghost@contoso.example', plain)).toEqual({ enoughForTarget: false });
    expect(await directory.checkApprover('00000000-0000-4000-8000-00000000dead', plain)).toEqual({ enoughForTarget: false });
  });
});

describe('throttling and outages', () => {
  test('429 with Retry-After is honoured, and the request log shows the retry', async () => {
    sandbox.injectFault({ status: 429, retryAfterSeconds: 1, times: 1, method: 'GET', pathIncludes: '/authentication/methods' });
    const started = Date.now();
    const summary = await directory.methods(U.bob.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(summary.mobile?.e164).toBe(N.bobOld.e164);
    expect(requestsTo('GET', '/authentication/methods').map((r) => r.status)).toEqual([429, 200]);
  });

  test('a Retry-After beyond the budget fails fast as throttled, with retryAfterSeconds', async () => {
    sandbox.injectFault({ status: 429, retryAfterSeconds: 30, times: 5 });
    const started = Date.now();
    const error = await failure(directory.methods(U.bob.id));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toMatchObject({ code: 'throttled', details: { status: 429, retryAfterSeconds: 30, graphCode: 'TooManyRequests' } });
    expect(error.message).toMatch(/Try again in 30 seconds/);
    expect(sandbox.requests).toHaveLength(1);
  });

  test('the budget is shared by all requests of one operation', async () => {
    // 3 s fits the 5 s budget once, not twice.
    sandbox.injectFault({ status: 429, retryAfterSeconds: 3, times: 1, method: 'GET', pathIncludes: 'phoneMethods' });
    sandbox.injectFault({ status: 429, retryAfterSeconds: 3, times: 1, method: 'PATCH' });
    const error = await failure(directory.replaceMobile(U.bob.id, N.bobNew.e164));
    expect(error).toMatchObject({ code: 'throttled', details: { retryAfterSeconds: 3 } });
    expect(sandbox.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 429', 'GET 200', 'PATCH 429']);
    expect(mobileOf(U.bob.id)?.phoneNumber).toBe(N.bobOld.graph);
  }, 15_000);

  test('a POST answered 429 is retried: 429 means it was not processed', async () => {
    sandbox.injectFault({ status: 429, retryAfterSeconds: 0, times: 1, method: 'POST' });
    const result = await directory.replaceMobile(U.noPhone.id, N.fresh.e164);
    expect(result.change).toBe('added');
    expect(requestsTo('POST', 'phoneMethods').map((r) => r.status)).toEqual([429, 201]);
  });

  test('503 then success', async () => {
    sandbox.injectFault({ status: 503, retryAfterSeconds: 0, times: 2, method: 'GET' });
    expect(await directory.findUser(U.bob.id)).toMatchObject({ id: U.bob.id });
    expect(sandbox.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  test('503 without Retry-After backs off and still succeeds within the budget', async () => {
    sandbox.injectFault({ status: 503, times: 1, method: 'GET' });
    expect(await directory.findUser(U.bob.id)).toMatchObject({ id: U.bob.id });
    expect(sandbox.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  test('persistent 503: unavailable after the retries, with the request-id of the last answer', async () => {
    sandbox.injectFault({ status: 503, retryAfterSeconds: 0, times: 100 });
    const error = await failure(directory.methods(U.bob.id));
    expect(error).toMatchObject({ code: 'unavailable', details: { status: 503, retryAfterSeconds: 0 } });
    expect(sandbox.requests).toHaveLength(4);
    expect(error.details.requestId).toBe(sandbox.requests[3].requestId);
  });

  test('500 is not retried (only 429, 503 and 504 are) and maps to unavailable', async () => {
    sandbox.injectFault({ status: 500, times: 1 });
    expect((await failure(directory.findUser(U.bob.id))).code).toBe('unavailable');
    expect(sandbox.requests).toHaveLength(1);
  });
});

describe('the token', () => {
  test('a token the sandbox does not accept: not_allowed', async () => {
    const wrong = connect(createGraphCredential({ kind: 'static', token: 'not-the-sandbox-token' }));
    const error = await failure(wrong.findUser(U.bob.id));
    expect(error).toMatchObject({ code: 'not_allowed', details: { status: 401 } });
  });

  test('no token at all: unavailable, and nothing is sent', async () => {
    const broken: TokenCredential = {
      getToken: () => Promise.reject(new Error('AADSTS700016: application not found in tenant contoso')),
    };
    const error = await failure(connect(broken).findUser(U.bob.id));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/could not get an access token/);
    expect(error.message).not.toContain('AADSTS');
    expect(sandbox.requests).toEqual([]);
  });
});
