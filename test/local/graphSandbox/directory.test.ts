/**
 * Looking people up: users by id or sign-in address, their directory roles, their groups, and
 * revoking their sign-in sessions.
 */
import { startGraphSandbox, type GraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { IDS, ROLES, SandboxClient, U, errorOf, testSeed, valueOf } from './client';

let sandbox: GraphSandbox;
let client: SandboxClient;
beforeAll(async () => {
  sandbox = await startGraphSandbox({ seed: testSeed() });
  client = new SandboxClient(sandbox);
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});

describe('GET /users/{id | userPrincipalName}', () => {
  test('by object id', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      '@odata.context': `${sandbox.baseUrl}/$metadata#users/$entity`,
      id: U.onlyMobile.id,
      userPrincipalName: U.onlyMobile.upn,
      displayName: 'Only Mobile',
      mail: U.onlyMobile.upn,
      businessPhones: [],
      mobilePhone: null,
    });
  });

  test('by userPrincipalName, case-insensitively, percent-encoded or not', async () => {
    for (const key of [U.onlyMobile.upn, U.onlyMobile.upn.toUpperCase(), encodeURIComponent('Only.Mobile@Contoso.Example')]) {
      const reply = await client.call('GET', `/users/${key}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: U.onlyMobile.id });
    }
  });

  test('the object id is case-insensitive too', async () => {
    expect((await client.call('GET', `/users/${U.onlyMobile.id.toUpperCase()}`)).status).toBe(200);
  });

  test('mail is null, not missing, when the user has none (as Graph answers)', async () => {
    const reply = await client.call('GET', `/users/${U.noMethods.upn}`);
    expect(reply.body).toMatchObject({ id: U.noMethods.id, mail: null });
  });

  test('$select returns only the chosen properties', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.upn}?$select=id,displayName`);
    expect(reply.status).toBe(200);
    const { '@odata.context': context, ...props } = reply.body as Record<string, unknown>;
    expect(props).toEqual({ id: U.onlyMobile.id, displayName: 'Only Mobile' });
    expect(context).toContain('users(id,displayname)');
  });

  test('$select tolerates properties the sandbox does not model, and percent-encoded option names', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}?%24select=id%2CaccountEnabled`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: U.onlyMobile.id });
    expect(reply.body).not.toHaveProperty('displayName');
  });

  test('an unknown user: 404 Request_ResourceNotFound naming what was asked for', async () => {
    for (const key of ['nobody@contoso.example', '99999999-9999-4999-8999-999999999999']) {
      const reply = await client.call('GET', `/users/${key}`);
      expect(reply.status).toBe(404);
      expect(errorOf(reply)).toMatchObject({
        code: 'Request_ResourceNotFound',
        message: `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
      });
    }
  });

  test('an encoded slash stays inside its segment (one odd key, not two segments)', async () => {
    const reply = await client.call('GET', `/users/${encodeURIComponent('a/b@contoso.example')}`);
    expect(reply.status).toBe(404);
    expect(errorOf(reply).message).toContain("Resource 'a/b@contoso.example' does not exist");
  });

  test('an unknown user is a 404 on every user sub-resource too', async () => {
    const paths = [
      '/authentication/methods',
      '/authentication/phoneMethods',
      '/authentication/temporaryAccessPassMethods',
      '/transitiveMemberOf/microsoft.graph.group',
    ];
    for (const path of paths) {
      const reply = await client.call('GET', `/users/ghost@contoso.example${path}`);
      expect(reply.status).toBe(404);
      expect(errorOf(reply).code).toBe('Request_ResourceNotFound');
    }
    const revoke = await client.call('POST', '/users/ghost@contoso.example/revokeSignInSessions', { body: {} });
    expect(revoke.status).toBe(404);
  });
});

