/**
 * /users/{id}/authentication/phoneMethods and every rule Graph enforces on phones: the number
 * format, one phone per type, mobile before alternateMobile, a type never changes, the alternate
 * goes before the mobile, and the default method stays put.
 */
import { startGraphSandbox, type GraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { IDS, PHONE_IDS, SandboxClient, TYPES, U, errorOf, testSeed, valueOf } from './client';

let sandbox: GraphSandbox;
let client: SandboxClient;
// Every test writes, so each gets a fresh tenant.
beforeEach(async () => {
  sandbox = await startGraphSandbox({ seed: testSeed() });
  client = new SandboxClient(sandbox);
});
afterEach(async () => {
  await client.close();
  await sandbox.close();
});

const phones = (user: string) => `/users/${user}/authentication/phoneMethods`;
const add = (user: string, body: unknown) => client.call('POST', phones(user), { body });

describe('list and get', () => {
  test('lists the phones as Graph does: id, number, type, SMS state, no @odata.type', async () => {
    const reply = await client.call('GET', phones(U.authenticatorDefault.id));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ '@odata.context': expect.stringContaining('/authentication/phoneMethods') });
    expect(valueOf(reply)).toEqual([
      { id: PHONE_IDS.mobile, phoneNumber: '+44 7700900222', phoneType: 'mobile', smsSignInState: 'ready' },
      { id: PHONE_IDS.alternateMobile, phoneNumber: '+44 7700900223', phoneType: 'alternateMobile', smsSignInState: 'notSupported' },
    ]);
  });

  test('a seed phone without smsSignInState gets notEnabled (mobile)', async () => {
    expect(valueOf(await client.call('GET', phones(U.onlyMobile.upn)))).toEqual([
      { id: PHONE_IDS.mobile, phoneNumber: '+44 7700900111', phoneType: 'mobile', smsSignInState: 'notEnabled' },
    ]);
  });

  test('a user without phones gets an empty list', async () => {
    expect(valueOf(await client.call('GET', phones(U.noMethods.id)))).toEqual([]);
  });

  test('get by id', async () => {
    const reply = await client.call('GET', `${phones(U.authenticatorDefault.id)}/${PHONE_IDS.alternateMobile}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ id: PHONE_IDS.alternateMobile, phoneNumber: '+44 7700900223', phoneType: 'alternateMobile', smsSignInState: 'notSupported' });
  });

  test('an id the user has no phone under, or a method of another kind: 404 itemNotFound', async () => {
    for (const id of [PHONE_IDS.office, 'not-a-method', IDS.authenticatorOfDefaultUser]) {
      const reply = await client.call('GET', `${phones(U.authenticatorDefault.id)}/${id}`);
      expect(reply.status).toBe(404);
      expect(errorOf(reply).code).toBe('itemNotFound');
    }
  });
});

describe('POST (add)', () => {
  test('adds a mobile: 201 with the object and the fixed id; it becomes the default of a user with none', async () => {
    const reply = await add(U.noMethods.id, { phoneNumber: '+44 7700900900', phoneType: 'mobile' });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ id: PHONE_IDS.mobile, phoneNumber: '+44 7700900900', phoneType: 'mobile', smsSignInState: 'notEnabled' });
    expect(valueOf(await client.call('GET', phones(U.noMethods.id)))).toEqual([reply.body]);
    const view = sandbox.user(U.noMethods.id);
    expect(view?.methods).toEqual([{ '@odata.type': TYPES.phone, id: PHONE_IDS.mobile, phoneNumber: '+44 7700900900', phoneType: 'mobile', smsSignInState: 'notEnabled' }]);
    expect(view?.defaultMethodId).toBe(PHONE_IDS.mobile);
  });

  test('adds an office phone (voice only) with its fixed id, without needing a mobile', async () => {
    const reply = await add(U.noMethods.id, { phoneNumber: '+1 5555550100x42', phoneType: 'office' });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ id: PHONE_IDS.office, phoneNumber: '+1 5555550100x42', phoneType: 'office', smsSignInState: 'notSupported' });
  });

  test('adds an alternateMobile once there is a mobile; the default stays the mobile', async () => {
    const reply = await add(U.onlyMobile.id, { phoneNumber: '+44 7700900112', phoneType: 'alternateMobile' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ id: PHONE_IDS.alternateMobile, phoneType: 'alternateMobile' });
    expect(sandbox.user(U.onlyMobile.id)?.defaultMethodId).toBe(PHONE_IDS.mobile);
  });

  test('an @odata.type in the body is accepted', async () => {
    const reply = await add(U.noMethods.id, { '@odata.type': TYPES.phone, phoneNumber: '+44 7700900900', phoneType: 'mobile' });
    expect(reply.status).toBe(201);
  });

  test('a second phone of a type the user has: 400 badRequest', async () => {
    const reply = await add(U.onlyMobile.id, { phoneNumber: '+44 7700900999', phoneType: 'mobile' });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({ code: 'badRequest', message: 'A phone method of type mobile already exists' });
    expect(sandbox.user(U.onlyMobile.id)?.methods).toEqual([expect.objectContaining({ phoneNumber: '+44 7700900111' })]);
  });

  test('an alternateMobile without a mobile: 400 badRequest', async () => {
    const reply = await add(U.noMethods.id, { phoneNumber: '+44 7700900999', phoneType: 'alternateMobile' });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({ code: 'badRequest', message: expect.stringContaining('mobile phone method must exist') });
    expect(sandbox.user(U.noMethods.id)?.methods).toEqual([]);
  });

  test.each(['+1 5555551234', '+44 7700900123', '+1 5555551234x123', '+353 871234567', '+49 15123456789'])('accepts %s', async (phoneNumber) => {
    expect((await add(U.noMethods.id, { phoneNumber, phoneType: 'mobile' })).status).toBe(201);
  });

  test.each([
    ['national format', '07700900123'],
    ['no space after the country code', '+447700900123'],
    ['spaces inside the number', '+44 7700 900123'],
    ['dashes', '+44-7700-900123'],
    ['brackets', '+1 (555) 5551234'],
    ['a four-digit country code', '+4444 7700900123'],
    ['country code 0', '+0 5555551234'],
    ['no subscriber number', '+44 '],
    ['a spaced extension', '+44 7700900123 x12'],
    ['letters', '+44 77009OO123'],
    ['empty', ''],
  ])('refuses %s: 400 badRequest, and the number is not echoed', async (_label, phoneNumber) => {
    const reply = await add(U.noMethods.id, { phoneNumber, phoneType: 'mobile' });
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('badRequest');
    expect(errorOf(reply).message).toContain('+{country code} {subscriber number}');
    if (phoneNumber.length > 4) expect(errorOf(reply).message).not.toContain(phoneNumber);
    expect(sandbox.user(U.noMethods.id)?.methods).toEqual([]);
  });

  test.each([
    ['a number that is not a string', { phoneNumber: 447700900123, phoneType: 'mobile' }],
    ['no number', { phoneType: 'mobile' }],
    ['a null number', { phoneNumber: null, phoneType: 'mobile' }],
  ])('refuses %s', async (_label, body) => {
    const reply = await add(U.noMethods.id, body);
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('badRequest');
  });

  test.each([['landline'], ['Mobile'], ['sms'], [undefined], [3]])('refuses phoneType %p', async (phoneType) => {
    const reply = await add(U.noMethods.id, { phoneNumber: '+44 7700900123', phoneType });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({ code: 'badRequest', message: 'phoneType must be one of mobile, alternateMobile, office.' });
  });

  test('refuses read-only and unknown properties', async () => {
    for (const extra of [{ smsSignInState: 'ready' }, { id: PHONE_IDS.office }, { isDefault: true }]) {
      const reply = await add(U.noMethods.id, { phoneNumber: '+44 7700900123', phoneType: 'mobile', ...extra });
      expect(reply.status).toBe(400);
      expect(errorOf(reply).message).toContain(`'${Object.keys(extra)[0]}'`);
    }
    expect(sandbox.user(U.noMethods.id)?.methods).toEqual([]);
  });

  test('refuses an empty body', async () => {
    const reply = await client.call('POST', phones(U.noMethods.id));
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('BadRequest');
  });
});

describe('PATCH (update)', () => {
  const mobileOf = (user: string) => `${phones(user)}/${PHONE_IDS.mobile}`;

  test('replaces the number: 204, visible through the API and user(); the default and SMS state stay', async () => {
    const reply = await client.call('PATCH', mobileOf(U.authenticatorDefault.id), { body: { phoneNumber: '+44 7700900333', phoneType: 'mobile' } });
    expect(reply.status).toBe(204);
    expect(reply.body).toBeUndefined();
    const got = await client.call('GET', mobileOf(U.authenticatorDefault.id));
    expect(got.body).toEqual({ id: PHONE_IDS.mobile, phoneNumber: '+44 7700900333', phoneType: 'mobile', smsSignInState: 'ready' });
    expect(sandbox.user(U.authenticatorDefault.id)?.defaultMethodId).toBe(IDS.authenticatorOfDefaultUser);
  });

  test('patching the default mobile keeps it the default', async () => {
    expect((await client.call('PATCH', mobileOf(U.onlyMobile.id), { body: { phoneNumber: '+44 7700900444' } })).status).toBe(204);
    const view = sandbox.user(U.onlyMobile.id);
    expect(view?.defaultMethodId).toBe(PHONE_IDS.mobile);
    expect(view?.methods[0]).toMatchObject({ phoneNumber: '+44 7700900444' });
  });

  test('cannot change the type: 400 badRequest, nothing changes', async () => {
    const reply = await client.call('PATCH', mobileOf(U.onlyMobile.id), { body: { phoneNumber: '+44 7700900444', phoneType: 'office' } });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({ code: 'badRequest', message: expect.stringContaining('cannot be changed') });
    expect(sandbox.user(U.onlyMobile.id)?.methods[0]).toMatchObject({ phoneNumber: '+44 7700900111', phoneType: 'mobile' });
  });

  test('a badly formatted number: 400 badRequest, nothing changes', async () => {
    const reply = await client.call('PATCH', mobileOf(U.onlyMobile.id), { body: { phoneNumber: '+447700900444', phoneType: 'mobile' } });
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('badRequest');
    expect(sandbox.user(U.onlyMobile.id)?.methods[0]).toMatchObject({ phoneNumber: '+44 7700900111' });
  });

  test('unknown or read-only properties: 400', async () => {
    const reply = await client.call('PATCH', mobileOf(U.onlyMobile.id), { body: { phoneNumber: '+44 7700900444', smsSignInState: 'ready' } });
    expect(reply.status).toBe(400);
  });

  test('a phone the user does not have, or another method kind: 404 itemNotFound', async () => {
    for (const path of [`${phones(U.onlyMobile.id)}/${PHONE_IDS.alternateMobile}`, `${phones(U.noMethods.id)}/${PHONE_IDS.mobile}`, `${phones(U.authenticatorDefault.id)}/${IDS.authenticatorOfDefaultUser}`]) {
      const reply = await client.call('PATCH', path, { body: { phoneNumber: '+44 7700900444' } });
      expect(reply.status).toBe(404);
      expect(errorOf(reply).code).toBe('itemNotFound');
    }
  });
});

describe('DELETE', () => {
  const phone = (user: string, type: keyof typeof PHONE_IDS) => `${phones(user)}/${PHONE_IDS[type]}`;

  test('the mobile while an alternateMobile exists: 400 badRequest; after the alternate goes, it can go', async () => {
    const user = U.authenticatorDefault.id;
    const refused = await client.call('DELETE', phone(user, 'mobile'));
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatchObject({ code: 'badRequest', message: expect.stringContaining('alternateMobile') });
    expect((await client.call('DELETE', phone(user, 'alternateMobile'))).status).toBe(204);
    const deleted = await client.call('DELETE', phone(user, 'mobile'));
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(valueOf(await client.call('GET', phones(user)))).toEqual([]);
    // Neither phone was the default (the Authenticator is), so the default is untouched.
    expect(sandbox.user(user)?.defaultMethodId).toBe(IDS.authenticatorOfDefaultUser);
  });

  test('the default mobile when it is the last MFA method: allowed, and then there is no default', async () => {
    const reply = await client.call('DELETE', phone(U.onlyMobile.id, 'mobile'));
    expect(reply.status).toBe(204);
    const view = sandbox.user(U.onlyMobile.id);
    expect(view?.methods).toEqual([]);
    expect(view).not.toHaveProperty('defaultMethodId');
  });

  test('the default mobile while an office phone exists: refused with Graph’s default-method message', async () => {
    expect((await add(U.onlyMobile.id, { phoneNumber: '+44 7700900555', phoneType: 'office' })).status).toBe(201);
    const reply = await client.call('DELETE', phone(U.onlyMobile.id, 'mobile'));
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({
      code: 'badRequest',
      message: 'Cannot delete default method with other methods configured. Please change default method before deletion.',
    });
    expect(sandbox.user(U.onlyMobile.id)?.methods).toHaveLength(2);
  });

  test('a phone the user does not have: 404 itemNotFound (also when deleted twice)', async () => {
    expect((await client.call('DELETE', phone(U.onlyMobile.id, 'office'))).status).toBe(404);
    expect((await client.call('DELETE', phone(U.authenticatorDefault.id, 'alternateMobile'))).status).toBe(204);
    const again = await client.call('DELETE', phone(U.authenticatorDefault.id, 'alternateMobile'));
    expect(again.status).toBe(404);
    expect(errorOf(again).code).toBe('itemNotFound');
  });

  test('after a delete the type can be added again with the same fixed id', async () => {
    expect((await client.call('DELETE', phone(U.authenticatorDefault.id, 'alternateMobile'))).status).toBe(204);
    const reply = await add(U.authenticatorDefault.id, { phoneNumber: '+44 7700900224', phoneType: 'alternateMobile' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ id: PHONE_IDS.alternateMobile });
  });
});
