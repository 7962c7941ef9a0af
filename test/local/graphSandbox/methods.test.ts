/**
 * All of a user's authentication methods: the mixed list, the per-type collections and deletes,
 * the default-method rule across kinds, and Temporary Access Passes with their policy.
 */
import { startGraphSandbox, type GraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { IDS, PHONE_IDS, SandboxClient, TYPES, U, errorOf, testSeed, valueOf } from './client';

const PASSWORD_ID = '28c10230-6103-485e-b985-444c60001490';
const DEFAULT_MESSAGE = 'Cannot delete default method with other methods configured. Please change default method before deletion.';

let sandbox: GraphSandbox;
let client: SandboxClient;
beforeEach(async () => {
  sandbox = await startGraphSandbox({ seed: testSeed() });
  client = new SandboxClient(sandbox);
});
afterEach(async () => {
  await client.close();
  await sandbox.close();
});

const auth = (user: string, rest: string) => `/users/${user}/authentication/${rest}`;
const issueTap = (user: string, body?: unknown) => client.call('POST', auth(user, 'temporaryAccessPassMethods'), body === undefined ? {} : { body });

describe('GET …/authentication/methods', () => {
  test('the password method first, then every method with its @odata.type', async () => {
    const reply = await client.call('GET', auth(U.everyKind.id, 'methods'));
    expect(reply.status).toBe(200);
    const value = valueOf<{ '@odata.type': string; id: string }>(reply);
    expect(value[0]).toEqual({ '@odata.type': TYPES.password, id: PASSWORD_ID, password: null, createdDateTime: null });
    expect(value.slice(1).map((m) => [m['@odata.type'], m.id])).toEqual([
      [TYPES.authenticator, IDS.authenticator],
      [TYPES.fido2, IDS.fido2],
      [TYPES.softwareOath, IDS.softwareOath],
      [TYPES.windowsHello, IDS.windowsHello],
      [TYPES.email, IDS.email],
      [TYPES.phone, PHONE_IDS.office],
    ]);
    expect(value[6]).toEqual({ '@odata.type': TYPES.phone, id: PHONE_IDS.office, phoneNumber: '+1 5555550123x45', phoneType: 'office', smsSignInState: 'notSupported' });
  });

  test('a user with no methods still has the password', async () => {
    expect(valueOf(await client.call('GET', auth(U.noMethods.upn, 'methods')))).toEqual([
      { '@odata.type': TYPES.password, id: PASSWORD_ID, password: null, createdDateTime: null },
    ]);
  });

  test('get one by id, the password included; an unknown id is 404 itemNotFound', async () => {
    expect((await client.call('GET', auth(U.everyKind.id, `methods/${IDS.fido2}`))).body).toEqual({ '@odata.type': TYPES.fido2, id: IDS.fido2, model: 'YubiKey 5 NFC' });
    expect((await client.call('GET', auth(U.noMethods.id, `methods/${PASSWORD_ID}`))).body).toMatchObject({ '@odata.type': TYPES.password });
    const missing = await client.call('GET', auth(U.everyKind.id, 'methods/nope'));
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('itemNotFound');
  });
});

describe('per-type collections', () => {
  test.each([
    ['microsoftAuthenticatorMethods', TYPES.authenticator, IDS.authenticator],
    ['fido2Methods', TYPES.fido2, IDS.fido2],
    ['softwareOathMethods', TYPES.softwareOath, IDS.softwareOath],
    ['windowsHelloForBusinessMethods', TYPES.windowsHello, IDS.windowsHello],
    ['emailMethods', TYPES.email, IDS.email],
  ])('%s lists and gets only its own kind', async (collection, type, id) => {
    const list = await client.call('GET', auth(U.everyKind.id, collection));
    expect(list.status).toBe(200);
    expect(valueOf(list)).toEqual([expect.objectContaining({ '@odata.type': type, id })]);
    expect((await client.call('GET', auth(U.everyKind.id, `${collection}/${id}`))).status).toBe(200);
    const wrongKind = await client.call('GET', auth(U.everyKind.id, `${collection}/${PHONE_IDS.office}`));
    expect(wrongKind.status).toBe(404);
    expect(errorOf(wrongKind).code).toBe('itemNotFound');
  });

  test.each([
    ['fido2Methods', IDS.fido2],
    ['softwareOathMethods', IDS.softwareOath],
    ['windowsHelloForBusinessMethods', IDS.windowsHello],
    ['emailMethods', IDS.email],
  ])('DELETE …/%s/{id} of a non-default method: 204, gone from the API and user(), default unchanged', async (collection, id) => {
    const reply = await client.call('DELETE', auth(U.everyKind.id, `${collection}/${id}`));
    expect(reply.status).toBe(204);
    expect(reply.body).toBeUndefined();
    const ids = valueOf<{ id: string }>(await client.call('GET', auth(U.everyKind.id, 'methods'))).map((m) => m.id);
    expect(ids).not.toContain(id);
    expect(ids).toHaveLength(6);
    const view = sandbox.user(U.everyKind.id);
    expect(view?.methods.map((m) => m.id)).not.toContain(id);
    expect(view?.defaultMethodId).toBe(IDS.authenticator);
  });

  test('a delete under the wrong type is 404 and removes nothing', async () => {
    const cases = [
      `fido2Methods/${IDS.authenticator}`,
      `microsoftAuthenticatorMethods/${IDS.fido2}`,
      `softwareOathMethods/${PHONE_IDS.office}`,
      `temporaryAccessPassMethods/${IDS.softwareOath}`,
      `phoneMethods/${IDS.windowsHello}`,
    ];
    for (const path of cases) {
      const reply = await client.call('DELETE', auth(U.everyKind.id, path));
      expect(reply.status).toBe(404);
      expect(errorOf(reply).code).toBe('itemNotFound');
    }
    expect(sandbox.user(U.everyKind.id)?.methods).toHaveLength(6);
  });
});

describe('the default method', () => {
  test('cannot be deleted while any other MFA-capable method remains; can once it is the last', async () => {
    const user = U.everyKind.id;
    const deleteAuthenticator = () => client.call('DELETE', auth(user, `microsoftAuthenticatorMethods/${IDS.authenticator}`));
    const blockers = [`fido2Methods/${IDS.fido2}`, `softwareOathMethods/${IDS.softwareOath}`, `windowsHelloForBusinessMethods/${IDS.windowsHello}`, `phoneMethods/${PHONE_IDS.office}`];
    for (const blocker of blockers) {
      const refused = await deleteAuthenticator();
      expect(refused.status).toBe(400);
      expect(errorOf(refused)).toEqual(expect.objectContaining({ code: 'badRequest', message: DEFAULT_MESSAGE }));
      expect((await client.call('DELETE', auth(user, blocker))).status).toBe(204);
    }
    // Only the email method is left besides it, and email is no second factor.
    expect((await deleteAuthenticator()).status).toBe(204);
    const view = sandbox.user(user);
    expect(view?.methods.map((m) => m['@odata.type'])).toEqual([TYPES.email]);
    expect(view).not.toHaveProperty('defaultMethodId');
  });

  test('Authenticator default with two phones: phones first (alternate, then mobile), Authenticator last', async () => {
    const user = U.authenticatorDefault.id;
    const authenticator = auth(user, `microsoftAuthenticatorMethods/${IDS.authenticatorOfDefaultUser}`);
    expect((await client.call('DELETE', authenticator)).status).toBe(400);
    expect((await client.call('DELETE', auth(user, `phoneMethods/${PHONE_IDS.alternateMobile}`))).status).toBe(204);
    expect((await client.call('DELETE', authenticator)).status).toBe(400);
    expect((await client.call('DELETE', auth(user, `phoneMethods/${PHONE_IDS.mobile}`))).status).toBe(204);
    expect((await client.call('DELETE', authenticator)).status).toBe(204);
    expect(sandbox.user(user)?.methods).toEqual([]);
  });

  test('a usable Temporary Access Pass does not keep the default in place: a pass can never become the default', async () => {
    // Re-registration issues the pass first and removes the methods after: the pass must not
    // pin the old default phone (sandbox assumption, see the README of the sandbox's rules).
    const user = U.onlyMobile.id;
    const tap = await issueTap(user);
    expect(tap.status).toBe(201);
    expect((await client.call('DELETE', auth(user, `phoneMethods/${PHONE_IDS.mobile}`))).status).toBe(204);
    expect(sandbox.user(user)?.methods.map((m) => m['@odata.type'])).toEqual(['#microsoft.graph.temporaryAccessPassAuthenticationMethod']);
  });

  test('a pass that is not yet valid does not block the delete', async () => {
    const user = U.onlyMobile.id;
    const start = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    expect((await issueTap(user, { startDateTime: start })).status).toBe(201);
    expect((await client.call('DELETE', auth(user, `phoneMethods/${PHONE_IDS.mobile}`))).status).toBe(204);
  });

  test('a pass never becomes the default, even for a user with nothing else', async () => {
    expect((await issueTap(U.noMethods.id)).status).toBe(201);
    expect(sandbox.user(U.noMethods.id)).not.toHaveProperty('defaultMethodId');
  });
});

describe('Temporary Access Pass', () => {
  interface Tap {
    '@odata.type': string;
    id: string;
    temporaryAccessPass: string | null;
    createdDateTime: string;
    startDateTime: string;
    lifetimeInMinutes: number;
    isUsableOnce: boolean;
    isUsable: boolean;
    methodUsabilityReason: string;
  }

  test('POST with no options: 201 with the pass and the policy’s defaults', async () => {
    const before = Date.now();
    const reply = await issueTap(U.onlyMobile.id, {});
    expect(reply.status).toBe(201);
    const tap = reply.body as Tap;
    expect(Object.keys(tap).sort()).toEqual(
      ['@odata.type', 'createdDateTime', 'id', 'isUsable', 'isUsableOnce', 'lifetimeInMinutes', 'methodUsabilityReason', 'startDateTime', 'temporaryAccessPass'].sort(),
    );
    expect(tap).toMatchObject({ '@odata.type': TYPES.tap, lifetimeInMinutes: 60, isUsableOnce: true, isUsable: true, methodUsabilityReason: 'EnabledByPolicy' });
    expect(tap.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(tap.temporaryAccessPass).toMatch(/^\S{8}$/);
    expect(Date.parse(tap.createdDateTime)).toBeGreaterThanOrEqual(before - 1000);
    expect(Math.abs(Date.parse(tap.startDateTime) - Date.parse(tap.createdDateTime))).toBeLessThan(1000);
  });

  test('POST without any body works the same', async () => {
    const reply = await issueTap(U.onlyMobile.id);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ lifetimeInMinutes: 60, isUsableOnce: true });
  });

  test('passes are random', async () => {
    const passes = new Set<string>();
    for (let i = 0; i < 5; i += 1) passes.add(((await issueTap(U.onlyMobile.id)).body as Tap).temporaryAccessPass ?? '');
    expect(passes.size).toBe(5);
  });

  test('the pass is shown only once: never in lists, gets or user()', async () => {
    const tap = (await issueTap(U.onlyMobile.id, { lifetimeInMinutes: 120 })).body as Tap;
    const pass = tap.temporaryAccessPass ?? '';
    const reads = [
      await client.call('GET', auth(U.onlyMobile.id, 'temporaryAccessPassMethods')),
      await client.call('GET', auth(U.onlyMobile.id, `temporaryAccessPassMethods/${tap.id}`)),
      await client.call('GET', auth(U.onlyMobile.id, 'methods')),
      await client.call('GET', auth(U.onlyMobile.id, `methods/${tap.id}`)),
    ];
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(JSON.stringify(read.body)).not.toContain(pass);
    }
    const listed = valueOf<Tap>(reads[0]);
    expect(listed).toEqual([{ ...tap, temporaryAccessPass: null }]);
    const view = sandbox.user(U.onlyMobile.id);
    const inView = view?.methods.find((m) => m.id === tap.id);
    expect(inView).toMatchObject({ '@odata.type': TYPES.tap, lifetimeInMinutes: 120 });
    expect(inView).not.toHaveProperty('temporaryAccessPass');
    expect(JSON.stringify(view)).not.toContain(pass);
  });

  test('one pass per user: a new one replaces the old', async () => {
    const first = (await issueTap(U.onlyMobile.id)).body as Tap;
    const second = (await issueTap(U.onlyMobile.id)).body as Tap;
    expect(second.id).not.toBe(first.id);
    const listed = valueOf<Tap>(await client.call('GET', auth(U.onlyMobile.id, 'temporaryAccessPassMethods')));
    expect(listed.map((t) => t.id)).toEqual([second.id]);
    expect((await client.call('GET', auth(U.onlyMobile.id, `temporaryAccessPassMethods/${first.id}`))).status).toBe(404);
  });

  test.each([10, 43200])('lifetime %d minutes is accepted', async (lifetimeInMinutes) => {
    const reply = await issueTap(U.onlyMobile.id, { lifetimeInMinutes });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ lifetimeInMinutes });
  });

  test('null options mean "not given": the policy’s defaults apply', async () => {
    const reply = await issueTap(U.onlyMobile.id, { lifetimeInMinutes: null, isUsableOnce: null, startDateTime: null });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ lifetimeInMinutes: 60, isUsableOnce: true, isUsable: true });
  });

  test.each([[9], [43201], [0], [-5], [60.5], ['60']])('lifetime %p is refused with 400 badRequest', async (lifetimeInMinutes) => {
    const reply = await issueTap(U.onlyMobile.id, { lifetimeInMinutes });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({ code: 'badRequest', message: expect.stringContaining('10 to 43200') });
    expect(sandbox.user(U.onlyMobile.id)?.methods).toHaveLength(1);
  });

  test('a reusable pass is refused while the policy allows one-time passes only', async () => {
    const refused = await issueTap(U.onlyMobile.id, { isUsableOnce: false });
    expect(refused.status).toBe(400);
    expect(errorOf(refused).code).toBe('badRequest');
    sandbox.setTemporaryAccessPassPolicy({ isUsableOnce: false });
    expect((await issueTap(U.onlyMobile.id, { isUsableOnce: false })).body).toMatchObject({ isUsableOnce: false });
    // The policy now defaults to reusable passes; one-time passes may still be asked for.
    expect((await issueTap(U.onlyMobile.id)).body).toMatchObject({ isUsableOnce: false });
    expect((await issueTap(U.onlyMobile.id, { isUsableOnce: true })).body).toMatchObject({ isUsableOnce: true });
  });

  test('isUsableOnce must be a boolean', async () => {
    expect((await issueTap(U.onlyMobile.id, { isUsableOnce: 'yes' })).status).toBe(400);
  });

  test('the policy’s default lifetime applies when none is asked for', async () => {
    sandbox.setTemporaryAccessPassPolicy({ defaultLifetimeInMinutes: 480 });
    expect((await issueTap(U.onlyMobile.id)).body).toMatchObject({ lifetimeInMinutes: 480 });
  });

  test('policy disabled: 403 accessDenied, and an existing pass shows as DisabledByPolicy', async () => {
    const tap = (await issueTap(U.onlyMobile.id)).body as Tap;
    sandbox.setTemporaryAccessPassPolicy({ enabled: false });
    const refused = await issueTap(U.onlyMobile.id);
    expect(refused.status).toBe(403);
    expect(errorOf(refused).code).toBe('accessDenied');
    const listed = valueOf<Tap>(await client.call('GET', auth(U.onlyMobile.id, 'temporaryAccessPassMethods')));
    expect(listed).toEqual([expect.objectContaining({ id: tap.id, isUsable: false, methodUsabilityReason: 'DisabledByPolicy' })]);
    sandbox.setTemporaryAccessPassPolicy({ enabled: true });
    expect((await issueTap(U.onlyMobile.id)).status).toBe(201);
  });

  test('the policy rejects an impossible default lifetime', () => {
    expect(() => sandbox.setTemporaryAccessPassPolicy({ defaultLifetimeInMinutes: 5 })).toThrow(/defaultLifetimeInMinutes/);
    expect(() => sandbox.setTemporaryAccessPassPolicy({ defaultLifetimeInMinutes: 43201 })).toThrow(/defaultLifetimeInMinutes/);
  });

  test('a later start: not usable yet (NotYetValid), as Graph reports', async () => {
    const start = new Date(Date.now() + 2 * 3600 * 1000);
    const reply = await issueTap(U.onlyMobile.id, { startDateTime: start.toISOString() });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ startDateTime: start.toISOString().replace(/\.\d{3}Z$/, 'Z'), isUsable: false, methodUsabilityReason: 'NotYetValid' });
  });

  test('a start long enough ago: Expired', async () => {
    const start = new Date(Date.now() - 3 * 3600 * 1000).toISOString();
    const reply = await issueTap(U.onlyMobile.id, { startDateTime: start, lifetimeInMinutes: 60 });
    expect(reply.body).toMatchObject({ isUsable: false, methodUsabilityReason: 'Expired' });
  });

  test.each([['tomorrow'], ['2026-13-45T00:00:00Z'], [1767225600000]])('startDateTime %p: 400 badRequest', async (startDateTime) => {
    const reply = await issueTap(U.onlyMobile.id, { startDateTime });
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('badRequest');
  });

  test('unknown or read-only properties: 400', async () => {
    for (const body of [{ temporaryAccessPass: 'chosen-by-me' }, { isUsable: true }, { length: 12 }]) {
      const reply = await issueTap(U.onlyMobile.id, body);
      expect(reply.status).toBe(400);
      expect(errorOf(reply).message).toContain(`'${Object.keys(body)[0]}'`);
    }
  });

  test('DELETE …/temporaryAccessPassMethods/{id}: 204 and gone', async () => {
    const tap = (await issueTap(U.onlyMobile.id)).body as Tap;
    expect((await client.call('DELETE', auth(U.onlyMobile.id, `temporaryAccessPassMethods/${tap.id}`))).status).toBe(204);
    expect(valueOf(await client.call('GET', auth(U.onlyMobile.id, 'temporaryAccessPassMethods')))).toEqual([]);
    expect(sandbox.user(U.onlyMobile.id)?.methods.map((m) => m.id)).toEqual([PHONE_IDS.mobile]);
  });
});
