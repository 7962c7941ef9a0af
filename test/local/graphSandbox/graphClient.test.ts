/**
 * The real @microsoft/microsoft-graph-client against the sandbox, with the SDK's default middleware
 * (auth, retry, redirect, telemetry). This is the pairing the Graph adapter relies on: if the SDK
 * cannot parse an answer, send a token, or retry a 429 here, the sandbox is not Graph-compatible.
 */
import { Client, GraphError, ResponseType, type AuthenticationProvider, type FetchOptions } from '@microsoft/microsoft-graph-client';
import { Agent } from 'undici';
import { startGraphSandbox, type GraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { PHONE_IDS, ROLES, U, testSeed } from './client';

/** Hands the SDK the sandbox's token, as a credential would hand it a real one. */
class FixedToken implements AuthenticationProvider {
  constructor(private readonly token: string) {}

  getAccessToken(): Promise<string> {
    return Promise.resolve(this.token);
  }
}

let sandbox: GraphSandbox;
let agent: Agent;
let graph: Client;
beforeAll(async () => {
  sandbox = await startGraphSandbox({ seed: testSeed() });
  agent = new Agent({ connect: { ca: sandbox.caPem } });
  graph = Client.initWithMiddleware({
    authProvider: new FixedToken(sandbox.token),
    baseUrl: sandbox.origin,
    // The SDK sends the token only to Graph hosts and these (hostname, no port).
    customHosts: new Set(['127.0.0.1']),
    // Node's fetch takes an undici dispatcher; the SDK passes fetchOptions through to it.
    fetchOptions: { dispatcher: agent } as FetchOptions,
  });
});
afterAll(async () => {
  await agent.close();
  await sandbox.close();
});
afterEach(() => sandbox.clearFaults());

test('GET a user by sign-in address with $select', async () => {
  const user: unknown = await graph.api(`/users/${U.onlyMobile.upn}`).select(['id', 'displayName', 'mail']).get();
  expect(user).toMatchObject({ id: U.onlyMobile.id, displayName: 'Only Mobile', mail: U.onlyMobile.upn });
});

test('a Graph error becomes a GraphError with status, code and request-id', async () => {
  const failure: unknown = await graph
    .api('/users/nobody@contoso.example')
    .get()
    .catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(GraphError);
  const error = failure as GraphError;
  expect(error.statusCode).toBe(404);
  expect(error.code).toBe('Request_ResourceNotFound');
  expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
});

test('POST, PATCH and DELETE a phone; 204s resolve without a body', async () => {
  const base = `/users/${U.noMethods.id}/authentication/phoneMethods`;
  const created: unknown = await graph.api(base).post({ phoneNumber: '+44 7700900800', phoneType: 'mobile' });
  expect(created).toEqual({ id: PHONE_IDS.mobile, phoneNumber: '+44 7700900800', phoneType: 'mobile', smsSignInState: 'notEnabled' });
  await graph.api(`${base}/${PHONE_IDS.mobile}`).patch({ phoneNumber: '+44 7700900801', phoneType: 'mobile' });
  expect(sandbox.user(U.noMethods.id)?.methods[0]).toMatchObject({ phoneNumber: '+44 7700900801' });
  await graph.api(`${base}/${PHONE_IDS.mobile}`).delete();
  expect(sandbox.user(U.noMethods.id)?.methods).toEqual([]);
});

test('$filter on role assignments as the SDK encodes it', async () => {
  const page = (await graph.api('/roleManagement/directory/roleAssignments').filter(`principalId eq '${U.authAdmin.id}'`).get()) as { value: unknown[] };
  expect(page.value).toEqual([expect.objectContaining({ principalId: U.authAdmin.id, roleDefinitionId: ROLES.authenticationAdministrator })]);
});

test('the SDK sends its client-request-id, and the sandbox echoes it', async () => {
  const before = sandbox.requests.length;
  const raw = (await graph.api(`/users/${U.onlyMobile.id}`).responseType(ResponseType.RAW).get()) as Response;
  expect(raw.status).toBe(200);
  expect(raw.headers.get('client-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(raw.headers.get('client-request-id')).not.toBe(raw.headers.get('request-id'));
  expect(sandbox.requests.slice(before)).toHaveLength(1);
});

test('the SDK retry handler honours a 429 with Retry-After and then succeeds', async () => {
  sandbox.injectFault({ status: 429, retryAfterSeconds: 0, times: 1, pathIncludes: U.authAdmin.id });
  const before = sandbox.requests.length;
  const user: unknown = await graph.api(`/users/${U.authAdmin.id}`).get();
  expect(user).toMatchObject({ id: U.authAdmin.id });
  expect(sandbox.requests.slice(before).map((r) => r.status)).toEqual([429, 200]);
});
