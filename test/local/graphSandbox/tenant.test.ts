/**
 * Tenant seeds: what parseTenantSeed accepts, how it names what is wrong, loading from a file,
 * and the demo tenant's personas (which the README documents and the bot's demos rely on).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { loadTenantSeed, parseTenantSeed, type GraphMethod, type SeedUser, type TenantSeed } from '../../../src/local/graphSandbox/tenant';
import { PHONE_IDS, ROLES, SandboxClient, TYPES, testSeed, valueOf } from './client';

const DEMO_FILE = path.join(__dirname, '..', '..', '..', 'sandbox', 'demo-tenant.json');
const README_FILE = path.join(__dirname, '..', '..', '..', 'sandbox', 'README.md');

describe('parseTenantSeed', () => {
  test('accepts a valid seed and returns it unchanged', () => {
    const seed = testSeed();
    expect(parseTenantSeed(JSON.parse(JSON.stringify(seed)))).toEqual(JSON.parse(JSON.stringify(seed)));
  });

  test('keeps extra Graph properties on methods (they are served as is)', () => {
    const seed = testSeed();
    seed.users[3].methods[0].deviceTag = 'SoftwareTokenActivated';
    expect(parseTenantSeed(seed).users[3].methods[0]).toMatchObject({ deviceTag: 'SoftwareTokenActivated' });
  });

  /** A spoiler that changes the seed in place and hands it back. */
  const mut = (change: (s: TenantSeed) => unknown) => (s: TenantSeed) => {
    change(s);
    return s;
  };
  const cases: [string, (s: TenantSeed) => unknown, string][] = [
    ['not an object', () => null, '(root)'],
    ['no users', (s) => ({ ...s, users: undefined }), 'users: Required'],
    ['an unknown top-level key', (s) => ({ ...s, tenant: 'x' }), "(root): Unrecognized key(s) in object: 'tenant'"],
    ['a misspelt user key', mut((s) => (s.users[0] = { ...s.users[0], displayname: 'x' } as SeedUser)), 'users[0]: Unrecognized key(s)'],
    ['a user id that is not a GUID', mut((s) => (s.users[1].id = 'user-2')), 'users[1].id: must be a GUID'],
    ['a sign-in address without a domain', mut((s) => (s.users[0].userPrincipalName = 'only.mobile')), 'users[0].userPrincipalName'],
    ['an empty display name', mut((s) => (s.users[2].displayName = '')), 'users[2].displayName'],
    ['two users with one id', mut((s) => (s.users[2].id = s.users[0].id)), 'users[2].id: duplicates users[0].id'],
    ['two users with one UPN, differing in case', mut((s) => (s.users[2].userPrincipalName = s.users[0].userPrincipalName.toUpperCase())), 'users[2].userPrincipalName: duplicates users[0]'],
    ['a method without @odata.type', mut((s) => delete (s.users[0].methods[0] as Partial<GraphMethod>)['@odata.type']), 'users[0].methods[0].@odata.type'],
    ['a method of no known shape', mut((s) => (s.users[0].methods[0]['@odata.type'] = 'phone')), 'users[0].methods[0].@odata.type'],
    ['a method without an id', mut((s) => (s.users[3].methods[1].id = '')), 'users[3].methods[1].id'],
    ['a phone in national format', mut((s) => (s.users[0].methods[0].phoneNumber = '07700 900111')), 'users[0].methods[0].phoneNumber'],
    ['a phone of an unknown type', mut((s) => (s.users[0].methods[0].phoneType = 'landline')), 'users[0].methods[0].phoneType'],
    ['a phone under the wrong fixed id', mut((s) => (s.users[0].methods[0].id = PHONE_IDS.office)), `users[0].methods[0].id: a mobile phone always has Graph's fixed id ${PHONE_IDS.mobile}`],
    ['a bad SMS sign-in state', mut((s) => (s.users[0].methods[0].smsSignInState = 'on')), 'users[0].methods[0].smsSignInState'],
    ['two mobiles', mut((s) => s.users[0].methods.push({ ...s.users[0].methods[0] })), 'users[0].methods[1].id: duplicates the id of methods[0]'],
    ['an alternateMobile without a mobile', mut((s) => s.users[1].methods.splice(1, 1)), 'users[1].methods: an alternateMobile phone needs a mobile phone'],
    ['a password method', mut((s) => s.users[2].methods.push({ '@odata.type': TYPES.password, id: '28c10230-6103-485e-b985-444c60001490' })), 'users[2].methods[0].@odata.type: the password method'],
    [
      'a stored pass value',
      mut((s) => s.users[2].methods.push({ '@odata.type': TYPES.tap, id: 't', temporaryAccessPass: 'abc', startDateTime: '2026-01-01T00:00:00Z', lifetimeInMinutes: 60 })),
      'users[2].methods[0].temporaryAccessPass',
    ],
    ['a pass without a lifetime', mut((s) => s.users[2].methods.push({ '@odata.type': TYPES.tap, id: 't', startDateTime: '2026-01-01T00:00:00Z' })), 'users[2].methods[0].lifetimeInMinutes'],
    ['a default that is not one of the user’s methods', mut((s) => (s.users[1].defaultMethodId = 'nope')), 'users[1].defaultMethodId'],
    ['email as the default', mut((s) => (s.users[3].defaultMethodId = '3ddfcfc8-9383-446f-83cc-3ab9be4be18f')), 'users[3].defaultMethodId: a #microsoft.graph.emailAuthenticationMethod cannot be the default'],
    ['a role for nobody', mut((s) => (s.roleAssignments[0].principalId = '99999999-9999-4999-8999-999999999999')), 'roleAssignments[0].principalId: is not the id of a user'],
    ['a role definition that is not a GUID', mut((s) => (s.roleAssignments[1].roleDefinitionId = 'Global Administrator')), 'roleAssignments[1].roleDefinitionId: must be a GUID'],
    ['a group member who does not exist', mut((s) => (s.groups[1].members[1] = '99999999-9999-4999-8999-999999999999')), 'groups[1].members[1]: is not the id of a user'],
    ['a group id shared with a user', mut((s) => (s.groups[0].id = s.users[0].id)), 'groups[0].id: is also a user id'],
    ['no TAP policy', (s) => ({ ...s, temporaryAccessPassPolicy: undefined }), 'temporaryAccessPassPolicy: Required'],
    ['a TAP default lifetime under 10 minutes', mut((s) => (s.temporaryAccessPassPolicy.defaultLifetimeInMinutes = 5)), 'temporaryAccessPassPolicy.defaultLifetimeInMinutes'],
    ['a TAP policy flag that is not a boolean', mut((s) => ((s.temporaryAccessPassPolicy as unknown as Record<string, unknown>).enabled = 'yes')), 'temporaryAccessPassPolicy.enabled'],
  ];

  test.each(cases)('rejects %s, naming the path', (_label, spoil, expected) => {
    const input = spoil(testSeed());
    expect(() => parseTenantSeed(input)).toThrow(expected);
  });

  test('lists every problem, not only the first', () => {
    const seed = testSeed();
    seed.users[0].id = 'x';
    seed.users[1].userPrincipalName = 'y';
    seed.temporaryAccessPassPolicy.defaultLifetimeInMinutes = 50000;
    let message = '';
    try {
      parseTenantSeed(seed);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid tenant seed: /);
    expect(message).toContain('users[0].id');
    expect(message).toContain('users[1].userPrincipalName');
    expect(message).toContain('temporaryAccessPassPolicy.defaultLifetimeInMinutes');
  });
});

