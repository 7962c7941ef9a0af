/**
 * The help portal: one static page with Web Chat, its assets, and the token endpoint the page
 * calls. The Direct Line secret stays on the server; the browser only ever gets a token bound
 * to a fresh `dl_` user id, so a visitor cannot talk to the bot as someone else.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type restify from 'restify';
import type { Localizer } from '../core/i18n';
import type { Log } from '../core/ports';
import { PageLanguages, renderPage, type PortalLanguage, type RetentionPeriods } from './page';

const gzip = promisify(gzipCallback);

export interface IssuedToken {
  token: string;
  conversationId?: string;
  /** Seconds until the token expires (Web Chat refreshes it before then). */
  expiresIn: number;
  /** Direct Line domain for Web Chat, only when it is not Microsoft's public service (local mode). */
  domain?: string;
}

export interface TokenSource {
  issue(userId: string): Promise<IssuedToken>;
  /**
   * Origins the browser talks to with these tokens (https and wss), for the page's
   * Content-Security-Policy. Absent: Microsoft's public Direct Line service.
   */
  readonly connectOrigins?: readonly string[];
}

export interface PortalDeps {
  /** Folder holding index.html, portal.css, portal.js and vendor/webchat.js. */
  publicDir: string;
  log: Log;
  /** Undefined when web chat is not configured: the page then explains that chat is unavailable. */
  tokens?: TokenSource;
  rateLimit: {
    /** Tokens one client address may get per minute. */
    perMinute: number;
    /**
     * Reverse proxies in front of the server that append to X-Forwarded-For (0: none, the
     * socket address is the client). Without a proxy the header is the client's own words.
     */
    trustedProxyHops?: number;
  };
  /**
   * Remembers which client address each issued user id belongs to, so the caps on new helpdesk
   * requests hold per client however often it rotates user and conversation ids. `address` is
   * clientKey()'s value (IPv6 /64 or IPv4); the store keeps only a digest of it.
   */
  clients?: { recordClientAddress(userId: string, address: string): Promise<void> };
  /** The bot's catalogs and language matching; the page is in the visitor's language. */
  localizer: Localizer;
  /** The registered languages (locales/index.ts), in the switcher's order. */
  languages: readonly PortalLanguage[];
  /** What the privacy note says is kept how long: the retention sweep's own settings. */
  retention: RetentionPeriods;
  /** Milliseconds clock for the rate limiter (tests step it). */
  now?: () => number;
}

export const DIRECT_LINE_PUBLIC_ORIGINS = ['https://directline.botframework.com', 'wss://directline.botframework.com'] as const;

const NONCE_PLACEHOLDER = '__CSP_NONCE__';
/**
 * The hash of an empty <style>. Web Chat 4.18 passes our nonce to its own emotion cache but not
 * to react-scroll-to-bottom's, which inserts an empty <style> and fills it through CSSOM
 * (insertRule, which CSP does not govern). Allowing only the empty element keeps injected CSS
 * text blocked while the transcript gets its scrolling styles.
 */
const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";
const USER_ID_PREFIX = 'dl_';

interface Asset {
  file: string;
  type: string;
  cacheControl: string;
  /** Text shown when the file is missing, e.g. the Web Chat bundle before `npm install`. */
  missing?: string;
}

const ASSETS: Record<string, Asset> = {
  '/portal.css': { file: 'portal.css', type: 'text/css; charset=utf-8', cacheControl: 'no-cache' },
  '/portal.js': { file: 'portal.js', type: 'text/javascript; charset=utf-8', cacheControl: 'no-cache' },
  '/vendor/webchat.js': {
    file: path.join('vendor', 'webchat.js'),
    type: 'text/javascript; charset=utf-8',
    // 3.9 MB: let browsers keep it for an hour, then revalidate by ETag.
    cacheControl: 'public, max-age=3600',
    missing: 'The Web Chat bundle is missing on this server (public/vendor/webchat.js). Run `npm install`, which fetches it, or `node scripts/fetch-webchat.mjs`.\n',
  },
};

