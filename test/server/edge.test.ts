/**
 * The HTTP edge under hostile input (issue 10): compressed bodies, non-JSON bodies, forged
 * tokens, unknown invokes and foreign serviceUrls. Nothing a request sends may stop the
 * server, leak internals or make the bot post anywhere but loopback in local mode.
 */
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import en from '../../locales/en.json';
import { createServer, TurnGate } from '../../src/server';
import { RecordingLog } from '../fakes/ports';
import { HttpConversation, readable, startBot, type RunningBot } from '../helpers/botServer';

let bot: RunningBot;
beforeAll(async () => {
  bot = await startBot();
});
afterAll(async () => {
  await bot.stop();
});

const json = { 'content-type': 'application/json' };
const activity = (id: string, fields: Record<string, unknown> = {}) => new HttpConversation(bot.url, id).activity({ text: 'hi', ...fields });
const healthy = async () => expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);

/** About 200 KB of gzip that inflates to 200 MB of zeros, made without holding 200 MB. */
async function gzipBomb(megabytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < megabytes; i += 1) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(chunks);
}

describe('Content-Encoding: refused on every route before anything reads the body', () => {
  test('the curl from the issue (gzip header, plain body) is a 415 and the process keeps serving', async () => {
    const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: '{}' });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: 'UnsupportedContentEncoding', message: expect.any(String) } });
    await healthy();
  });

  test('a real gzip activity is a 415, not a turn', async () => {
    const res = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { ...json, 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(activity('gzip-real'))),
    });
    expect(res.status).toBe(415);
    await healthy();
  });

  test('a gzip bomb is a 415 at once, and the server never inflates it', async () => {
    const bomb = await gzipBomb(200);
    expect(bomb.length).toBeLessThan(256 * 1024);
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: bomb })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(415));
    expect(Date.now() - started).toBeLessThan(2000);
    // The same process: six inflated bombs would be 1.2 GB.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    await healthy();
  });

  test.each([
    ['POST', '/api/directline/token'],
    ['GET', '/healthz'],
    ['GET', '/portal.css'],
    ['GET', '/'],
    ['POST', '/api/messages'],
  ])('%s %s with Content-Encoding deflate or br is a 415; identity is fine', async (method, route) => {
    for (const encoding of ['deflate', 'br', 'gzip, identity']) {
      const res = await fetch(`${bot.url}${route}`, { method, headers: { 'content-encoding': encoding, ...(method === 'POST' ? json : {}) }, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.status).toBe(415);
    }
    const plain = await fetch(`${bot.url}/healthz`, { headers: { 'content-encoding': 'identity' } });
    expect(plain.status).toBe(200);
  });
});

describe('/api/messages takes JSON only', () => {
  test('a form-encoded activity (any web page can post one without a preflight) is a 415, not a turn', async () => {
    const form = new URLSearchParams({
      type: 'message', text: 'hi', channelId: 'webchat', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:9',
      'conversation[id]': 'form-post', 'from[id]': 'form-user', 'recipient[id]': 'bot',
    });
    for (const route of ['/api/messages', '/api/messages/', '/API/Messages']) {
      const res = await fetch(`${bot.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UnsupportedMediaType');
    }
  });

  test.each([
    ['text/plain', 'text/plain'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['a JSON look-alike', 'application/json-patch+json'],
    ['another charset', 'application/json; charset=utf-16'],
  ])('%s is a 415', async (_name, type) => {
    const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(activity('ct')) });
    expect(res.status).toBe(415);
  });

  test('no Content-Type at all is a 415', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${bot.url}/api/messages`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(activity('no-ct')));
    });
    expect(status).toBe(415);
  });

  test('application/json with charset=utf-8 is accepted', async () => {
    const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'Application/JSON; charset="UTF-8"' }, body: JSON.stringify(activity('ct-ok')) });
    expect(res.status).toBe(200);
  });
});

