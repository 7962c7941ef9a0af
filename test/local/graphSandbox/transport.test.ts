/**
 * What every Graph call goes through before any directory rule: TLS with the sandbox's own
 * certificate, the bearer token, Graph's headers and error body, routing errors, body limits,
 * injected faults and the request log. Real HTTPS on loopback.
 */
import { X509Certificate } from 'node:crypto';
import { Agent, fetch as undiciFetch } from 'undici';
import { startGraphSandbox, type GraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { PHONE_IDS, SandboxClient, U, errorOf, testSeed, valueOf } from './client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
afterEach(() => sandbox.clearFaults());

describe('TLS', () => {
  test('listens on 127.0.0.1 with https URLs', () => {
    expect(sandbox.origin).toBe(`https://127.0.0.1:${sandbox.port}`);
    expect(sandbox.baseUrl).toBe(`${sandbox.origin}/v1.0`);
    expect(sandbox.port).toBeGreaterThan(0);
  });

  test('the certificate names 127.0.0.1 and localhost and is valid for a short time only', () => {
    const cert = new X509Certificate(sandbox.caPem);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.ca).toBe(false);
    const lifetimeMs = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    expect(lifetimeMs).toBeLessThanOrEqual(2 * 24 * 60 * 60 * 1000);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now());
  });

  test('a client that does not trust the certificate is refused (undici and the global fetch)', async () => {
    const url = `${sandbox.baseUrl}/users/${U.onlyMobile.id}`;
    const headers = { authorization: `Bearer ${sandbox.token}` };
    await expect(undiciFetch(url, { headers })).rejects.toMatchObject({ cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    await expect(fetch(url, { headers })).rejects.toThrow();
    expect(sandbox.requests.some((r) => r.path.endsWith(U.onlyMobile.id))).toBe(false);
  });

  test('the certificate of another sandbox is not enough', async () => {
    const other = await startGraphSandbox({ seed: testSeed() });
    const agent = new Agent({ connect: { ca: other.caPem } });
    try {
      await expect(undiciFetch(`${sandbox.baseUrl}/users/${U.onlyMobile.id}`, { dispatcher: agent })).rejects.toThrow();
    } finally {
      await agent.close();
      await other.close();
    }
  });

  test('https://localhost works too (subjectAltName DNS)', async () => {
    const agent = new Agent({ connect: { ca: sandbox.caPem } });
    try {
      const res = await undiciFetch(`https://localhost:${sandbox.port}/v1.0/users/${U.onlyMobile.id}`, {
        headers: { authorization: `Bearer ${sandbox.token}` },
        dispatcher: agent,
      });
      expect(res.status).toBe(200);
      await res.text();
    } finally {
      await agent.close();
    }
  });
});

describe('authentication', () => {
  test('the token is random per sandbox', async () => {
    const other = await startGraphSandbox({ seed: testSeed() });
    try {
      expect(other.token).not.toBe(sandbox.token);
      expect(sandbox.token.length).toBeGreaterThanOrEqual(32);
    } finally {
      await other.close();
    }
  });

  test('no Authorization header: 401 InvalidAuthenticationToken "Access token is empty."', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}`, { token: null });
    expect(reply.status).toBe(401);
    expect(errorOf(reply)).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  test('a non-Bearer scheme counts as no token', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}`, { token: null, headers: { authorization: `Basic ${sandbox.token}` } });
    expect(reply.status).toBe(401);
    expect(errorOf(reply).message).toBe('Access token is empty.');
  });

  test('a wrong token: 401 "Access token validation failure."', async () => {
    for (const token of ['wrong', `${sandbox.token}x`, sandbox.token.slice(1)]) {
      const reply = await client.call('GET', `/users/${U.onlyMobile.id}`, { token });
      expect(reply.status).toBe(401);
      expect(errorOf(reply)).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' });
    }
  });

  test('an unauthenticated write changes nothing', async () => {
    const reply = await client.call('DELETE', `/users/${U.onlyMobile.id}/authentication/phoneMethods/${PHONE_IDS.mobile}`, { token: 'nope' });
    expect(reply.status).toBe(401);
    expect(sandbox.user(U.onlyMobile.id)?.methods).toHaveLength(1);
  });

  test('the scheme is case-insensitive, as in HTTP', async () => {
    const reply = await client.call('GET', `/users/${U.onlyMobile.id}`, { token: null, headers: { authorization: `bearer ${sandbox.token}` } });
    expect(reply.status).toBe(200);
  });
});