describe('loadTenantSeed', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tenant-seed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads and validates a file', () => {
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(testSeed()));
    expect(loadTenantSeed(file).users).toHaveLength(testSeed().users.length);
  });

  test('a missing file, bad JSON and a bad seed each name the file', () => {
    const missing = path.join(dir, 'missing.json');
    expect(() => loadTenantSeed(missing)).toThrow(`Cannot read tenant seed ${missing}`);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{ "users": [');
    expect(() => loadTenantSeed(broken)).toThrow(`Tenant seed ${broken} is not valid JSON`);
    const invalid = path.join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ ...testSeed(), groups: 'none' }));
    expect(() => loadTenantSeed(invalid)).toThrow(`${invalid}: Invalid tenant seed: groups: Expected array`);
  });
});

describe('the demo tenant (sandbox/demo-tenant.json)', () => {
  const seed = loadTenantSeed(DEMO_FILE);
  const rolesOf = (id: string) => seed.roleAssignments.filter((a) => a.principalId === id).map((a) => a.roleDefinitionId);
  const groupsOf = (id: string) => seed.groups.filter((g) => g.members.includes(id)).map((g) => g.displayName);
  const phonesOf = (u: SeedUser) => u.methods.filter((m) => m['@odata.type'] === TYPES.phone);
  const byUpn = (upn: string) => {
    const u = seed.users.find((x) => x.userPrincipalName === upn);
    if (!u) throw new Error(`demo persona ${upn} is missing`);
    return u;
  };

  test('lives in the reserved contoso.example domain', () => {
    for (const u of seed.users) {
      expect(u.userPrincipalName).toMatch(/@contoso\.example$/);
      if (u.mail !== undefined) expect(u.mail).toMatch(/@contoso\.example$/);
    }
  });

  test('uses only the fictional UK drama range for phones', () => {
    const numbers = seed.users.flatMap((u) => phonesOf(u).map((p) => p.phoneNumber));
    expect(numbers.length).toBeGreaterThan(0);
    for (const n of numbers) expect(n).toMatch(/^\+44 7700900\d{3}$/);
  });

  test('profile phones are in the drama ranges too (mobiles +44 7700 900xxx, London +44 20 7946 0xxx)', () => {
    const numbers = seed.users.flatMap((u) => [...(u.businessPhones ?? []), ...(u.mobilePhone ? [u.mobilePhone] : [])]);
    expect(numbers.length).toBeGreaterThan(0);
    for (const n of numbers) expect(n).toMatch(/^\+44 (7700 900\d{3}|20 7946 0\d{3})$/);
  });

  test('evidence: Adele and Alex report to Johanna, Megan (an admin) to a manager who is no approver; Patti and Diego have none', () => {
    const johanna = byUpn('johanna.lorenz@contoso.example');
    expect(byUpn('adele.vance@contoso.example').managerId).toBe(johanna.id);
    expect(byUpn('alex.wilber@contoso.example').managerId).toBe(johanna.id);
    expect(byUpn('megan.bowen@contoso.example').managerId).toBe(johanna.id);
    expect(rolesOf(johanna.id)).toEqual([]);
    expect(groupsOf(johanna.id)).not.toContain('Helpdesk approvers');
    expect(byUpn('patti.fernandez@contoso.example').managerId).toBeUndefined();
    expect(byUpn('diego.siciliani@contoso.example').managerId).toBeUndefined();
  });

  test('evidence: Alex is Available in Teams, Adele is offline, Diego was never seen, and Diego has no profile phone', () => {
    expect(byUpn('alex.wilber@contoso.example').presence).toEqual({ availability: 'Available', activity: 'Available' });
    expect(byUpn('adele.vance@contoso.example').presence?.availability).toBe('Offline');
    const diego = byUpn('diego.siciliani@contoso.example');
    expect(diego.presence).toBeUndefined();
    expect(diego.businessPhones ?? []).toEqual([]);
    expect(diego.mobilePhone ?? null).toBeNull();
    // Adele's HR record still has her old phone: the directory does not know she changed it.
    const adele = byUpn('adele.vance@contoso.example');
    expect(adele.mobilePhone?.replace(/ /g, '')).toBe(String(phonesOf(adele)[0].phoneNumber).replace(/ /g, ''));
  });

  test('TAP policy: enabled, 60 minutes, one-time', () => {
    expect(seed.temporaryAccessPassPolicy).toEqual({ enabled: true, defaultLifetimeInMinutes: 60, isUsableOnce: true });
  });

  test('(1) Adele Vance is locked out with only an old mobile', () => {
    const u = byUpn('adele.vance@contoso.example');
    expect(u.methods).toEqual([expect.objectContaining({ '@odata.type': TYPES.phone, id: PHONE_IDS.mobile, phoneType: 'mobile' })]);
    expect(rolesOf(u.id)).toEqual([]);
  });

  test('(2) Alex Wilber has Authenticator (default), a mobile and an alternateMobile', () => {
    const u = byUpn('alex.wilber@contoso.example');
    const authenticator = u.methods.find((m) => m['@odata.type'] === TYPES.authenticator);
    expect(authenticator).toBeDefined();
    expect(u.defaultMethodId).toBe(authenticator?.id);
    expect(phonesOf(u).map((p) => p.phoneType)).toEqual(['mobile', 'alternateMobile']);
  });

  test('(3) Lee Gu is an Authentication Administrator', () => {
    expect(rolesOf(byUpn('lee.gu@contoso.example').id)).toEqual([ROLES.authenticationAdministrator]);
  });

  test('(4) Patti Fernandez is a Privileged Authentication Administrator', () => {
    expect(rolesOf(byUpn('patti.fernandez@contoso.example').id)).toEqual([ROLES.privilegedAuthenticationAdministrator]);
  });

  test('(5) Megan Bowen is a Global Administrator with a phone (a protected target)', () => {
    const u = byUpn('megan.bowen@contoso.example');
    expect(rolesOf(u.id)).toEqual([ROLES.globalAdministrator]);
    expect(phonesOf(u).map((p) => p.phoneType)).toContain('mobile');
  });

  test('(6) Isaiah Langer is in "Helpdesk approvers" and holds no role', () => {
    const u = byUpn('isaiah.langer@contoso.example');
    expect(groupsOf(u.id)).toContain('Helpdesk approvers');
    expect(rolesOf(u.id)).toEqual([]);
  });

  test('(7) Diego Siciliani has no methods at all', () => {
    expect(byUpn('diego.siciliani@contoso.example').methods).toEqual([]);
  });

  test('nobody but Isaiah is a helpdesk approver', () => {
    const helpdesk = seed.groups.find((g) => g.displayName === 'Helpdesk approvers');
    expect(helpdesk?.members).toEqual([byUpn('isaiah.langer@contoso.example').id]);
  });

  test('the README lists every user id, sign-in address and the group ids', () => {
    const readme = readFileSync(README_FILE, 'utf8');
    for (const u of seed.users) {
      expect(readme).toContain(u.id);
      expect(readme).toContain(u.userPrincipalName);
    }
    for (const g of seed.groups) expect(readme).toContain(g.id);
  });

  test('is served by the sandbox: Adele’s phone, Megan’s role, Isaiah’s group', async () => {
    const sandbox = await startGraphSandbox({ seed });
    const client = new SandboxClient(sandbox);
    try {
      const adele = byUpn('adele.vance@contoso.example');
      expect(valueOf(await client.call('GET', `/users/${adele.userPrincipalName}/authentication/phoneMethods`))).toEqual([
        { id: PHONE_IDS.mobile, phoneNumber: '+44 7700900123', phoneType: 'mobile', smsSignInState: 'notEnabled' },
      ]);
      expect(sandbox.user(adele.id)?.defaultMethodId).toBe(PHONE_IDS.mobile);
      const megan = byUpn('megan.bowen@contoso.example');
      const roles = await client.call('GET', `/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${megan.id}'`)}`);
      expect(valueOf(roles)).toEqual([expect.objectContaining({ roleDefinitionId: ROLES.globalAdministrator })]);
      const isaiah = byUpn('isaiah.langer@contoso.example');
      const groups = await client.call('GET', `/users/${isaiah.id}/transitiveMemberOf/microsoft.graph.group?$select=id`);
      expect(valueOf(groups)).toContainEqual({ '@odata.type': '#microsoft.graph.group', id: '19640382-9562-46f4-b751-a763f56a1c48' });
    } finally {
      await client.close();
      await sandbox.close();
    }
  });
});