export function registerPortal(server: restify.Server, deps: PortalDeps): void {
  const files = new FileCache(deps.publicDir);
  const limiter = new RateLimiter(deps.rateLimit.perMinute, deps.now ?? Date.now);
  const connectSrc = ["'self'", ...(deps.tokens?.connectOrigins ?? DIRECT_LINE_PUBLIC_ORIGINS)].join(' ');

  const pageLanguages = new PageLanguages(deps.localizer, deps.languages);

  server.get('/', async (req, res) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(res, connectSrc, nonce);
    const page = await files.get('index.html');
    if (!page) {
      sendText(res, 500, 'The help portal page is missing on this server (public/index.html).\n');
      return;
    }
    const language = pageLanguages.choose(langQuery(req.url), req.header('accept-language'));
    const filled = renderPage(deps.localizer, deps.languages, { template: page.body.toString('utf8'), language, retention: deps.retention });
    // The nonce lets Web Chat's own <style> elements through a CSP without 'unsafe-inline'.
    const html = filled.replaceAll(NONCE_PLACEHOLDER, nonce);
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // Without ?lang the page follows Accept-Language.
      Vary: 'Accept-Language',
      'Content-Length': Buffer.byteLength(html),
    });
    res.end(html);
  });

  for (const [route, asset] of Object.entries(ASSETS)) {
    server.get(route, async (req, res) => {
      securityHeaders(res, connectSrc);
      const file = await files.get(asset.file);
      if (!file) {
        sendText(res, asset.missing ? 503 : 404, asset.missing ?? 'Not found.\n');
        return;
      }
      const headers: Record<string, string | number> = {
        'Content-Type': asset.type,
        'Cache-Control': asset.cacheControl,
        ETag: file.etag,
        Vary: 'Accept-Encoding',
      };
      if (notModified(req, file.etag)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      const gzipped = acceptsGzip(req) ? await files.gzipped(file) : undefined;
      const body = gzipped ?? file.body;
      if (gzipped) headers['Content-Encoding'] = 'gzip';
      headers['Content-Length'] = body.length;
      res.writeHead(200, headers);
      res.end(body);
    });
  }

  server.post('/api/directline/token', async (req, res) => {
    securityHeaders(res, connectSrc);
    res.header('Cache-Control', 'no-store');
    const client = clientKey(req, deps.rateLimit.trustedProxyHops ?? 0);
    const verdict = limiter.take(client);
    if (!verdict.allowed) {
      res.header('Retry-After', String(verdict.retryAfterSeconds));
      deps.log.warn({ route: 'directline-token', status: 429 }, 'web chat token refused: rate limit');
      res.send(429, { error: { code: 'rate_limited', message: 'Too many chats were started from your network. Please try again in a minute.' } });
      return;
    }
    if (!deps.tokens) {
      res.send(503, { error: { code: 'chat_not_configured', message: 'The chat is not available on this server. Please contact your helpdesk directly.' } });
      return;
    }
    // The documented pattern: bind the token to a server-chosen `dl_` id, so the id Web Chat
    // sends cannot be forged to read or continue someone else's conversation state.
    const userId = USER_ID_PREFIX + randomBytes(16).toString('hex');
    try {
      // Before the token exists, so no activity of this user can arrive unattributed. If it cannot
      // be recorded the visitor still chats, counted in the shared "unknown" bucket.
      await deps.clients?.recordClientAddress(userId, client);
    } catch (error) {
      deps.log.warn({ route: 'directline-token', err: { name: (error as Error).name } }, 'could not record the client address of a web chat token');
    }
    try {
      const issued = await deps.tokens.issue(userId);
      res.send(200, {
        token: issued.token,
        conversationId: issued.conversationId,
        expiresIn: issued.expiresIn,
        ...(issued.domain ? { domain: issued.domain } : {}),
        userId,
      });
    } catch (error) {
      // The message of a TokenSource error is written to be safe to log (no secret).
      deps.log.error({ route: 'directline-token', err: { name: (error as Error).name, message: (error as Error).message } }, 'web chat token failed');
      res.send(503, { error: { code: 'chat_unavailable', message: 'The chat could not be started right now. Please try again in a few minutes.' } });
    }
  });
}

