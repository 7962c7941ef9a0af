import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import restify from 'restify';
import type { Activity, CloudAdapter, InvokeResponse, TurnContext } from 'botbuilder';
import { checkActivity } from './activityGuard';
import type { Log } from './core/ports';
import { quietConsole } from './quietConsole';
import { conversationHash, withLogContext } from './logContext';

export const CORRELATION_ID = Symbol('correlationId');

export interface ServerDeps {
  adapter: CloudAdapter;
  /** The adapter's own authentication: the server checks the token itself, so a failure is a plain 401. */
  auth: BotFrameworkAuthentication;
  /** Local mode: `serviceUrl` must be a loopback address (src/activityGuard.ts). */
  localMode: boolean;
  logic: (context: TurnContext) => Promise<void>;
  log: Log;
  /** Readiness of what the server depends on (the state store); draining is the gate's business. */
  ready: () => boolean | Promise<boolean>;
  gate: TurnGate;
  maxBodyBytes: number;
  /** Bound on checking a token (the OpenID metadata fetch can hang); past it the request is a 401. */
  authTimeoutMs?: number;
}

/** botframework-connector's types, through botbuilder (which does not re-export them). */
type BotFrameworkAuthentication = NonNullable<ConstructorParameters<typeof CloudAdapter>[0]>;
type AuthenticateRequestResult = Awaited<ReturnType<BotFrameworkAuthentication['authenticateRequest']>>;

/** CloudAdapter's processActivity with a result already authenticated; it is protected in the typings only. */
interface ProcessesAuthenticated {
  processActivity(auth: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined>;
}

/**
 * Counts the turns in flight and, once draining, refuses new ones: on SIGTERM the load balancer
 * sees /readyz fail and moves traffic away, turns already running finish, then the store closes.
 */
export class TurnGate {
  private active = 0;
  private isDraining = false;
  private waiters: (() => void)[] = [];

  get draining(): boolean {
    return this.isDraining;
  }

  get inFlight(): number {
    return this.active;
  }

  drain(): void {
    this.isDraining = true;
  }

  /** False once draining: the caller answers 503 and the channel retries elsewhere. */
  enter(): boolean {
    if (this.isDraining) return false;
    this.active += 1;
    return true;
  }

  leave(): void {
    this.active -= 1;
    if (this.active === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when no turn is in flight. */
  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

const MESSAGES_ROUTE = '/api/messages';
const CORRELATION_HEADER = 'x-correlation-id';
const SAFE_CORRELATION = /^[A-Za-z0-9._-]{1,64}$/;

/** Routes: POST /api/messages (Bot Framework), GET /healthz (liveness), GET /readyz (readiness). */
export function createServer(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'phone-change-mfa-bot', handleUncaughtExceptions: false });
  // Before routing and body reading, so every answer (404s and these 415s included) carries it.
  server.pre((req, res, next) => {
    res.header('X-Content-Type-Options', 'nosniff');
    const refusal = refuseEncoding(req) ?? (isMessagesRoute(req) ? refuseContentType(req) : undefined);
    if (!refusal) return next();
    deps.log.warn({ path: req.getPath(), status: 415, code: refusal.code }, 'request rejected');
    // The body is never read: close the connection rather than drain a compressed bomb.
    res.header('connection', 'close');
    res.send(415, { error: refusal });
    return next(false);
  });
  // Requests Node's HTTP parser refuses (an unknown method, a malformed header line) never reach
  // restify: Node answers them itself, without the header above. Answer them the same way.
  server.server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nX-Content-Type-Options: nosniff\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  // JSON only: restify's full bodyParser would also parse forms and write multipart uploads to disk.
  // (@types/restify 8 lacks maxBodySize here; restify 11's body reader honours it.)
  // Every route but /api/messages, which reads its body itself (readMessageBody, below).
  for (const handler of restify.plugins.jsonBodyParser({ maxBodySize: deps.maxBodyBytes, mapParams: false } as restify.plugins.JsonBodyParserOptions)) {
    server.use((req, res, next) => (req.getRoute()?.path === MESSAGES_ROUTE ? next() : handler(req, res, next)));
  }
  const authTimeoutMs = deps.authTimeoutMs ?? 5_000;

  server.post(MESSAGES_ROUTE, readMessageBody(deps.maxBodyBytes), async (req, res) => {
    const supplied = req.header(CORRELATION_HEADER);
    const correlationId = supplied && SAFE_CORRELATION.test(supplied) ? supplied : randomUUID();
    res.header(CORRELATION_HEADER, correlationId);
    const check = checkActivity(req.body, { localMode: deps.localMode });
    if (!check.ok) {
      deps.log.warn({ correlationId, code: check.code }, 'rejected malformed activity');
      sendJson(res, 400, { error: { code: check.code, message: check.message } });
      return;
    }
    if (!deps.gate.enter()) {
      // The Bot Framework channels retry a 503; behind a load balancer the retry lands elsewhere.
      res.header('retry-after', '1');
      sendJson(res, 503, { error: { code: 'ShuttingDown', message: 'This instance is shutting down; retry the request.' } });
      return;
    }
    const body = req.body as { conversation?: { id?: unknown }; channelId?: unknown };
    const fields = {
      correlationId,
      conversation: conversationHash(typeof body.conversation?.id === 'string' ? body.conversation.id : undefined),
      channelId: typeof body.channelId === 'string' ? body.channelId : undefined,
    };
    const started = process.hrtime.bigint();
    try {
      await withLogContext(fields, async () => {
        const activity = toActivity(req.body as Record<string, unknown>);
        const authorization = req.header('authorization') ?? '';
        let auth: AuthenticateRequestResult;
        try {
          // What CloudAdapter.process would do, but a failure of any kind (a forged or expired
          // token, an unreachable OpenID metadata endpoint) is a plain 401 and one log line:
          // the adapter answers some with a 500 carrying the internal message, and prints stacks.
          auth = await quietConsole(() => withTimeout(deps.auth.authenticateRequest(activity, authorization), authTimeoutMs));
        } catch (error) {
          deps.log.warn({ status: 401, reason: authorization ? authFailure(error) : 'missing' }, 'request refused: authentication failed');
          sendJson(res, 401, { error: { code: 'Unauthorized', message: 'The request is not authenticated.' } });
          return;
        }
        let invoke: InvokeResponse | undefined;
        try {
          invoke = await (deps.adapter as unknown as ProcessesAuthenticated).processActivity(auth, activity, async (context) => {
            context.turnState.set(CORRELATION_ID, correlationId);
            await deps.logic(context);
          });
        } catch (error) {
          // Turn errors end in onTurnError; what reaches here failed around the turn (the connector client, say).
          deps.log.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'activity could not be processed');
          sendJson(res, 500, { error: { code: 'InternalError', message: 'The activity could not be processed.' } });
          return;
        }
        if (invoke?.body !== undefined) sendJson(res, invoke.status, invoke.body);
        else sendEmpty(res, invoke?.status ?? 200);
        deps.log.debug({ type: activity.type, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'turn');
      });
    } finally {
      deps.gate.leave();
    }
  });

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });

  server.get('/readyz', async (_req, res) => {
    const draining = deps.gate.draining;
    const ready = !draining && (await deps.ready());
    res.send(ready ? 200 : 503, { ready, ...(draining ? { draining: true } : {}) });
  });

  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, callback: () => void) => {
    deps.log.warn({ path: req.path(), status: err.statusCode, error: err.name }, 'request rejected');
    callback();
  });

  return server;
}

/** The error classes restify's own body reader raises (its copy of restify-errors), so a refused body is answered, and logged through restifyError, as before. */
const restifyErrors = createRequire(require.resolve('restify'))('restify-errors') as {
  PayloadTooLargeError: new (message: string) => Error;
  InvalidContentError: new (format: string, ...args: unknown[]) => Error;
  BadDigestError: new (format: string, ...args: unknown[]) => Error;
};
const JSON_SUFFIX_TYPE = /^application\/[a-zA-Z.]+\+json/;

/**
 * restify's jsonBodyParser (bodyReader, then parseJson) for /api/messages, with the same outcomes:
 * the same errors for a body over the limit, a bad Content-MD5 or invalid JSON, the same req.body
 * for an empty body. Its reader calls the deprecated Buffer constructor for every request, which
 * captures a stack trace on each of the first 10,000 calls (to decide whether to warn), and runs
 * through two more plugin handlers; this one collects the chunks, concatenates and decodes once.
 */
function readMessageBody(maxBytes: number): restify.RequestHandler {
  return (req, res, next) => {
    const type = req.getContentType();
    if ((req.getContentLength() === 0 && !req.isChunked()) || type === 'multipart/form-data' || type === 'application/octet-stream') return next();
    const isText = type === 'application/json' || type === 'application/x-www-form-urlencoded' || type.startsWith('text/');
    const md5 = req.headers['content-md5'] as string | undefined;
    const hash = md5 ? createHash('md5') : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const parse = (body: string | Buffer): void => {
      if (!body || (type !== 'application/json' && !JSON_SUFFIX_TYPE.test(type))) {
        req.body = body;
        return next();
      }
      try {
        req.body = JSON.parse(typeof body === 'string' ? body : body.toString());
      } catch (error) {
        return next(new restifyErrors.InvalidContentError('%s', `Invalid JSON: ${(error as Error).message}`));
      }
      return next();
    };
    // A client gone before the end: as restify did, go on with an empty body (invalid JSON, a 400
    // to nobody), so the turn never starts and the gate is never entered.
    const gone = (error?: Error): void => {
      if (settled) return;
      settled = true;
      if (error) next(error);
      else parse(Buffer.alloc(0));
    };
    req.on('data', (chunk: Buffer) => {
      // Past the limit the rest is counted and dropped, never kept; the answer comes at the end.
      received += chunk.length;
      if (maxBytes && received > maxBytes) return;
      hash?.update(chunk);
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (settled) return;
      settled = true;
      if (maxBytes && received > maxBytes) return next(new restifyErrors.PayloadTooLargeError(`Request body size exceeds ${maxBytes}`));
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (raw.length > 0 && hash) {
        const digest = hash.digest('base64');
        if (digest !== md5) return next(new restifyErrors.BadDigestError("Content-MD5 '%s' didn't match '%s'", md5, digest));
      }
      parse(isText ? raw.toString('utf8') : raw);
    });
    req.once('error', gone);
    req.once('aborted', () => gone());
    res.once('close', () => gone());
    req.resume();
  };
}

