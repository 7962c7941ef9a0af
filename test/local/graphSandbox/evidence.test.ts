/**
 * The evidence about a person that the helpdesk gathers (issue 12): their manager, the phones on
 * their directory profile, their Teams presence, and the record of revoked sign-in sessions, with
 * Graph's shapes and errors.
 */
import { startGraphSandbox, type GraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { parseTenantSeed, type TenantSeed } from '../../../src/local/graphSandbox/tenant';
import { SandboxClient, U, errorOf, testSeed } from './client';

/** testSeed() plus: Only Mobile reports to Auth Admin, has profile phones and is in Teams; Auth Admin has no manager. */
function evidenceSeed(): TenantSeed {
  const seed = testSeed();
  const onlyMobile = seed.users.find((u) => u.id === U.onlyMobile.id)!;
  Object.assign(onlyMobile, {
    managerId: U.authAdmin.id,
    businessPhones: ['+44 20 7946 0111', '+44 20 7946 0112'],
    mobilePhone: '+44 7700 900999',
    presence: { availability: 'Available', activity: 'Available' },
  });
  return seed;
}

let sandbox: GraphSandbox;
let client: SandboxClient;
beforeEach(async () => {
  sandbox = await startGraphSandbox({ seed: evidenceSeed() });
  client = new SandboxClient(sandbox);
});
afterEach(async () => {
  await client.close();
  await sandbox.close();
});

describe('GET /users/{id}/manager', () => {
  test('answers the manager as one typed directoryObject', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.upn}/manager`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      '@odata.context': `${sandbox.baseUrl}/$metadata#directoryObjects/$entity`,
      '@odata.type': '#microsoft.graph.user',
      id: U.authAdmin.id,
      userPrincipalName: U.authAdmin.upn,
      displayName: 'Auth Admin',
      mail: null,
      businessPhones: [],
      mobilePhone: null,
    });
  });

  test('honours $select', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}/manager?$select=id,displayName`);
    expect(reply.body).toEqual({
      '@odata.context': `${sandbox.baseUrl}/$metadata#directoryObjects/$entity`,
      '@odata.type': '#microsoft.graph.user',
      id: U.authAdmin.id,
      displayName: 'Auth Admin',
    });
  });

  test('a user without a manager is 404 Request_ResourceNotFound, as in Graph', async () => {
    const reply = await client.call('GET', `/users/${U.authAdmin.id}/manager`);
    expect(reply.status).toBe(404);
    expect(errorOf(reply)).toMatchObject({ code: 'Request_ResourceNotFound', message: expect.stringContaining("Resource 'manager' does not exist") });
  });

  test('a user who does not exist is 404 too', async () => {
    const reply = await client.call('GET', '/users/00000000-0000-4000-8000-00000000dead/manager');
    expect(reply.status).toBe(404);
    expect(errorOf(reply).code).toBe('Request_ResourceNotFound');
  });
});

describe('profile phones on GET /users/{id}', () => {
  test('businessPhones and mobilePhone are in the default set', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}`);
    expect(reply.body).toMatchObject({ businessPhones: ['+44 20 7946 0111', '+44 20 7946 0112'], mobilePhone: '+44 7700 900999' });
  });

  test('$select=businessPhones,mobilePhone,displayName,userPrincipalName returns exactly those', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}?$select=businessPhones,mobilePhone,displayName,userPrincipalName`);
    const { '@odata.context': _context, ...props } = reply.body as Record<string, unknown>;
    expect(props).toEqual({
      userPrincipalName: U.onlyMobile.upn,
      displayName: 'Only Mobile',
      businessPhones: ['+44 20 7946 0111', '+44 20 7946 0112'],
      mobilePhone: '+44 7700 900999',
    });
  });

  test('empty profile phones are [] and null, never left out', async () => {
    const reply = await client.call('GET', `/users/${U.noMethods.id}?$select=businessPhones,mobilePhone`);
    expect(reply.body).toMatchObject({ businessPhones: [], mobilePhone: null });
  });

  test('the profile mobile is not a sign-in method', async () => {
    const phones = await client.call('GET', `/users/${U.onlyMobile.id}/authentication/phoneMethods`);
    expect(JSON.stringify(phones.body)).not.toContain('900999');
  });
});