describe('X-Content-Type-Options: nosniff on every answer', () => {
  test.each([
    ['GET', '/healthz', undefined, 200],
    ['GET', '/readyz', undefined, 200],
    ['GET', '/', undefined, 200],
    ['GET', '/portal.js', undefined, 200],
    ['GET', '/no-such-page', undefined, 404],
    ['POST', '/api/directline/token', undefined, 200],
    ['POST', '/api/messages', '{"type":', 400],
    ['POST', '/api/messages', 'x'.repeat(300 * 1024), 413],
    ['GET', '/api/messages', undefined, 405],
  ])('%s %s', async (method, route, body, status) => {
    const res = await fetch(`${bot.url}${route}`, { method, headers: json, body });
    expect(res.status).toBe(status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('a turn and a 415', async () => {
    const turn = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: json, body: JSON.stringify(activity('nosniff')) });
    expect(turn.status).toBe(200);
    expect(turn.headers.get('x-content-type-options')).toBe('nosniff');
    const refused = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

test('a request Node\'s HTTP parser refuses (unknown method) is answered with nosniff too (found by the fuzz test)', async () => {
  const { port } = new URL(bot.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('FOO /nope HTTP/1.1\r\nHost: x\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  expect(raw.toLowerCase()).toContain('x-content-type-options: nosniff');
  expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
});

describe('invokes the bot does not handle', () => {
  test.each([
    ['an unknown name', 'foo/bar'],
    ['no name', undefined],
    ['a sign-in invoke', 'signin/verifyState'],
  ])('%s: a 400 invoke response that says so, never a 5xx', async (_name, name) => {
    const body = { ...activity('invoke-unknown'), type: 'invoke', name, deliveryMode: undefined, text: undefined, value: {} };
    const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: json, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('InvokeNotSupported');
    if (name) expect(answer.error.message).toContain(name);
    await healthy();
  });
});

describe('serviceUrl in local mode', () => {
  test.each([
    ['a public host, with a path and query', 'https://attacker.example/steal?x=1'],
    ['a private address', 'http://10.0.0.5:3978/'],
    ['a loopback look-alike', 'http://127.0.0.1.attacker.example/'],
    ['not http', 'file:///etc/passwd'],
    ['not a URL', 'nonsense'],
  ])('%s is a 400 before the adapter runs', async (_name, serviceUrl) => {
    for (const deliveryMode of [undefined, 'expectReplies']) {
      const started = Date.now();
      const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: json, body: JSON.stringify(activity('foreign-service-url', { serviceUrl, deliveryMode })) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/serviceUrl/);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  test('a missing serviceUrl is a 400 at once, unless the turn is answered in the response (expectReplies)', async () => {
    const started = Date.now();
    const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: json, body: JSON.stringify(activity('no-service-url', { serviceUrl: undefined, deliveryMode: undefined })) });
    expect(res.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(1000);
    const c = new HttpConversation(bot.url, 'no-service-url-expect', 'webchat', { serviceUrl: undefined });
    expect(readable(await c.say('hi'))).toContain(en.account.ask.slice(0, 30));
  });

  test.each(['http://localhost:9/', 'http://[::1]:9/', 'https://127.0.0.2:9/x'])('%s is loopback and accepted', async (serviceUrl) => {
    const c = new HttpConversation(bot.url, `loopback-${serviceUrl}`, 'webchat', { serviceUrl });
    expect(readable(await c.say('hi'))).toContain(en.account.ask.slice(0, 30));
  });
});

// ---- authentication -------------------------------------------------------------------------

const APP_ID = '00000000-0000-0000-0000-000000000001';
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(header: object, claims: object, key?: KeyObject): string {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  if (!key) return `${unsigned}.`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key, 'base64url')}`;
}

function channelClaims(serviceUrl: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 600, ...overrides };
}

const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
const unpublished = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'published-key';

/** Every kind of forged or broken token, each as its Authorization header. */
function forgeries(serviceUrl: string): [string, string | undefined][] {
  const claims = channelClaims(serviceUrl);
  const hour = 3600;
  return [
    ['missing', undefined],
    ['garbage', 'Bearer junk'],
    ['not even bearer', 'Basic dXNlcjpwYXNz'],
    ['alg none', `Bearer ${jwt({ alg: 'none', typ: 'JWT', kid: KID }, claims)}`],
    ['signed with a key the channel never published', `Bearer ${jwt({ alg: 'RS256', typ: 'JWT', kid: 'attacker-key' }, claims, unpublished.privateKey)}`],
    ['the published key id, signed with another key', `Bearer ${jwt({ alg: 'RS256', typ: 'JWT', kid: KID }, claims, unpublished.privateKey)}`],
    ['a tampered payload (bad signature)', `Bearer ${jwt({ alg: 'RS256', typ: 'JWT', kid: KID }, claims, published.privateKey).replace(/^([^.]+)\.[^.]+/, `$1.${b64({ ...claims, aud: 'someone-else' })}`)}`],
    ['expired', `Bearer ${jwt({ alg: 'RS256', typ: 'JWT', kid: KID }, channelClaims(serviceUrl, { exp: Math.floor(Date.now() / 1000) - hour, nbf: Math.floor(Date.now() / 1000) - 2 * hour }), published.privateKey)}`],
  ];
}

/** What no 401 body or log line may contain. */
const INTERNALS = /login\.botframework|openid|getaddrinfo|ENOTFOUND|https?:\/\/|\n\s+at |Available keys|BEGIN PUBLIC KEY/i;

/**
 * botframework-connector prints to the console while checking tokens; nothing of it may come
 * out. Watched from the start of the file, beneath anything the server installs on the console.
 */
let printed: unknown[][] = [];
const originals = { error: console.error, warn: console.warn, log: console.log };
for (const name of ['error', 'warn', 'log'] as const) {
  console[name] = (...args: unknown[]) => {
    printed.push(args);
    originals[name](...args);
  };
}
afterAll(() => Object.assign(console, originals));

describe('authentication failures are a plain 401 and one log line', () => {

  async function expectPlain401(url: string, logs: () => string[], serviceUrl: string) {
    for (const [name, authorization] of forgeries(serviceUrl)) {
      const before = logs().length;
      printed = [];
      const started = Date.now();
      const body = JSON.stringify({ ...new HttpConversation(url, `forged-${randomUUID()}`).activity({ text: 'hi' }), serviceUrl });
      const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { ...json, ...(authorization ? { authorization } : {}) }, body });
      const text = await res.text();
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
      expect(JSON.parse(text)).toEqual({ error: { code: 'Unauthorized', message: 'The request is not authenticated.' } });
      expect(Date.now() - started).toBeLessThan(5000);
      const added = logs().slice(before).filter((l) => !/"msg":"(turn|request)"|"level":20/.test(l));
      expect({ name, added: added.length }).toEqual({ name, added: 1 });
      expect(added[0]).toMatch(/authentication failed/);
      expect(added[0]).not.toMatch(INTERNALS);
      expect({ name, printed }).toEqual({ name, printed: [] });
    }
  }

  test('the app as configured (offline: the OpenID metadata cannot be fetched)', async () => {
    const secured = await startBot({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', GRAPH_USE_MANAGED_IDENTITY: 'true', SHUTDOWN_DRAIN_SECONDS: '0' });
    try {
      await expectPlain401(secured.url, () => secured.logs, 'http://127.0.0.1:9/');
      expect(secured.logs.join('')).not.toContain('not-a-real-secret');
      expect((await fetch(`${secured.url}/healthz`)).status).toBe(200);
    } finally {
      await secured.stop();
    }
  }, 60_000);

  test('an OpenID endpoint that never answers: a 401 once the bound on checking a token runs out', async () => {
    const silent = http.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const metadata = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/openid`;
    const auth = new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppType: 'MultiTenant',
      ToBotFromChannelOpenIdMetadataUrl: metadata,
      ToBotFromEmulatorOpenIdMetadataUrl: metadata,
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
    } as ConfigurationBotFrameworkAuthenticationOptions);
    const log = new RecordingLog();
    const server = createServer({ adapter: new CloudAdapter(auth), auth, localMode: false, logic: async () => undefined, log, ready: () => true, gate: new TurnGate(), maxBodyBytes: 64 * 1024, authTimeoutMs: 300 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const serviceUrl = 'https://smba.trafficmanager.net/emea/';
      const token = jwt({ alg: 'RS256', typ: 'JWT', kid: KID }, channelClaims(serviceUrl), published.privateKey);
      const started = Date.now();
      const res = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...new HttpConversation(url, 'silent-metadata').activity({ text: 'hi' }), serviceUrl }),
      });
      expect(res.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(log.lines.filter((l) => l.level === 'warn')).toEqual([{ level: 'warn', obj: { status: 401, reason: 'timeout' }, msg: 'request refused: authentication failed' }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('against published signing keys (a loopback OpenID endpoint): forgeries are 401, a genuine token runs the turn', async () => {
    const jwk = published.publicKey.export({ format: 'jwk' });
    const keys = http.createServer((req, res) => {
      const origin = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/openid') res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${origin}/keys` }));
      else res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: KID, n: jwk.n, e: jwk.e }] }));
    });
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    const auth = new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppType: 'MultiTenant',
      // Setting one endpoint means setting them all (botframework-connector's factory): the public cloud's values.
      ToBotFromChannelOpenIdMetadataUrl: `http://127.0.0.1:${(keys.address() as AddressInfo).port}/openid`,
      ToBotFromEmulatorOpenIdMetadataUrl: `http://127.0.0.1:${(keys.address() as AddressInfo).port}/openid`,
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      OAuthUrl: 'https://api.botframework.com',
      CallerId: 'urn:botframework:azure',
      ValidateAuthority: true,
    } as ConfigurationBotFrameworkAuthenticationOptions);
    const log = new RecordingLog();
    let turns = 0;
    const server = createServer({
      adapter: new CloudAdapter(auth),
      auth,
      localMode: false,
      logic: async () => void (turns += 1),
      log,
      ready: () => true,
      gate: new TurnGate(),
      maxBodyBytes: 64 * 1024,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expectPlain401(url, () => log.lines.map((l) => JSON.stringify({ msg: l.msg, ...l.obj, level: l.level === 'debug' ? 20 : 40 })), 'https://smba.trafficmanager.net/emea/');
      expect(turns).toBe(0);
      // The control: a token signed with the published key is accepted.
      const serviceUrl = 'https://smba.trafficmanager.net/emea/';
      const genuine = jwt({ alg: 'RS256', typ: 'JWT', kid: KID }, channelClaims(serviceUrl), published.privateKey);
      const body = JSON.stringify({ ...new HttpConversation(url, 'genuine').activity({ text: 'hi' }), serviceUrl, channelId: 'msteams' });
      const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { ...json, authorization: `Bearer ${genuine}` }, body });
      expect(res.status).toBe(200);
      expect(turns).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      keys.closeAllConnections();
      await new Promise<void>((resolve) => keys.close(() => resolve()));
    }
  }, 60_000);
});