/**
 * What res.send(status, body) writes for a JSON body (status line, Content-Type application/json,
 * Content-Length, the serialised body) without restify's formatter pipeline. Anything restify
 * would treat differently (no status, 204/304, a Buffer, an Error, a body JSON cannot write) still
 * goes through res.send.
 */
function sendJson(res: restify.Response, status: number | undefined, body: unknown): void {
  if (typeof status !== 'number' || !status || status === 204 || status === 304 || typeof body !== 'object' || Buffer.isBuffer(body) || body instanceof Error || res.getHeader('Content-Type') !== undefined) {
    res.send(status, body);
    return;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch {
    json = undefined;
  }
  if (json === undefined) {
    res.send(status, body);
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.writeHead(status);
  res.end(json);
}

/** What res.send(status) writes: the status line and no body (Node then sends it chunked, as before). */
function sendEmpty(res: restify.Response, status: number): void {
  if (!status) {
    res.send(status);
    return;
  }
  res.writeHead(status);
  res.end();
}

/** Bodies arrive as they were sent; restify would inflate gzip (with no error handler, and no limit on the inflated size). */
function refuseEncoding(req: restify.Request): { code: string; message: string } | undefined {
  const encoding = req.header('content-encoding');
  if (encoding === undefined || encoding.trim() === '' || encoding.trim().toLowerCase() === 'identity') return undefined;
  return { code: 'UnsupportedContentEncoding', message: 'Send the body uncompressed (no Content-Encoding).' };
}

/** `/api/messages` as the router would match it (a trailing or doubled slash, any case). */
function isMessagesRoute(req: restify.Request): boolean {
  return req.getPath().replace(/\/{2,}/g, '/').replace(/\/+$/, '').toLowerCase() === '/api/messages';
}

/**
 * The Bot Framework speaks JSON. A form or text body would otherwise be parsed into an activity,
 * which lets any web page a developer opens post to a local bot without a CORS preflight.
 */
function refuseContentType(req: restify.Request): { code: string; message: string } | undefined {
  if (req.method !== 'POST') return undefined;
  const [type = '', ...params] = (req.header('content-type') ?? '').split(';').map((p) => p.trim().toLowerCase());
  const charsetOk = params.every((p) => /^charset=(?:"utf-8"|utf-8)$/.test(p));
  if (type === 'application/json' && charsetOk) return undefined;
  return { code: 'UnsupportedMediaType', message: 'The body must be JSON (Content-Type: application/json).' };
}

/** The checks CloudAdapter.process makes on the body, after src/activityGuard.ts has vouched for its shape. */
function toActivity(body: Record<string, unknown>): Activity {
  const activity = { ...body } as unknown as Activity & Record<string, unknown>;
  for (const key of ['timestamp', 'expiration', 'localTimestamp'] as const) {
    const value = body[key];
    if (typeof value === 'string') {
      activity[`raw${key[0]!.toUpperCase()}${key.slice(1)}`] = value;
      (activity as Record<string, unknown>)[key] = new Date(value);
    }
  }
  return activity;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('authentication timed out'), { name: 'AuthenticationTimeout' })), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** What the log says about a refused token: the kind of failure, never the token or a URL. */
function authFailure(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; statusCode?: number };
  if (e?.name === 'AuthenticationTimeout') return 'timeout';
  const message = String(e?.message ?? '').toLowerCase();
  if (/expired/.test(message)) return 'expired';
  if (/signature|signing key|algorithm/.test(message)) return 'bad-signature';
  if (/getaddrinfo|econnrefused|enotfound|etimedout|fetch failed|openid|keys|network|socket/.test(`${message} ${String(e?.code ?? '').toLowerCase()}`)) return 'metadata-unavailable';
  return e?.name === 'AuthenticationError' ? 'rejected' : 'invalid-token';
}
