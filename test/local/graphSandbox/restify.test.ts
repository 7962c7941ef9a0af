/**
 * The bot runs the sandbox in the same process as restify, which replaces
 * http.ServerResponse.prototype.writeHead on load with a version that returns nothing. Every kind
 * of answer (200, 201, 204, an error) must still go out whole.
 */
import 'restify';
import { startGraphSandbox, type GraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { PHONE_IDS, SandboxClient, U, errorOf, testSeed } from './client';

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

test('200, 201, 204 and errors are answered once each, with a body where one belongs', async () => {
  const before = sandbox.requests.length;
  expect((await client.call('GET', `/users/${U.noMethods.id}`)).status).toBe(200);
  const created = await client.call('POST', `/users/${U.noMethods.id}/authentication/phoneMethods`, { body: { phoneNumber: '+44 7700900700', phoneType: 'mobile' } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id: PHONE_IDS.mobile });
  const patched = await client.call('PATCH', `/users/${U.noMethods.id}/authentication/phoneMethods/${PHONE_IDS.mobile}`, { body: { phoneNumber: '+44 7700900701' } });
  expect(patched.status).toBe(204);
  const missing = await client.call('GET', '/users/nobody@contoso.example');
  expect(missing.status).toBe(404);
  expect(errorOf(missing).code).toBe('Request_ResourceNotFound');
  sandbox.injectFault({ status: 429, retryAfterSeconds: 1, times: 1 });
  expect((await client.call('GET', `/users/${U.noMethods.id}`)).headers.get('retry-after')).toBe('1');
  expect(sandbox.requests.slice(before).map((r) => r.status)).toEqual([200, 201, 204, 404, 429]);
});