describe('/api/messages reads its own body and writes its own answers, as restify did', () => {
  /** One raw request on a socket; resolves with the response head and body once complete. */
  function exchange(socket: net.Socket, request: string): Promise<{ head: string; body: string }> {
    return new Promise((resolve, reject) => {
      let data = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = data.subarray(0, end).toString();
        const length = /content-length: (\d+)/i.exec(head);
        const body = data.subarray(end + 4);
        if (length && body.length >= Number(length[1])) {
          socket.off('data', onData);
          resolve({ head, body: body.toString() });
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(request);
    });
  }
  const connect = (port = Number(new URL(bot.url).port)) => new Promise<net.Socket>((resolve) => { const s = net.connect(port, '127.0.0.1', () => resolve(s)); });

  test('a body over the limit: 413 PayloadTooLarge, and the connection stays usable', async () => {
    const socket = await connect();
    try {
      const big = 'x'.repeat(300 * 1024);
      const refused = await exchange(socket, `POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`);
      expect(refused.head).toMatch(/^HTTP\/1\.1 413 /);
      expect(refused.head).toMatch(/\r\nConnection: keep-alive\r\n/);
      expect(JSON.parse(refused.body)).toEqual({ code: 'PayloadTooLarge', message: 'Request body size exceeds 262144' });
      const next = await exchange(socket, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(next.head).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      socket.destroy();
    }
  });

  test('invalid JSON: 400 InvalidContent with the parser\'s message', async () => {
    const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: json, body: '{"type":' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ code: 'InvalidContent', message: 'Invalid JSON: Unexpected end of JSON input' });
  });

  test('an upload aborted mid-body starts no turn and leaves the gate at zero', async () => {
    const gate = new TurnGate();
    let turns = 0;
    const server = createServer({ adapter: new CloudAdapter(), auth: new ConfigurationBotFrameworkAuthentication({}), localMode: true, logic: async () => void (turns += 1), log: new RecordingLog(), ready: () => true, gate, maxBodyBytes: 64 * 1024 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const socket = await connect(port);
      socket.write('POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":"message",');
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(gate.inFlight).toBe(0);
      expect(turns).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('response headers: a turn, a refusal and an empty 200 carry what res.send gave them', async () => {
    const socket = await connect();
    try {
      const body = JSON.stringify(activity('headers'));
      const turn = await exchange(socket, `POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Correlation-Id: hdr-1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const names = (head: string) => head.split('\r\n').slice(1).map((line) => line.slice(0, line.indexOf(':')));
      expect(turn.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(names(turn.head)).toEqual(['Server', 'X-Content-Type-Options', 'x-correlation-id', 'Content-Type', 'Content-Length', 'Date', 'Connection', 'Keep-Alive']);
      expect(turn.head).toContain('\r\nX-Content-Type-Options: nosniff\r\n');
      expect(turn.head).toContain('\r\nx-correlation-id: hdr-1\r\n');
      expect(turn.head).toContain('\r\nContent-Type: application/json\r\n');
      expect(turn.head).toContain(`\r\nContent-Length: ${Buffer.byteLength(turn.body)}\r\n`);
      expect(JSON.parse(turn.body)).toMatchObject({ activities: expect.any(Array) });
      const bad = await exchange(socket, 'POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]');
      expect(bad.head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(names(bad.head)).toEqual(['Server', 'X-Content-Type-Options', 'x-correlation-id', 'Content-Type', 'Content-Length', 'Date', 'Connection', 'Keep-Alive']);
    } finally {
      socket.destroy();
    }
    // No body (a typing activity, no expectReplies): res.send(200) wrote no Content-Length, so Node sent it chunked.
    const empty = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: json, body: JSON.stringify(activity('headers-empty', { type: 'typing', text: undefined, deliveryMode: undefined })) });
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toBeNull();
    expect(empty.headers.get('content-length')).toBeNull();
    expect(empty.headers.get('transfer-encoding')).toBe('chunked');
    expect(empty.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await empty.text()).toBe('');
  });
});