describe('headers and the error body', () => {
  test('every response carries a fresh request-id; client-request-id echoes the caller’s', async () => {
    const a = await client.call('GET', `/users/${U.onlyMobile.id}`, { headers: { 'client-request-id': 'abc-123' } });
    const b = await client.call('GET', `/users/${U.onlyMobile.id}`);
    expect(a.headers.get('request-id')).toMatch(UUID);
    expect(b.headers.get('request-id')).toMatch(UUID);
    expect(a.headers.get('request-id')).not.toBe(b.headers.get('request-id'));
    expect(a.headers.get('client-request-id')).toBe('abc-123');
    // Without one from the caller, Graph reuses its request-id.
    expect(b.headers.get('client-request-id')).toBe(b.headers.get('request-id'));
    expect(a.headers.get('content-type')).toBe('application/json');
  });

  test('errors have exactly Graph’s shape, with ids matching the headers', async () => {
    const reply = await client.call('GET', '/users/nobody@contoso.example', { headers: { 'client-request-id': 'trace-7' } });
    expect(reply.status).toBe(404);
    expect(reply.headers.get('content-type')).toBe('application/json');
    const body = reply.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error']);
    const error = errorOf(reply);
    expect(Object.keys(error).sort()).toEqual(['code', 'innerError', 'message']);
    expect(Object.keys(error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
    expect(error.innerError['request-id']).toBe(reply.headers.get('request-id'));
    expect(error.innerError['client-request-id']).toBe('trace-7');
    expect(error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  test('204 answers have no body and no content-type, but still the ids', async () => {
    const reply = await client.call('PATCH', `/users/${U.onlyMobile.id}/authentication/phoneMethods/${PHONE_IDS.mobile}`, {
      body: { phoneNumber: '+44 7700900111', phoneType: 'mobile' },
    });
    expect(reply.status).toBe(204);
    expect(reply.body).toBeUndefined();
    expect(reply.headers.get('content-type')).toBeNull();
    expect(reply.headers.get('request-id')).toMatch(UUID);
  });
});

describe('routing and bodies', () => {
  test('an unknown segment: 400 BadRequest naming the segment', async () => {
    const cases: [string, string][] = [
      ['/frobnicate', 'frobnicate'],
      [`/users/${U.onlyMobile.id}/authentication/smokeSignals`, 'smokeSignals'],
      [`/users/${U.onlyMobile.id}/calendar`, 'calendar'],
      ['/roleManagement/entitlement/roleAssignments', 'entitlement'],
    ];
    for (const [path, segment] of cases) {
      const reply = await client.call('GET', path);
      expect(reply.status).toBe(400);
      expect(errorOf(reply)).toMatchObject({ code: 'BadRequest', message: `Resource not found for the segment '${segment}'.` });
    }
  });

  test('a version other than v1.0 is refused', async () => {
    const reply = await client.call('GET', `//beta/users/${U.onlyMobile.id}`);
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({ code: 'BadRequest', message: 'Invalid version: beta' });
  });

  test('a wrong method on a known route: 405 with Allow', async () => {
    const cases: [string, string][] = [
      ['DELETE', `/users/${U.onlyMobile.id}`],
      ['POST', `/users/${U.onlyMobile.id}/authentication/methods`],
      ['PUT', `/users/${U.onlyMobile.id}/authentication/phoneMethods/${PHONE_IDS.mobile}`],
      ['GET', `/users/${U.onlyMobile.id}/revokeSignInSessions`],
      ['POST', `/users/${U.onlyMobile.id}/authentication/fido2Methods`],
      ['PATCH', `/users/${U.onlyMobile.id}/authentication/temporaryAccessPassMethods/x`],
    ];
    for (const [method, path] of cases) {
      const reply = await client.call(method, path, { body: method === 'GET' ? undefined : {} });
      expect(reply.status).toBe(405);
      expect(errorOf(reply).code).toBe('Request_BadRequest');
      expect(reply.headers.get('allow')).toBeTruthy();
    }
  });

  test('malformed JSON: 400 BadRequest, nothing written', async () => {
    const reply = await client.call('POST', `/users/${U.noMethods.id}/authentication/phoneMethods`, { rawBody: '{"phoneNumber": "+44 77' });
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toMatchObject({ code: 'BadRequest', message: expect.stringContaining('Unable to read JSON request payload') });
    expect(sandbox.user(U.noMethods.id)?.methods).toEqual([]);
  });

  test('a JSON body that is not an object: 400 BadRequest', async () => {
    for (const rawBody of ['[]', '"mobile"', '42', 'null']) {
      const reply = await client.call('POST', `/users/${U.noMethods.id}/authentication/phoneMethods`, { rawBody });
      expect(reply.status).toBe(400);
      expect(errorOf(reply).code).toBe('BadRequest');
    }
  });

  test('a body over 64 KB: 413; one just under is read', async () => {
    const big = await client.call('POST', `/users/${U.noMethods.id}/authentication/phoneMethods`, {
      body: { phoneNumber: '+44 7700900999', phoneType: 'mobile', padding: 'x'.repeat(65 * 1024) },
    });
    expect(big.status).toBe(413);
    expect(errorOf(big).code).toBe('RequestEntityTooLarge');
    expect(sandbox.user(U.noMethods.id)?.methods).toEqual([]);
    // Just under the limit: read and judged on its content (the unknown property), not its size.
    const under = await client.call('POST', `/users/${U.noMethods.id}/authentication/phoneMethods`, {
      body: { phoneNumber: '+44 7700900999', phoneType: 'mobile', padding: 'x'.repeat(60 * 1024) },
    });
    expect(under.status).toBe(400);
    expect(errorOf(under).message).toContain("'padding'");
  });

  test('path segments are case-insensitive and percent-decoded', async () => {
    const reply = await client.call('GET', `/Users/${encodeURIComponent(U.onlyMobile.upn)}/Authentication/PhoneMethods`);
    expect(reply.status).toBe(200);
    expect(valueOf(reply)).toHaveLength(1);
  });
});

describe('the request log', () => {
  test('records method, path without query, status and request-id of every answer, in order', async () => {
    const before = sandbox.requests.length;
    const ok = await client.call('GET', `/users/${U.onlyMobile.upn}?$select=id`);
    const denied = await client.call('GET', '/users/x', { token: null });
    const log = sandbox.requests.slice(before);
    expect(log).toEqual([
      { method: 'GET', path: `/v1.0/users/${U.onlyMobile.upn}`, status: 200, requestId: ok.headers.get('request-id') },
      { method: 'GET', path: '/v1.0/users/x', status: 401, requestId: denied.headers.get('request-id') },
    ]);
  });

  test('is a snapshot the caller cannot change', () => {
    const log = sandbox.requests as SandboxRequestArray;
    const length = log.length;
    log.push({ method: 'X', path: '/', status: 0, requestId: '' });
    expect(sandbox.requests).toHaveLength(length);
  });
});
type SandboxRequestArray = { method: string; path: string; status: number; requestId: string }[];

describe('injected faults', () => {
  const userPath = `/users/${U.onlyMobile.id}`;

  test.each([
    [429, 'TooManyRequests'],
    [500, 'generalException'],
    [503, 'ServiceUnavailable'],
    [504, 'GatewayTimeout'],
  ] as const)('%d answers code %s with Graph’s error body', async (status, code) => {
    sandbox.injectFault({ status, times: 1 });
    const reply = await client.call('GET', userPath);
    expect(reply.status).toBe(status);
    expect(errorOf(reply).code).toBe(code);
    expect(errorOf(reply).innerError['request-id']).toBe(reply.headers.get('request-id'));
    expect(reply.headers.get('retry-after')).toBeNull();
    expect((await client.call('GET', userPath)).status).toBe(200);
  });

  test('Retry-After in seconds when set, for exactly `times` requests', async () => {
    sandbox.injectFault({ status: 429, retryAfterSeconds: 7, times: 2 });
    const first = await client.call('GET', userPath);
    const second = await client.call('GET', userPath);
    const third = await client.call('GET', userPath);
    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(second.headers.get('retry-after')).toBe('7');
    expect(third.headers.get('retry-after')).toBeNull();
    expect(sandbox.requests.slice(-3).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  test('Retry-After: 0 is sent as such', async () => {
    sandbox.injectFault({ status: 503, retryAfterSeconds: 0, times: 1 });
    expect((await client.call('GET', userPath)).headers.get('retry-after')).toBe('0');
  });

  test('only matching requests (method and path) use up the fault', async () => {
    const tapPath = `/users/${U.everyKind.id}/authentication/temporaryAccessPassMethods`;
    sandbox.injectFault({ status: 503, times: 1, method: 'post', pathIncludes: '/temporaryAccessPassMethods' });
    expect((await client.call('GET', userPath)).status).toBe(200);
    expect((await client.call('GET', tapPath)).status).toBe(200);
    const hit = await client.call('POST', tapPath, { body: {} });
    expect(hit.status).toBe(503);
    // Not applied: a plain fault refuses the write.
    expect(sandbox.user(U.everyKind.id)?.methods.some((m) => m['@odata.type'].includes('temporaryAccessPass'))).toBe(false);
    expect((await client.call('POST', tapPath, { body: {} })).status).toBe(201);
  });

  test('faults queue in order and clearFaults drops the rest', async () => {
    sandbox.injectFault({ status: 429, times: 1 });
    sandbox.injectFault({ status: 504, times: 5 });
    expect((await client.call('GET', userPath)).status).toBe(429);
    expect((await client.call('GET', userPath)).status).toBe(504);
    sandbox.clearFaults();
    expect((await client.call('GET', userPath)).status).toBe(200);
  });

  test('a 403 fault on the DELETE of one method is a permanent refusal with a Graph error body; the method stays', async () => {
    const user = U.authenticatorDefault.id;
    const path = `/users/${user}/authentication/phoneMethods/${PHONE_IDS.mobile}`;
    sandbox.injectFault({ status: 403, times: 3, method: 'DELETE', pathIncludes: PHONE_IDS.mobile });
    for (let i = 0; i < 3; i += 1) {
      const reply = await client.call('DELETE', path);
      expect(reply.status).toBe(403);
      expect(errorOf(reply).code).toBe('accessDenied');
    }
    expect(sandbox.user(user)?.methods.some((m) => m.id === PHONE_IDS.mobile)).toBe(true);
    sandbox.injectFault({ status: 400, times: 1, method: 'DELETE' });
    expect(errorOf(await client.call('DELETE', path)).code).toBe('badRequest');
  });

  test('after: n lets n matching requests through before the fault applies', async () => {
    sandbox.injectFault({ status: 503, times: 1, method: 'GET', after: 2 });
    expect((await client.call('GET', userPath)).status).toBe(200);
    expect((await client.call('GET', userPath)).status).toBe(200);
    expect((await client.call('GET', userPath)).status).toBe(503);
    expect((await client.call('GET', userPath)).status).toBe(200);
  });

  test('faults apply after authentication: a bad token is still a 401 and does not use one up', async () => {
    sandbox.injectFault({ status: 503, times: 1 });
    expect((await client.call('GET', userPath, { token: 'bad' })).status).toBe(401);
    expect((await client.call('GET', userPath)).status).toBe(503);
  });

  test('applyFirst performs the write, keeps it, and still answers the fault', async () => {
    const user = U.noMethods.id;
    sandbox.injectFault({ status: 504, times: 1, method: 'POST', pathIncludes: 'phoneMethods', applyFirst: true });
    const reply = await client.call('POST', `/users/${user}/authentication/phoneMethods`, { body: { phoneNumber: '+44 7700900777', phoneType: 'mobile' } });
    expect(reply.status).toBe(504);
    expect(errorOf(reply).code).toBe('GatewayTimeout');
    expect(sandbox.user(user)?.methods).toEqual([expect.objectContaining({ id: PHONE_IDS.mobile, phoneNumber: '+44 7700900777' })]);
    const readBack = await client.call('GET', `/users/${user}/authentication/phoneMethods`);
    expect(valueOf(readBack)).toEqual([expect.objectContaining({ phoneNumber: '+44 7700900777', phoneType: 'mobile' })]);
    // The blind retry a client might make now meets Graph's rule.
    const retry = await client.call('POST', `/users/${user}/authentication/phoneMethods`, { body: { phoneNumber: '+44 7700900777', phoneType: 'mobile' } });
    expect(retry.status).toBe(400);
    expect(errorOf(retry).message).toBe('A phone method of type mobile already exists');
  });

  test('applyFirst on a write Graph refuses still answers the fault and changes nothing', async () => {
    sandbox.injectFault({ status: 500, times: 1, applyFirst: true });
    const reply = await client.call('DELETE', `/users/${U.authenticatorDefault.id}/authentication/phoneMethods/${PHONE_IDS.mobile}`);
    expect(reply.status).toBe(500);
    expect(sandbox.user(U.authenticatorDefault.id)?.methods).toHaveLength(3);
  });

  test('a fault must have a sensible count and wait', () => {
    expect(() => sandbox.injectFault({ status: 429, times: 0 })).toThrow(/times/);
    expect(() => sandbox.injectFault({ status: 429, times: 1.5 })).toThrow(/times/);
    expect(() => sandbox.injectFault({ status: 429, times: 1, retryAfterSeconds: -1 })).toThrow(/retryAfterSeconds/);
    expect(() => sandbox.injectFault({ status: 429, times: 1, after: -1 })).toThrow(/after/);
  });
});

describe('start and close', () => {
  test('close() ends keep-alive connections, so a client pool does not hold the process', async () => {
    const own = await startGraphSandbox({ seed: testSeed() });
    const ownClient = new SandboxClient(own);
    expect((await ownClient.call('GET', `/users/${U.onlyMobile.id}`)).status).toBe(200);
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(ownClient.call('GET', `/users/${U.onlyMobile.id}`)).rejects.toThrow();
    await own.close(); // idempotent
    await ownClient.close();
  });

  test('a given port is used; a port in use is an error', async () => {
    await expect(startGraphSandbox({ seed: testSeed(), port: sandbox.port })).rejects.toThrow(/EADDRINUSE/);
    const first = await startGraphSandbox({ seed: testSeed() });
    const port = first.port;
    await first.close();
    const second = await startGraphSandbox({ seed: testSeed(), port });
    try {
      expect(second.port).toBe(port);
      expect(second.origin).toBe(`https://127.0.0.1:${port}`);
    } finally {
      await second.close();
    }
  });

  test('an invalid seed is refused at start with the path of the problem', async () => {
    const seed = testSeed();
    seed.users[0].methods[0].phoneNumber = '07700 900111';
    await expect(startGraphSandbox({ seed })).rejects.toThrow('users[0].methods[0].phoneNumber');
  });

  test('each sandbox starts from its own copy of the seed', async () => {
    const seed = testSeed();
    const a = await startGraphSandbox({ seed });
    const b = await startGraphSandbox({ seed });
    const ca = new SandboxClient(a);
    try {
      expect((await ca.call('DELETE', `/users/${U.onlyMobile.id}/authentication/phoneMethods/${PHONE_IDS.mobile}`)).status).toBe(204);
      expect(a.user(U.onlyMobile.id)?.methods).toEqual([]);
      expect(b.user(U.onlyMobile.id)?.methods).toHaveLength(1);
      expect(seed.users[0].methods).toHaveLength(1);
    } finally {
      await ca.close();
      await a.close();
      await b.close();
    }
  });
});
