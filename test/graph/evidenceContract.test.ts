/**
 * The evidence calls of the Graph adapter (manager, profile phones, presence, session revocation)
 * against the Graph sandbox over real HTTPS, in the style of contract.test.ts: the real graph
 * client, its retries and the error mapping, with Graph's shapes and errors played by the sandbox.
 */
import { isSignedInToTeams } from '../../src/core/directory';
import { createGraphCredential } from '../../src/graph/credentials';
import { createGraphClient } from '../../src/graph/graphClient';
import { GraphDirectory } from '../../src/graph/graphDirectory';
import { startGraphSandbox, type GraphSandbox } from '../../src/local/graphSandbox/graphSandbox';
import { parseTenantSeed, type TenantSeed } from '../../src/local/graphSandbox/tenant';
import { RecordingLog } from '../fakes/ports';
import { failure } from '../helpers/directoryFailure';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const U = {
  /** Reports to Maya; desk phones and a profile mobile; in Teams now. */
  bob: { id: id(1), upn: 'bob@contoso.example' },
  /** The manager; no manager of her own, no profile phones. */
  maya: { id: id(2), upn: 'maya@contoso.example' },
  /** Nothing at all: no manager, no phones, never seen in Teams. */
  nora: { id: id(3), upn: 'nora@contoso.example' },
};
/** Profile numbers; none of them may appear in what the adapter logs. */
const PROFILE_NUMBERS = ['+44 20 7946 0111', '+1 (425) 555-0100', '+44 7700 900999'];

function seed(): TenantSeed {
  return parseTenantSeed({
    users: [
      {
        id: U.bob.id,
        userPrincipalName: U.bob.upn,
        displayName: 'Bob Example',
        methods: [],
        managerId: U.maya.id,
        businessPhones: [PROFILE_NUMBERS[0], PROFILE_NUMBERS[1]],
        mobilePhone: PROFILE_NUMBERS[2],
        presence: { availability: 'Busy', activity: 'InACall' },
      },
      { id: U.maya.id, userPrincipalName: U.maya.upn, displayName: 'Maya Manager', mail: U.maya.upn, methods: [], businessPhones: [], mobilePhone: null },
      { id: U.nora.id, userPrincipalName: U.nora.upn, displayName: 'Nora Nobody', methods: [] },
    ],
    roleAssignments: [],
    groups: [],
    temporaryAccessPassPolicy: { enabled: true, defaultLifetimeInMinutes: 60, isUsableOnce: true },
  });
}

let sandbox: GraphSandbox;
let log: RecordingLog;
let directory: GraphDirectory;

beforeEach(async () => {
  sandbox = await startGraphSandbox({ seed: seed() });
  log = new RecordingLog();
  const client = createGraphClient({
    credential: createGraphCredential({ kind: 'static', token: sandbox.token }),
    baseUrl: sandbox.origin,
    trustedCaPem: sandbox.caPem,
    maxRetryTotalSeconds: 5,
    log,
  });
  directory = new GraphDirectory(client, { tapLifetimeMinutes: 60, tapUsableOnce: true }, log);
});

afterEach(async () => {
  await sandbox.close();
  const logged = log.text();
  for (const n of PROFILE_NUMBERS) {
    expect(logged).not.toContain(n);
    expect(logged).not.toContain(n.replace(/\D/g, '').slice(2));
  }
});