describe('GET /users/{id}/presence', () => {
  test("answers Graph's presence shape", async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}/presence`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      '@odata.context': `${sandbox.baseUrl}/$metadata#users('${U.onlyMobile.id}')/presence/$entity`,
      id: U.onlyMobile.id,
      availability: 'Available',
      activity: 'Available',
    });
  });

  test('a user never seen in Teams is PresenceUnknown', async () => {
    const reply = await client.call('GET', `/users/${U.noMethods.id}/presence`);
    expect(reply.body).toMatchObject({ availability: 'PresenceUnknown', activity: 'PresenceUnknown' });
  });

  test('setPresence changes it mid-test', async () => {
    sandbox.setPresence(U.noMethods.upn, { availability: 'Busy', activity: 'InACall' });
    expect((await client.call('GET', `/users/${U.noMethods.id}/presence`)).body).toMatchObject({ availability: 'Busy', activity: 'InACall' });
    expect(sandbox.user(U.noMethods.id)?.presence).toEqual({ availability: 'Busy', activity: 'InACall' });
    expect(() => sandbox.setPresence('nobody@contoso.example', { availability: 'Busy', activity: 'Busy' })).toThrow('No user');
  });

  test('takes the object id only: a sign-in address is a 400', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.upn}/presence`);
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('BadRequest');
  });

  test('an unknown object id is a 404', async () => {
    expect((await client.call('GET', '/users/00000000-0000-4000-8000-00000000dead/presence')).status).toBe(404);
  });
});

describe('POST /users/{id}/revokeSignInSessions is recorded', () => {
  test('each success counts and stamps the time', async () => {
    expect(sandbox.user(U.onlyMobile.id)).toMatchObject({ sessionRevocations: 0 });
    expect(sandbox.user(U.onlyMobile.id)?.sessionsRevokedAt).toBeUndefined();
    const before = Date.now();
    for (let i = 0; i < 2; i++) {
      const reply = await client.call('POST', `/users/${U.onlyMobile.id}/revokeSignInSessions`, { body: {} });
      expect(reply.body).toMatchObject({ value: true });
    }
    const view = sandbox.user(U.onlyMobile.id)!;
    expect(view.sessionRevocations).toBe(2);
    expect(Date.parse(view.sessionsRevokedAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(sandbox.user(U.noMethods.id)?.sessionRevocations).toBe(0);
  });
});

describe('sandbox.user shows the evidence fields', () => {
  test('manager, profile phones and presence', () => {
    expect(sandbox.user(U.onlyMobile.id)).toMatchObject({
      managerId: U.authAdmin.id,
      businessPhones: ['+44 20 7946 0111', '+44 20 7946 0112'],
      mobilePhone: '+44 7700 900999',
      presence: { availability: 'Available', activity: 'Available' },
    });
    expect(sandbox.user(U.authAdmin.id)?.managerId).toBeUndefined();
  });
});

describe('the seed', () => {
  const withOnlyMobile = (change: Record<string, unknown>) => {
    const seed = testSeed();
    Object.assign(seed.users.find((u) => u.id === U.onlyMobile.id)!, change);
    return seed;
  };

  test('a manager must be a user of the seed, and not the user themselves', () => {
    expect(() => parseTenantSeed(withOnlyMobile({ managerId: '00000000-0000-4000-8000-00000000dead' }))).toThrow('users[0].managerId: is not the id of a user in this seed');
    expect(() => parseTenantSeed(withOnlyMobile({ managerId: U.onlyMobile.id }))).toThrow('users[0].managerId: a user cannot be their own manager');
  });

  test("presence takes Graph's values only", () => {
    expect(() => parseTenantSeed(withOnlyMobile({ presence: { availability: 'Online', activity: 'Available' } }))).toThrow('users[0].presence.availability');
    expect(() => parseTenantSeed(withOnlyMobile({ presence: { availability: 'Available', activity: 'Available', note: 'x' } }))).toThrow('users[0].presence');
  });

  test('profile phones must look like phone numbers', () => {
    expect(() => parseTenantSeed(withOnlyMobile({ businessPhones: ['reception'] }))).toThrow('users[0].businessPhones[0]: must contain a digit');
    expect(() => parseTenantSeed(withOnlyMobile({ mobilePhone: '' }))).toThrow('users[0].mobilePhone');
    expect(() => parseTenantSeed(withOnlyMobile({ mobilePhone: null }))).not.toThrow();
  });
});
