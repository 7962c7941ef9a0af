/**
 * The help portal's routes over real HTTP on loopback: the token endpoint in front of a fake
 * Direct Line service that checks the secret, rate limiting, failures, and the static page
 * with its headers. The secret must never come back in any response.
 */
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import restify from 'restify';
import { DevDirectLineTokens } from '../../src/local/directLine/tokens';
import { DirectLineServiceTokens, DirectLineTokenError } from '../../src/portal/directLineTokens';
import { addressKey, registerPortal, type PortalDeps, type TokenSource } from '../../src/portal/portal';
import { LANGUAGES, CATALOGS } from '../../locales';
import { Localizer } from '../../src/core/i18n';
import { RecordingLog } from '../fakes/ports';

const SECRET = 'dl-secret-Zq8Xw3Kp0Lm7Vb2Nc5';
const PUBLIC_DIR = path.join(__dirname, '..', '..', 'public');

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** Everything any portal route answered, checked at the end for the secret. */
const seen: RawResponse[] = [];

function raw(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const response = { status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') };
        seen.push(response);
        resolve(response);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const json = (r: RawResponse) => JSON.parse(r.text) as Record<string, unknown>;

async function listen(server: http.Server | restify.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A Direct Line service stand-in: issues tokens only for the right secret and a user id. */
class FakeDirectLineService {
  mode: 'ok' | 'refuse' | 'error' | 'hang' | 'garbage' = 'ok';
  readonly requests: { authorization?: string; userId?: string }[] = [];
  // Not chained: restify patches http.ServerResponse so writeHead no longer returns `this`.
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v3/directline/tokens/generate') {
        res.writeHead(404);
        res.end();
        return;
      }
      const userId = (JSON.parse(body || '{}') as { user?: { id?: string } }).user?.id;
      this.requests.push({ authorization: req.headers.authorization, userId });
      if (this.mode === 'hang') return;
      if (this.mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>gateway</html>');
        return;
      }
      if (this.mode === 'error') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"ServiceError"}}');
        return;
      }
      if (this.mode === 'refuse' || req.headers.authorization !== `Bearer ${SECRET}`) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"BadArgument","message":"Invalid secret"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ conversationId: `conv-${this.requests.length}`, token: `tok-${this.requests.length}`, expires_in: 1800 }));
    });
  });
  url = '';

  async start(): Promise<void> {
    this.url = await listen(this.server);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Portal {
  url: string;
  log: RecordingLog;
  clock: { now: number };
  stop(): Promise<void>;
}

const portals: Portal[] = [];

async function startPortal(overrides: Partial<PortalDeps> = {}): Promise<Portal> {
  const server = restify.createServer({ handleUncaughtExceptions: false });
  const log = new RecordingLog();
  const clock = { now: 1_000_000 };
  registerPortal(server, {
    publicDir: PUBLIC_DIR,
    log,
    tokens: new DirectLineServiceTokens({ secret: SECRET, endpoint: directLine.url, timeoutMs: 300 }),
    rateLimit: { perMinute: 100 },
    localizer: new Localizer(CATALOGS, 'en'),
    languages: LANGUAGES,
    retention: { abandonedHours: 24, conversationDays: 30, auditDays: 365 },
    now: () => clock.now,
    ...overrides,
  });
  const url = await listen(server);
  const portal = {
    url,
    log,
    clock,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  portals.push(portal);
  return portal;
}

const postToken = (portal: Portal, headers: Record<string, string> = {}) =>
  raw(`${portal.url}/api/directline/token`, { method: 'POST', headers: { accept: 'application/json', ...headers } });

const directLine = new FakeDirectLineService();
let portal: Portal;

beforeAll(async () => {
  await directLine.start();
  portal = await startPortal();
});

beforeEach(() => {
  directLine.mode = 'ok';
});

afterAll(async () => {
  await Promise.all(portals.map((p) => p.stop()));
  await directLine.stop();
  // The one property everything else rests on: the secret stays on the server.
  expect(seen.length).toBeGreaterThan(20);
  for (const response of seen) {
    expect(response.text).not.toContain(SECRET);
    expect(JSON.stringify(response.headers)).not.toContain(SECRET);
  }
  for (const p of portals) expect(p.log.text()).not.toContain(SECRET);
});

describe('POST /api/directline/token', () => {
  test('exchanges the secret for a token bound to a fresh dl_ user id', async () => {
    const before = directLine.requests.length;
    const res = await postToken(portal);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = json(res);
    expect(body).toEqual({
      token: expect.stringMatching(/^tok-/),
      conversationId: expect.stringMatching(/^conv-/),
      expiresIn: 1800,
      // A loopback endpoint is not the public service, so Web Chat must be told where it is.
      domain: `${directLine.url}/v3/directline`,
      userId: expect.stringMatching(/^dl_[0-9a-f]{32}$/),
    });
    const call = directLine.requests[before];
    expect(call).toEqual({ authorization: `Bearer ${SECRET}`, userId: body.userId });
  });

  test('every visitor gets a different user id', async () => {
    const ids = new Set<unknown>();
    for (let i = 0; i < 5; i++) ids.add(json(await postToken(portal)).userId);
    expect(ids.size).toBe(5);
  });

  test('503 with a clear JSON error when Direct Line refuses the secret; the log names the cause, not the secret', async () => {
    directLine.mode = 'refuse';
    const res = await postToken(portal);
    expect(res.status).toBe(503);
    expect(json(res)).toEqual({ error: { code: 'chat_unavailable', message: expect.stringContaining('could not be started') } });
    expect(portal.log.text()).toContain('Direct Line answered 403 to the token request: the Direct Line secret was refused');
  });

  test.each([
    ['answers 500', 'error', 'Direct Line answered 500'],
    ['answers with HTML', 'garbage', 'something other than JSON'],
    ['does not answer in time', 'hang', 'did not answer within 300 ms'],
  ] as const)('503 when Direct Line %s', async (_label, mode, logged) => {
    directLine.mode = mode;
    const res = await postToken(portal);
    expect(res.status).toBe(503);
    expect((json(res).error as { code: string }).code).toBe('chat_unavailable');
    expect(portal.log.text()).toContain(logged);
  });

  test('503 when Direct Line cannot be reached at all', async () => {
    const closed = http.createServer();
    const deadUrl = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const p = await startPortal({ tokens: new DirectLineServiceTokens({ secret: SECRET, endpoint: deadUrl }) });
    const res = await postToken(p);
    expect(res.status).toBe(503);
    expect(p.log.text()).toContain('Direct Line could not be reached');
  });

  test('503 chat_not_configured when no token source is configured', async () => {
    const p = await startPortal({ tokens: undefined });
    const res = await postToken(p);
    expect(res.status).toBe(503);
    expect(json(res)).toEqual({ error: { code: 'chat_not_configured', message: expect.stringContaining('not available') } });
  });

  test('a failing token source of any kind is a 503, not a 500', async () => {
    const failing: TokenSource = { issue: () => Promise.reject(new TypeError('boom')) };
    const p = await startPortal({ tokens: failing });
    expect((await postToken(p)).status).toBe(503);
  });

  test('GET is not a way to get a token', async () => {
    const res = await raw(`${portal.url}/api/directline/token`);
    expect(res.status).toBe(405);
  });
});

describe('rate limiting per client address', () => {
  test('429 with Retry-After after perMinute tokens, then one more as the bucket refills', async () => {
    const p = await startPortal({ rateLimit: { perMinute: 3 } });
    for (let i = 0; i < 3; i++) expect((await postToken(p)).status).toBe(200);
    const refused = await postToken(p);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('20');
    expect(json(refused)).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('try again') } });
    // Refused requests never reach Direct Line.
    const calls = directLine.requests.length;
    expect((await postToken(p)).status).toBe(429);
    expect(directLine.requests.length).toBe(calls);

    p.clock.now += 20_000;
    expect((await postToken(p)).status).toBe(200);
    expect((await postToken(p)).status).toBe(429);
  });

  test('behind a trusted proxy, each forwarded client has its own allowance', async () => {
    const p = await startPortal({ rateLimit: { perMinute: 1, trustedProxyHops: 1 } });
    const from = (ip: string) => postToken(p, { 'x-forwarded-for': `203.0.113.50, ${ip}` });
    expect((await from('198.51.100.7:51234')).status).toBe(200);
    expect((await from('198.51.100.7:60000')).status).toBe(429);
    expect((await from('198.51.100.8')).status).toBe(200);
    // The same IPv6 /64 is one client.
    expect((await from('[2001:db8:1:2::10]:443')).status).toBe(200);
    expect((await from('2001:db8:1:2:aaaa::20')).status).toBe(429);
  });

  test('without a trusted proxy, X-Forwarded-For is ignored (a client cannot rename itself)', async () => {
    const p = await startPortal({ rateLimit: { perMinute: 1 } });
    expect((await postToken(p, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    expect((await postToken(p, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(429);
  });

  test.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['10.1.2.3:8080', '10.1.2.3'],
    ['::1', '0:0:0:0::/64'],
    ['2001:DB8:0001:0002:3:4:5:6', '2001:db8:1:2::/64'],
    ['[2001:db8::1]:443', '2001:db8:0:0::/64'],
  ])('client key of %s is %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('token sources', () => {
  test('the service source refuses to send a secret over plain http off this machine', () => {
    expect(() => new DirectLineServiceTokens({ secret: SECRET, endpoint: 'http://directline.example.com' })).toThrow(DirectLineTokenError);
    expect(() => new DirectLineServiceTokens({ secret: '' })).toThrow('secret is empty');
  });

  test('the public service needs no domain; its https and wss origins go into the CSP', async () => {
    let seenUrl = '';
    const source = new DirectLineServiceTokens({
      secret: SECRET,
      fetch: (async (url: string) => {
        seenUrl = url;
        return new Response(JSON.stringify({ token: 't', conversationId: 'c', expires_in: 3600 }), { status: 200 });
      }) as typeof fetch,
    });
    expect(await source.issue('dl_x')).toEqual({ token: 't', conversationId: 'c', expiresIn: 3600 });
    expect(seenUrl).toBe('https://directline.botframework.com/v3/directline/tokens/generate');
    expect(source.connectOrigins).toEqual(['https://directline.botframework.com', 'wss://directline.botframework.com']);
  });

  test('errors carry the status and never the secret', async () => {
    const source = new DirectLineServiceTokens({
      secret: SECRET,
      fetch: (async () => new Response(`{"echo":"${SECRET}"}`, { status: 401 })) as typeof fetch,
    });
    const error = (await source.issue('dl_x').catch((e: unknown) => e)) as DirectLineTokenError;
    expect(error).toBeInstanceOf(DirectLineTokenError);
    expect(error.status).toBe(401);
    expect(`${error.message} ${error.stack ?? ''}`).not.toContain(SECRET);
  });

  test('the dev source returns the local domain and allows its http and ws origins', async () => {
    const calls: string[] = [];
    const dev = new DevDirectLineTokens({
      url: 'http://127.0.0.1:41234',
      generateToken: (userId) => {
        calls.push(userId);
        return { token: 'dev-token', conversationId: 'dev-conv', expires_in: 1800 };
      },
    });
    expect(await dev.issue('dl_abc')).toEqual({ token: 'dev-token', conversationId: 'dev-conv', expiresIn: 1800, domain: 'http://127.0.0.1:41234/v3/directline' });
    expect(calls).toEqual(['dl_abc']);
    expect(dev.connectOrigins).toEqual(['http://127.0.0.1:41234', 'ws://127.0.0.1:41234']);
  });
});

describe('the page and its assets', () => {
  const expectSecurityHeaders = (res: RawResponse) => {
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain(`connect-src 'self' ${directLine.url} ${directLine.url.replace('http:', 'ws:')};`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    return csp;
  };

  test('GET / is the portal page with a fresh style nonce and no caching', async () => {
    const first = await raw(`${portal.url}/`);
    const second = await raw(`${portal.url}/`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-store');
    const csp = expectSecurityHeaders(first);
    const nonce = /style-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(first.text).toContain(`<script src="/portal.js" nonce="${nonce}" defer></script>`);
    expect(second.headers['content-security-policy']).not.toBe(first.headers['content-security-policy']);
    expect(first.text).not.toContain('__CSP_NONCE__');
    // What the page must carry: language, title, the one heading, the alert region, the privacy note.
    expect(first.text).toContain('<html lang="en">');
    expect(first.text).toMatch(/<h1>Can't get your sign-in codes\?<\/h1>/);
    expect(first.text).toContain('role="alert"');
    expect(first.text).toContain('<script src="/vendor/webchat.js" defer></script>');
    expect(first.text).toMatch(/Never type a password, a verification code or a recovery code/);
    expect(first.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
  });

  test.each([
    ['/portal.css', 'text/css; charset=utf-8'],
    ['/portal.js', 'text/javascript; charset=utf-8'],
  ])('GET %s is served with an ETag and answers 304 when unchanged', async (route, type) => {
    const res = await raw(`${portal.url}${route}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['cache-control']).toBe('no-cache');
    expectSecurityHeaders(res);
    const etag = String(res.headers.etag);
    expect(etag).toMatch(/^W\/"[\w-]+"$/);
    const again = await raw(`${portal.url}${route}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  test('portal.js never holds a URL off this server', async () => {
    const res = await raw(`${portal.url}/portal.js`);
    expect(res.text).not.toMatch(/https?:\/\//);
    expect(res.text).toContain("'/api/directline/token'");
  });

  describe('the Web Chat bundle', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'portal-public-'));
      for (const file of ['index.html', 'portal.css', 'portal.js']) copyFileSync(path.join(PUBLIC_DIR, file), path.join(dir, file));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('missing bundle: 503 that says to run npm install; served as soon as it appears', async () => {
      const p = await startPortal({ publicDir: dir });
      const missing = await raw(`${p.url}/vendor/webchat.js`);
      expect(missing.status).toBe(503);
      expect(missing.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(missing.text).toContain('npm install');

      const bundle = `/* fake web chat */ window.WebChat = {};\n${'// padding\n'.repeat(500)}`;
      mkdirSync(path.join(dir, 'vendor'));
      writeFileSync(path.join(dir, 'vendor', 'webchat.js'), bundle);
      const plain = await raw(`${p.url}/vendor/webchat.js`);
      expect(plain.status).toBe(200);
      expect(plain.text).toBe(bundle);
      expect(plain.headers['cache-control']).toBe('public, max-age=3600');
      expect(plain.headers['content-encoding']).toBeUndefined();

      const zipped = await raw(`${p.url}/vendor/webchat.js`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers.vary).toBe('Accept-Encoding');
      expect(zipped.body.length).toBeLessThan(bundle.length / 4);
      expect(gunzipSync(zipped.body).toString()).toBe(bundle);
      expect(zipped.headers.etag).toBe(plain.headers.etag);
    });
  });

  test('unknown paths under the portal are 404, and the public folder is not browsable', async () => {
    expect((await raw(`${portal.url}/index.html`)).status).toBe(404);
    expect((await raw(`${portal.url}/vendor/`)).status).toBe(404);
    expect((await raw(`${portal.url}/vendor/../portal.js`)).status).not.toBe(500);
  });
  describe('the page in the visitor’s language', () => {
    const registered = new Set(LANGUAGES.map((l) => l.tag));
    const page = (query = '', acceptLanguage?: string) => raw(`${portal.url}/${query}`, { headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage } });
    const shown = (res: RawResponse) => ({
      lang: /<html lang="([^"]*)">/.exec(res.text)?.[1],
      locale: /data-locale="([^"]*)"/.exec(res.text)?.[1],
    });
    const webChatOf = (tag: string) => LANGUAGES.find((l) => l.tag === tag)!.webChat;

    // [Accept-Language, page language, Web Chat locale]; rows for languages not registered yet are left out.
    const table: [string, string, string][] = [
      ['', 'en', webChatOf('en')],
      ['en-GB', 'en', 'en-GB'],
      ['en', 'en', webChatOf('en')],
      ['es-MX', 'es', 'es-MX'],
      ['es', 'es', webChatOf('es')],
      ['es-419;q=0.8, en;q=0.9', 'en', webChatOf('en')],
      ['en;q=0.1, es;q=0.9', 'es', webChatOf('es')],
      ['xx-YY, es;q=0.5', 'es', webChatOf('es')],
      ['es;q=0, en-AU;q=0.5', 'en', 'en-AU'],
      ['xx, zz-ZZ', 'en', webChatOf('en')],
      ['*', 'en', webChatOf('en')],
      ['pt-PT', 'pt-BR', 'pt-PT'],
      ['pt', 'pt-BR', 'pt-BR'],
      ['fr-CA,fr;q=0.9', 'fr', 'fr-CA'],
      ['de-AT', 'de', 'de-AT'],
      ['ja', 'ja', 'ja-JP'],
    ];
    test.each(table.filter(([, lang]) => registered.has(lang)))('Accept-Language %j: the page in %s, Web Chat in %s', async (header, lang, locale) => {
      const res = await page('', header);
      expect(res.status).toBe(200);
      expect(shown(res)).toEqual({ lang, locale });
    });

    test('?lang= wins over Accept-Language; the browser’s region is kept only when it speaks that language', async () => {
      for (const language of LANGUAGES) {
        const other = LANGUAGES.find((l) => l.tag !== language.tag)!;
        expect(shown(await page(`?lang=${language.tag}`, other.webChat))).toEqual({ lang: language.tag, locale: language.webChat });
      }
      expect(shown(await page('?lang=es', 'es-MX, en;q=0.5'))).toEqual({ lang: 'es', locale: 'es-MX' });
      expect(shown(await page('?lang=ES', 'en'))).toEqual({ lang: 'es', locale: webChatOf('es') });
    });

    test('the page varies by Accept-Language and is not cached', async () => {
      const res = await page('', 'es');
      expect(res.headers.vary).toBe('Accept-Language');
      expect(res.headers['cache-control']).toBe('no-store');
    });

    test.each([['?lang=xx'], ['?lang='], ['?lang=%22%3E%3Cscript%3Ealert(1)%3C/script%3E'], ['?lang="><script>'], ['?lang=en&lang=es'], ['?lang=' + 'a'.repeat(300)]])(
      'an unknown or hostile %s is ignored: Accept-Language decides, nothing of it is echoed',
      async (query) => {
        const res = await page(query, 'es-MX');
        expect(res.status).toBe(200);
        expect(shown(res).lang).toBe(query === '?lang=en&lang=es' ? 'en' : 'es');
        expect(res.text).not.toContain('<script>alert');
        expect(res.text).not.toContain('"><script>');
        expect(res.text).not.toContain('a'.repeat(300));
      },
    );

    test('CSP and its nonce are the same in every language', async () => {
      const cspShape = (res: RawResponse) => String(res.headers['content-security-policy']).replace(/'nonce-[^']+'/, "'nonce-N'");
      const shapes = new Set<string>();
      for (const language of LANGUAGES) {
        const res = await page(`?lang=${language.tag}`);
        shapes.add(cspShape(res));
        const nonce = /'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1];
        expect(res.text).toContain(`<script src="/portal.js" nonce="${nonce}" defer></script>`);
        expect(res.text).not.toMatch(/\{\{|__CSP_NONCE__/);
        // The texts portal.js shows: JSON the browser does not execute, in the page's language.
        const strings = JSON.parse(/<script type="application\/json" id="portal-strings">([^<]*)<\/script>/.exec(res.text)![1]!) as Record<string, string>;
        expect(strings['errors.rateLimited']).toBe((language.catalog as unknown as { portal: { errors: { rateLimited: string } } }).portal.errors.rateLimited);
      }
      expect([...shapes]).toEqual([cspShape(await page())]);
      expect([...shapes][0]).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-N' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob: data:; " +
          `connect-src 'self' ${directLine.url} ${directLine.url.replace('http:', 'ws:')}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'`,
      );
    });

    test('the language switcher: every language, named in its own language, the current one marked', async () => {
      const res = await page('?lang=es');
      const links = [...res.text.matchAll(/<a href="\?lang=([^"]+)" lang="([^"]+)" hreflang="([^"]+)"( aria-current="page")?>([^<]+)<\/a>/g)];
      expect(links.map((m) => [m[1], m[2], m[3], Boolean(m[4]), m[5]])).toEqual(
        LANGUAGES.map((l) => [l.tag, l.tag, l.tag, l.tag === 'es', (l.catalog as unknown as { portal: { languageName: string } }).portal.languageName]),
      );
    });
  });
});