describe('manager', () => {
  test("the manager as the project's DirectoryUser, by object id or sign-in address", async () => {
    const maya = { id: U.maya.id, userPrincipalName: U.maya.upn, displayName: 'Maya Manager', mail: U.maya.upn };
    expect(await directory.manager(U.bob.id)).toEqual(maya);
    expect(await directory.manager(U.bob.upn)).toEqual(maya);
  });

  test("no manager (Graph's 404) is undefined, not an error", async () => {
    expect(await directory.manager(U.maya.id)).toBeUndefined();
    expect(sandbox.requests).toEqual([expect.objectContaining({ method: 'GET', path: `/v1.0/users/${U.maya.id}/manager`, status: 404 })]);
  });

  test('a key that cannot be a user sends nothing', async () => {
    expect(await directory.manager('a/b@contoso.example')).toBeUndefined();
    expect(sandbox.requests).toEqual([]);
  });

  test('a refusal maps through DirectoryError and names User.Read.All', async () => {
    sandbox.injectFault({ status: 403, times: 1, pathIncludes: '/manager' });
    const error = await failure(directory.manager(U.bob.id));
    expect(error).toMatchObject({ code: 'not_allowed', details: { status: 403 } });
    expect(error.message).toContain('User.Read.All');
  });

  test('throttling is retried within the budget', async () => {
    sandbox.injectFault({ status: 429, retryAfterSeconds: 0, times: 1, pathIncludes: '/manager' });
    expect(await directory.manager(U.bob.id)).toMatchObject({ id: U.maya.id });
    expect(sandbox.requests.map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('profile', () => {
  test('display name, sign-in address and the profile phones, masked for display', async () => {
    expect(await directory.profile(U.bob.upn)).toEqual({
      id: U.bob.id,
      userPrincipalName: U.bob.upn,
      displayName: 'Bob Example',
      businessPhones: [
        { source: 'business', number: '+44 20 7946 0111', masked: expect.stringMatching(/^\+44 •+11$/) },
        { source: 'business', number: '+1 (425) 555-0100', masked: expect.stringMatching(/^\+1 •+00$/) },
      ],
      mobilePhone: { source: 'mobile', number: '+44 7700 900999', masked: expect.stringMatching(/^\+44 •+99$/) },
    });
  });

  test('no profile phones: an empty list and no mobile', async () => {
    const maya = await directory.profile(U.maya.id);
    expect(maya.businessPhones).toEqual([]);
    expect(maya).not.toHaveProperty('mobilePhone');
  });

  test('the profile mobile is not a sign-in method: methods() does not see it', async () => {
    expect((await directory.methods(U.bob.id)).phones).toEqual([]);
  });

  test('no such user: not_found', async () => {
    expect((await failure(directory.profile('ghost@contoso.example'))).code).toBe('not_found');
    expect((await failure(directory.profile('a b'))).code).toBe('not_found');
  });

  test('an outage: unavailable', async () => {
    sandbox.injectFault({ status: 500, times: 1 });
    expect((await failure(directory.profile(U.bob.id))).code).toBe('unavailable');
  });
});

describe('presence', () => {
  test("Graph's availability and activity", async () => {
    const presence = await directory.presence(U.bob.id);
    expect(presence).toEqual({ availability: 'Busy', activity: 'InACall' });
    expect(isSignedInToTeams(presence)).toBe(true);
  });

  test('a sign-in address is turned into the object id Graph needs', async () => {
    expect(await directory.presence(U.bob.upn)).toEqual({ availability: 'Busy', activity: 'InACall' });
    expect(sandbox.requests.filter((r) => r.path.endsWith('/presence')).map((r) => r.path)).toEqual([`/v1.0/users/${U.bob.id}/presence`]);
  });

  test('never seen in Teams: PresenceUnknown, which is not signed in', async () => {
    const presence = await directory.presence(U.nora.id);
    expect(presence).toEqual({ availability: 'PresenceUnknown', activity: 'PresenceUnknown' });
    expect(isSignedInToTeams(presence)).toBe(false);
  });

  test('follows the sandbox when presence changes', async () => {
    sandbox.setPresence(U.nora.id, { availability: 'Available', activity: 'Available' });
    expect(isSignedInToTeams(await directory.presence(U.nora.id))).toBe(true);
  });

  test('without Presence.Read.All (403) it is undefined, with a warning, never an error', async () => {
    sandbox.injectFault({ status: 403, times: 1, pathIncludes: '/presence' });
    expect(await directory.presence(U.bob.id)).toBeUndefined();
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ operation: 'readPresence', status: 403 }) }));
  });

  test('an outage, an unknown user or a failed look-up is undefined too', async () => {
    sandbox.injectFault({ status: 500, times: 1, pathIncludes: '/presence' });
    expect(await directory.presence(U.bob.id)).toBeUndefined();
    expect(await directory.presence(id(99))).toBeUndefined();
    expect(await directory.presence('ghost@contoso.example')).toBeUndefined();
    sandbox.injectFault({ status: 500, times: 1 });
    expect(await directory.presence(U.bob.upn)).toBeUndefined();
  });
});

describe('revokeSessions', () => {
  test('revokes, the sandbox records it, and the write carries Graph’s request-id', async () => {
    const done = await directory.revokeSessions(U.bob.id);
    expect(done.revoked).toBe(true);
    expect(sandbox.user(U.bob.id)?.sessionRevocations).toBe(1);
    const [request] = sandbox.requests;
    expect(done.writes).toEqual([{ operation: 'revokeSignInSessions', status: 200, requestId: request.requestId }]);
  });

  test('a 503 is retried, since revoking twice is harmless', async () => {
    sandbox.injectFault({ status: 503, retryAfterSeconds: 0, times: 1, pathIncludes: '/revokeSignInSessions' });
    expect((await directory.revokeSessions(U.bob.id)).revoked).toBe(true);
    expect(sandbox.user(U.bob.id)?.sessionRevocations).toBe(1);
  });

  test('without User.RevokeSessions.All: not_allowed, naming it, with the failed write', async () => {
    sandbox.injectFault({ status: 403, times: 1, pathIncludes: '/revokeSignInSessions' });
    const error = await failure(directory.revokeSessions(U.bob.id));
    expect(error).toMatchObject({ code: 'not_allowed', details: { status: 403, writes: [expect.objectContaining({ operation: 'revokeSignInSessions', status: 403 })] } });
    expect(error.message).toContain('User.RevokeSessions.All');
    expect(sandbox.user(U.bob.id)?.sessionRevocations).toBe(0);
  });

  test('no such user: not_found', async () => {
    expect((await failure(directory.revokeSessions('ghost@contoso.example'))).code).toBe('not_found');
  });
});