describe('GET /roleManagement/directory/roleAssignments', () => {
  const byPrincipal = (id: string) => `/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${id}'`)}`;

  test('direct assignments of one principal, with Graph’s id format and tenant scope', async () => {
    const reply = await client.call('GET', byPrincipal(U.authAdmin.id));
    expect(reply.status).toBe(200);
    expect(valueOf(reply)).toEqual([
      { id: expect.stringMatching(/^[A-Za-z0-9_-]{43}-1$/), principalId: U.authAdmin.id, roleDefinitionId: ROLES.authenticationAdministrator, directoryScopeId: '/' },
    ]);
  });

  test('the id encodes role and principal the way Graph does', async () => {
    // Graph's documented example: Global Administrator assigned to principal 71b3857d-….
    const reply = await client.call('GET', byPrincipal(U.twoRoles.id));
    const ids = valueOf<{ id: string; roleDefinitionId: string }>(reply);
    const global = ids.find((a) => a.roleDefinitionId === ROLES.globalAdministrator);
    expect(global?.id).toBe('lAPpYvVpN0KRkAEhdxReEH2Fs3EjKm1BvSKkcYVN2to-1');
  });

  test('several roles come back together; none is an empty list', async () => {
    const two = valueOf<{ roleDefinitionId: string }>(await client.call('GET', byPrincipal(U.twoRoles.id)));
    expect(two.map((a) => a.roleDefinitionId).sort()).toEqual([ROLES.globalAdministrator, ROLES.privilegedAuthenticationAdministrator].sort());
    expect(valueOf(await client.call('GET', byPrincipal(U.noMethods.id)))).toEqual([]);
    expect(valueOf(await client.call('GET', byPrincipal('00000000-0000-4000-8000-00000000dead')))).toEqual([]);
  });

  test('the filter tolerates spacing and case of the property name; the id is case-insensitive', async () => {
    const path = `/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`  PrincipalId  eq  '${U.authAdmin.id.toUpperCase()}' `)}`;
    expect(valueOf(await client.call('GET', path))).toHaveLength(1);
  });

  test('without the principalId filter: 400 BadRequest (the sandbox does not list everything)', async () => {
    const paths = [
      '/roleManagement/directory/roleAssignments',
      `/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`roleDefinitionId eq '${ROLES.globalAdministrator}'`)}`,
      `/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId ne '${U.authAdmin.id}'`)}`,
    ];
    for (const path of paths) {
      const reply = await client.call('GET', path);
      expect(reply.status).toBe(400);
      expect(errorOf(reply).code).toBe('BadRequest');
    }
  });
});

describe('GET /users/{id}/transitiveMemberOf/microsoft.graph.group', () => {
  test('the groups the user is in, typed, with id and displayName', async () => {
    const reply = await client.call('GET', `/users/${U.noMethods.id}/transitiveMemberOf/microsoft.graph.group`);
    expect(reply.status).toBe(200);
    expect(valueOf(reply)).toEqual([
      { '@odata.type': '#microsoft.graph.group', id: IDS.helpdeskGroup, displayName: 'Helpdesk approvers' },
      { '@odata.type': '#microsoft.graph.group', id: IDS.staffGroup, displayName: 'Staff' },
    ]);
  });

  test('$select=id leaves only the id (and the type)', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.upn}/transitiveMemberOf/microsoft.graph.group?$select=id`);
    expect(valueOf(reply)).toEqual([{ '@odata.type': '#microsoft.graph.group', id: IDS.staffGroup }]);
  });

  test('someone in no group gets an empty list', async () => {
    const reply = await client.call('GET', `/users/${U.authAdmin.id}/transitiveMemberOf/microsoft.graph.group`);
    expect(reply.status).toBe(200);
    expect(valueOf(reply)).toEqual([]);
  });
});

describe('POST /users/{id}/revokeSignInSessions', () => {
  test('200 { value: true } and the time is recorded', async () => {
    expect(sandbox.user(U.onlyMobile.id)?.sessionsRevokedAt).toBeUndefined();
    const before = Date.now();
    const reply = await client.call('POST', `/users/${U.onlyMobile.upn}/revokeSignInSessions`, { body: {} });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ '@odata.context': `${sandbox.baseUrl}/$metadata#Edm.Boolean`, value: true });
    const at = sandbox.user(U.onlyMobile.id)?.sessionsRevokedAt;
    expect(at).toBeDefined();
    expect(Date.parse(at ?? '')).toBeGreaterThanOrEqual(before - 1000);
  });

  test('also without a body', async () => {
    const reply = await client.call('POST', `/users/${U.authAdmin.id}/revokeSignInSessions`);
    expect(reply.status).toBe(200);
    expect(sandbox.user(U.authAdmin.id)?.sessionsRevokedAt).toBeDefined();
  });
});

describe('user() view', () => {
  test('by id or UPN (case-insensitive); undefined for strangers', () => {
    expect(sandbox.user(U.everyKind.upn.toUpperCase())?.id).toBe(U.everyKind.id);
    expect(sandbox.user(U.everyKind.id)?.userPrincipalName).toBe(U.everyKind.upn);
    expect(sandbox.user('nobody@contoso.example')).toBeUndefined();
  });

  test('is a deep copy: changing it changes nothing inside', () => {
    const view = sandbox.user(U.everyKind.id);
    view?.methods.splice(0);
    (view?.methods as unknown[] | undefined)?.push({});
    expect(sandbox.user(U.everyKind.id)?.methods).toHaveLength(6);
  });

  test('shows the default method: the seed’s, or the mobile, or none', () => {
    expect(sandbox.user(U.authenticatorDefault.id)?.defaultMethodId).toBe(IDS.authenticatorOfDefaultUser);
    expect(sandbox.user(U.onlyMobile.id)?.defaultMethodId).toBe('3179e48a-750b-4051-897c-87b9720928f7');
    expect(sandbox.user(U.noMethods.id)).not.toHaveProperty('defaultMethodId');
  });
});