function securityHeaders(res: restify.Response, connectSrc: string, nonce?: string): void {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    nonce ? `style-src 'self' 'nonce-${nonce}' ${EMPTY_STYLE_HASH}` : "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' blob: data:",
    `connect-src ${connectSrc}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
  res.header('Content-Security-Policy', csp);
  // setHeader, not header: the bot's server already sets it on every response (src/server.ts),
  // and restify's header() would append a second value.
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.header('Referrer-Policy', 'no-referrer');
  res.header('X-Frame-Options', 'DENY');
  res.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  res.header('Cross-Origin-Opener-Policy', 'same-origin');
}

/** The `?lang=` a switcher link adds; page.ts ignores anything that is not a language tag. */
function langQuery(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://portal.invalid').searchParams.get('lang') ?? undefined;
  } catch {
    return undefined;
  }
}

function sendText(res: restify.Response, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** If-None-Match uses weak comparison: any listed tag (with or without W/) that matches. */
function notModified(req: restify.Request, etag: string): boolean {
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return (req.header('if-none-match') ?? '').split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

function acceptsGzip(req: restify.Request): boolean {
  return /\bgzip\b/.test(req.header('accept-encoding') ?? '');
}

interface CachedFile {
  body: Buffer;
  etag: string;
  stamp: string;
  gzip?: Promise<Buffer>;
}

/**
 * Reads files on demand and keeps them while their size and mtime are unchanged, so the bundle
 * fetched after the server started is served without a restart, and a gzip is made once.
 */
class FileCache {
  private readonly entries = new Map<string, CachedFile>();

  constructor(private readonly dir: string) {}

  async get(relative: string): Promise<CachedFile | undefined> {
    const full = path.join(this.dir, relative);
    let stat;
    try {
      stat = await fs.stat(full);
    } catch {
      this.entries.delete(relative);
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    const cached = this.entries.get(relative);
    if (cached?.stamp === stamp) return cached;
    const body = await fs.readFile(full);
    // Weak: the gzip and plain encodings of one file are the same content and share the tag.
    const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const entry: CachedFile = { body, etag, stamp };
    this.entries.set(relative, entry);
    return entry;
  }

  gzipped(file: CachedFile): Promise<Buffer> | undefined {
    if (file.body.length < 1024) return undefined;
    file.gzip ??= gzip(file.body);
    return file.gzip;
  }
}

/**
 * A token bucket per client: `perMinute` tokens, refilled evenly, so a burst of a full minute's
 * allowance is possible and then one token every 60/perMinute seconds.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {
    this.perMs = perMinute / 60_000;
  }

  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    if (this.buckets.size > 10_000) this.forgetFull(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /** A bucket that has refilled is the same as no bucket; dropping them bounds the memory. */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}

/**
 * The client's address as the rate-limit key. IPv6 clients usually hold a whole /64, so they
 * are counted per /64; IPv4-mapped addresses count as IPv4.
 */
export function clientKey(req: restify.Request, trustedProxyHops: number): string {
  let address = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxyHops > 0) {
    const forwarded = (req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    // Each trusted proxy appends the address it saw; anything further left is the client's claim.
    const hop = forwarded[forwarded.length - trustedProxyHops];
    if (hop) address = hop;
  }
  return addressKey(address);
}

export function addressKey(address: string): string {
  // Proxies write "1.2.3.4:5678" or "[2001:db8::1]:443"; the port is not part of the client.
  const ipv4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)(?::\d+)?$/i.exec(address);
  if (ipv4) return ipv4[1];
  const bare = address.replace(/^\[([^\]]*)\](?::\d+)?$/, '$1');
  if (!bare.includes(':')) return bare;
  const [head, tail = ''] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = bare.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
