/**
 * A Direct Line 3.0-compatible endpoint for local development, standing in for the Direct Line
 * channel service so Bot Framework Web Chat and `botframework-directlinejs` run unchanged against
 * the bot without an Azure registration. It has two faces on one loopback port:
 *
 * - the client-facing Direct Line 3.0 API under `/v3/directline` (tokens, conversations,
 *   activities with watermarks, uploads, and the WebSocket stream), and
 * - the bot-facing Connector API v3 under `/bot/<bot secret>/v3/conversations`, where the bot
 *   posts, updates and deletes its activities because every activity it receives names that
 *   capability URL as serviceUrl. The bot's connector client sends no Authorization header in
 *   local mode, so the path itself is the credential: a caller without it (another page in the
 *   browser, another local process) gets 404 and cannot write into anyone's conversation.
 *
 * Client activities are forwarded to the bot over HTTP in order, one at a time per conversation,
 * and everything either side sends is kept (bounded) so clients can stream, poll and resume.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { systemClock, type Clock, type Log } from '../../core/ports';
import {
  AttachmentStore,
  ConversationRegistry,
  TokenBook,
  sameSecret,
  type ActivitySet,
  type ChannelAccount,
  type Conversation,
  type JsonObject,
  type StoredFile,
  type TokenGrant,
} from './conversations';
import { MultipartError, multipartBoundary, parseMultipart, safeFileName } from './multipart';

export interface DevDirectLineLimits {
  /** Conversations kept in memory; the least recently active is dropped first. */
  maxConversations: number;
  /** Activities kept per conversation; the oldest are dropped first. */
  maxActivitiesPerConversation: number;
  /** Largest JSON body on any route (an activity), in bytes. */
  maxBodyBytes: number;
  /** Largest upload request, in bytes. */
  maxUploadBytes: number;
  /** All uploaded files together, in bytes; the oldest files are dropped first. */
  maxStoredFileBytes: number;
  maxTokens: number;
  /** Open WebSocket streams across all conversations. */
  maxStreams: number;
  /** How long a delivery to the bot may take before the client is told the bot failed. */
  botTimeoutMs: number;
  /** Interval of the empty keep-alive messages on open streams. */
  keepAliveMs: number;
}

export const DEFAULT_LIMITS: DevDirectLineLimits = {
  maxConversations: 500,
  maxActivitiesPerConversation: 1000,
  maxBodyBytes: 256 * 1024,
  maxUploadBytes: 4 * 1024 * 1024,
  maxStoredFileBytes: 16 * 1024 * 1024,
  maxTokens: 10000,
  maxStreams: 200,
  botTimeoutMs: 15000,
  keepAliveMs: 15000,
};

export interface DevDirectLineOptions {
  /** Where the bot takes activities, e.g. 'http://127.0.0.1:3978/api/messages'. */
  botEndpoint: string;
  /** The development secret that clients (the server's token endpoint) must present. */
  secret: string;
  /** 0 or undefined = any free port. Always binds 127.0.0.1. */
  port?: number;
  log: Log;
  /** Lifetime of issued tokens; default 1800. */
  tokenLifetimeSeconds?: number;
  /** Token expiry and activity timestamps; tests inject one. */
  clock?: Clock;
  limits?: Partial<DevDirectLineLimits>;
}

export interface DevDirectLine {
  /** 'http://127.0.0.1:PORT'; the Direct Line domain is `${url}/v3/directline`. */
  readonly url: string;
  /**
   * The serviceUrl the bot is given, 'http://127.0.0.1:PORT/bot/<bot secret>/': the only way to
   * the bot-side routes. It holds a secret: it goes into activities sent to the bot, nowhere else.
   */
  readonly serviceUrl: string;
  /** As POST /v3/directline/tokens/generate with the secret, in-process. `userId` must start with `dl_`. */
  generateToken(userId: string): Promise<{ token: string; conversationId: string; expires_in: number }>;
  /** Closes the HTTP server, the WebSockets and the timers, and abandons deliveries in flight. */
  close(): Promise<void>;
}

/** A refusal with a Direct Line error code; the one handler turns it into `{ error: { code, message } }`. */
export class DirectLineError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DirectLineError';
  }
}

export async function startDevDirectLine(options: DevDirectLineOptions): Promise<DevDirectLine> {
  if (!options.secret) throw new Error('startDevDirectLine: a non-empty secret is required');
  if (!/^https?:\/\//.test(options.botEndpoint)) throw new Error('startDevDirectLine: botEndpoint must be an http(s) URL');
  const endpoint = new DevDirectLineServer(options);
  await endpoint.listen(options.port ?? 0);
  return endpoint;
}

const DOMAIN = '/v3/directline';
const CHANNEL_ID = 'webchat';
/** The bot as clients and the bot itself see it; the bot replies with this as `from`. */
const BOT: ChannelAccount = { id: 'dev-bot', name: 'Bot', role: 'bot' };
const STREAM_PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;
/** The bot-side capability prefix: `/bot/<secret>` followed by the Connector API path. */
const BOT_PATH = /^\/bot\/([^/]*)(\/.*)?$/;
/** The client-facing face (Direct Line 3.0 and uploaded files): the only paths that answer cross-origin. */
const CLIENT_PATH = /^\/(v3\/directline|attachments)(\/|$)/;
const SAFE_HEADER_LIST = /^[A-Za-z0-9_, -]{0,500}$/;

type Caller = { kind: 'secret' } | { kind: 'token'; token: string; grant: TokenGrant };

interface Reply {
  status: number;
  body?: unknown;
  file?: StoredFile;
}

interface RequestContext {
  req: IncomingMessage;
  url: URL;
  params: string[];
}

interface Route {
  /** `bot`: the Connector API, reachable only under the bot-side capability path. */
  side: 'client' | 'bot';
  method: string;
  pattern: RegExp;
  handle: (ctx: RequestContext) => Promise<Reply>;
}

class DevDirectLineServer implements DevDirectLine {
  url = '';
  private readonly log: Log;
  private readonly clock: Clock;
  private readonly limits: DevDirectLineLimits;
  private readonly secret: string;
  /** The bot-side routes' credential, in the path of the serviceUrl; fresh per run. */
  private readonly botSecret = randomBytes(32).toString('base64url');
  private readonly botEndpoint: string;
  private readonly tokens: TokenBook;
  private readonly files: AttachmentStore;
  private readonly conversations: ConversationRegistry;
  private readonly server: http.Server;
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly closing = new AbortController();
  private readonly routes: Route[];
  private keepAlive?: NodeJS.Timeout;
  private closed?: Promise<void>;

  constructor(options: DevDirectLineOptions) {
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.secret = options.secret;
    this.botEndpoint = options.botEndpoint;
    this.tokens = new TokenBook(this.clock, options.tokenLifetimeSeconds ?? 1800, this.limits.maxTokens);
    this.files = new AttachmentStore(this.limits.maxStoredFileBytes);
    this.conversations = new ConversationRegistry(this.limits.maxConversations, this.limits.maxActivitiesPerConversation, (evicted) => {
      this.tokens.revokeConversation(evicted.id);
      this.files.dropConversation(evicted.id);
      this.log.debug({ conversationId: evicted.id }, 'dev Direct Line: conversation evicted');
    });
    this.routes = [
      { side: 'client', method: 'POST', pattern: /^\/v3\/directline\/tokens\/generate$/, handle: (c) => this.generate(c) },
      { side: 'client', method: 'POST', pattern: /^\/v3\/directline\/tokens\/refresh$/, handle: (c) => this.refresh(c) },
      { side: 'client', method: 'POST', pattern: /^\/v3\/directline\/conversations$/, handle: (c) => this.startConversation(c) },
      { side: 'client', method: 'GET', pattern: /^\/v3\/directline\/conversations\/([^/]+)$/, handle: (c) => this.reconnect(c) },
      { side: 'client', method: 'POST', pattern: /^\/v3\/directline\/conversations\/([^/]+)\/activities$/, handle: (c) => this.postActivity(c) },
      { side: 'client', method: 'GET', pattern: /^\/v3\/directline\/conversations\/([^/]+)\/activities$/, handle: (c) => this.getActivities(c) },
      { side: 'client', method: 'POST', pattern: /^\/v3\/directline\/conversations\/([^/]+)\/upload$/, handle: (c) => this.upload(c) },
      { side: 'client', method: 'GET', pattern: /^\/attachments\/([^/]+)\/([^/]+)$/, handle: (c) => this.attachment(c) },
      { side: 'bot', method: 'POST', pattern: /^\/v3\/conversations\/([^/]+)\/activities$/, handle: (c) => this.botPost(c) },
      { side: 'bot', method: 'POST', pattern: /^\/v3\/conversations\/([^/]+)\/activities\/([^/]+)$/, handle: (c) => this.botPost(c) },
      { side: 'bot', method: 'PUT', pattern: /^\/v3\/conversations\/([^/]+)\/activities\/([^/]+)$/, handle: (c) => this.botUpdate(c) },
      { side: 'bot', method: 'DELETE', pattern: /^\/v3\/conversations\/([^/]+)\/activities\/([^/]+)$/, handle: (c) => this.botDelete(c) },
    ];
    this.server = http.createServer((req, res) => {
      this.dispatch(req, res).catch((error: unknown) => this.log.error({ error: (error as Error).name }, 'dev Direct Line: request failed'));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      // Loopback only: nothing here is meant to be public.
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        this.keepAlive = setInterval(() => this.sendKeepAlives(), this.limits.keepAliveMs);
        this.keepAlive.unref();
        this.log.info({ url: this.url, domain: `${this.url}${DOMAIN}` }, 'dev Direct Line listening (local mode only)');
        resolve();
      });
    });
  }

  get serviceUrl(): string {
    return `${this.url}/bot/${this.botSecret}/`;
  }

  async generateToken(userId: string): Promise<{ token: string; conversationId: string; expires_in: number }> {
    return this.issueConversation(tokenUser({ id: userId }));
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing.abort();
      if (this.keepAlive) clearInterval(this.keepAlive);
      this.conversations.closeAll();
      for (const ws of this.sockets.clients) ws.terminate();
      this.sockets.close();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  // ---- HTTP plumbing -------------------------------------------------------------------------

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = requestUrl(req.url);
    // Only the client-facing API is for pages on other origins; the bot calls from Node, not a browser.
    const clientFacing = CLIENT_PATH.test(url.pathname);
    res.on('finish', () => {
      // File names are the user's words, and the bot-side path holds the bot secret: the log keeps neither.
      const path = url.pathname.startsWith('/attachments/') ? '/attachments/…' : url.pathname.replace(BOT_PATH, (_all, _secret: string, rest?: string) => `/bot/…${rest ?? ''}`);
      this.log.debug({ method: req.method, path, status: res.statusCode, ms: Date.now() - started }, 'dev Direct Line request');
    });
    // On every answer: no browser may read a reply of this server as anything but its declared type.
    res.setHeader('x-content-type-options', 'nosniff');
    if (clientFacing) this.cors(req, res);
    if (req.method === 'OPTIONS' && clientFacing) {
      // Not chained: restify (loaded in the same process) patches writeHead to return nothing.
      res.writeHead(204);
      res.end();
      return;
    }
    let reply: Reply;
    try {
      reply = await this.route(req, url);
    } catch (error) {
      reply = this.errorReply(error, url.pathname);
    }
    send(res, reply);
  }

  private async route(req: IncomingMessage, url: URL): Promise<Reply> {
    let path = url.pathname;
    let side: Route['side'] = 'client';
    const capability = BOT_PATH.exec(path);
    if (capability) {
      // 404, not 401: a wrong secret and no such route look the same to someone guessing.
      if (!sameSecret(capability[1]!, this.botSecret)) throw new DirectLineError(404, 'NotFound', 'No route here.');
      path = capability[2] ?? '/';
      side = 'bot';
    }
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.side !== side) continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      const params = match.slice(1).map((p) => {
        try {
          return decodeURIComponent(p);
        } catch {
          throw new DirectLineError(404, 'NotFound', 'The path is not valid.');
        }
      });
      return route.handle({ req, url, params });
    }
    if (pathMatched) throw new DirectLineError(405, 'MethodNotAllowed', `${req.method} is not allowed on this route.`);
    throw new DirectLineError(404, 'NotFound', side === 'bot' ? 'No route here.' : `No route for ${req.method} ${url.pathname}.`);
  }

  private errorReply(error: unknown, path: string): Reply {
    if (error instanceof DirectLineError) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
    if (error instanceof MultipartError) return { status: 400, body: { error: { code: 'BadArgument', message: error.message } } };
    this.log.error({ path, error: (error as Error).name }, 'dev Direct Line: internal error');
    return { status: 500, body: { error: { code: 'ServiceError', message: 'An internal error occurred in the dev Direct Line endpoint.' } } };
  }

  /** Web Chat runs in a page served from another port, so the API answers cross-origin calls (bearer auth, no cookies). */
  private cors(req: IncomingMessage, res: ServerResponse): void {
    const requested = req.headers['access-control-request-headers'];
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-methods', 'GET, POST, PUT, DELETE, OPTIONS');
    res.setHeader(
      'access-control-allow-headers',
      typeof requested === 'string' && SAFE_HEADER_LIST.test(requested) ? requested : 'Authorization, Content-Type, X-Requested-With, x-ms-bot-agent',
    );
    res.setHeader('access-control-max-age', '600');
  }

  private async readJson(req: IncomingMessage, optional: boolean): Promise<JsonObject | undefined> {
    const raw = await readBody(req, this.limits.maxBodyBytes);
    if (raw.toString('utf8').trim() === '') {
      if (optional) return undefined;
      throw new DirectLineError(400, 'MissingProperty', 'The request needs a JSON body.');
    }
    return parseJsonObject(raw);
  }

  // ---- Authentication ------------------------------------------------------------------------

  private authenticate(req: IncomingMessage): Caller {
    const presented = bearer(req.headers.authorization);
    if (!presented) throw new DirectLineError(401, 'Unauthorized', 'An Authorization header "Bearer <secret or token>" is required.');
    return this.credential(presented);
  }

  private credential(presented: string): Caller {
    if (sameSecret(presented, this.secret)) return { kind: 'secret' };
    const check = this.tokens.check(presented);
    if (check.ok) return { kind: 'token', token: presented, grant: check.grant };
    if (check.reason === 'expired') throw new DirectLineError(403, 'TokenExpired', 'The token has expired.');
    throw new DirectLineError(403, 'Forbidden', 'The secret or token is not valid.');
  }

  /** A token opens its own conversation only; the secret opens any. */
  private conversationFor(caller: Caller, conversationId: string): Conversation {
    if (caller.kind === 'token' && caller.grant.conversationId !== conversationId) {
      throw new DirectLineError(403, 'Forbidden', 'The token is not valid for this conversation.');
    }
    const conversation = this.conversations.get(conversationId);
    if (!conversation) throw new DirectLineError(404, 'NotFound', 'Conversation not found (it may have ended or been evicted).');
    this.conversations.touch(conversation);
    return conversation;
  }

  private issueConversation(user?: ChannelAccount): { conversationId: string; token: string; expires_in: number } {
    const conversation = this.conversations.create();
    const { token, expiresIn } = this.tokens.issue(conversation.id, user);
    return { conversationId: conversation.id, token, expires_in: expiresIn };
  }

  // ---- Client-facing Direct Line 3.0 ---------------------------------------------------------

  private async generate({ req }: RequestContext): Promise<Reply> {
    const caller = this.authenticate(req);
    if (caller.kind !== 'secret') throw new DirectLineError(403, 'Forbidden', 'Tokens are generated with the secret.');
    const body = await this.readJson(req, true);
    const user = body?.user === undefined ? undefined : tokenUser(body.user);
    return { status: 200, body: this.issueConversation(user) };
  }

  private async refresh({ req }: RequestContext): Promise<Reply> {
    const caller = this.authenticate(req);
    if (caller.kind !== 'token') throw new DirectLineError(403, 'Forbidden', 'Only a token can be refreshed.');
    const conversation = this.conversationFor(caller, caller.grant.conversationId);
    const { token, expiresIn } = this.tokens.issue(conversation.id, caller.grant.user);
    return { status: 200, body: { conversationId: conversation.id, token, expires_in: expiresIn } };
  }

  private async startConversation({ req }: RequestContext): Promise<Reply> {
    const caller = this.authenticate(req);
    const body = (await this.readJson(req, true)) ?? {};
    if (caller.kind === 'secret') {
      const conversation = this.conversations.create();
      const { token, expiresIn } = this.tokens.issue(conversation.id);
      if (isLocale(body.locale)) conversation.locale = body.locale;
      // With the secret the caller is trusted to name the user it starts the conversation for.
      const named = isObject(body.user) && isUserId(body.user.id) ? { id: body.user.id, name: shortName(body.user.name), role: 'user' as const } : undefined;
      this.ensureStarted(conversation, named);
      return { status: 201, body: this.conversationObject(conversation, token, expiresIn) };
    }
    const conversation = this.conversationFor(caller, caller.grant.conversationId);
    const wasStarted = conversation.started;
    if (!wasStarted && isLocale(body.locale)) conversation.locale = body.locale;
    this.ensureStarted(conversation, caller.grant.user);
    return { status: wasStarted ? 200 : 201, body: this.conversationObject(conversation, caller.token, this.tokens.secondsLeft(caller.grant)) };
  }

  /** Reconnect: the conversation object again, with a fresh streamUrl that resumes after the watermark. */
  private async reconnect({ req, url, params }: RequestContext): Promise<Reply> {
    const caller = this.authenticate(req);
    const conversation = this.conversationFor(caller, params[0]!);
    const watermark = parseWatermark(url.searchParams.get('watermark'));
    this.ensureStarted(conversation, caller.kind === 'token' ? caller.grant.user : undefined);
    if (caller.kind === 'token') {
      return { status: 200, body: this.conversationObject(conversation, caller.token, this.tokens.secondsLeft(caller.grant), watermark) };
    }
    const { token, expiresIn } = this.tokens.issue(conversation.id);
    return { status: 200, body: this.conversationObject(conversation, token, expiresIn, watermark) };
  }

  private async postActivity({ req, params }: RequestContext): Promise<Reply> {
    const caller = this.authenticate(req);
    const conversation = this.conversationFor(caller, params[0]!);
    const body = (await this.readJson(req, false))!;
    return { status: 200, body: { id: await this.acceptFromClient(conversation, caller, body) } };
  }

  private async getActivities({ req, url, params }: RequestContext): Promise<Reply> {
    const caller = this.authenticate(req);
    const conversation = this.conversationFor(caller, params[0]!);
    return { status: 200, body: conversation.after(parseWatermark(url.searchParams.get('watermark')) ?? 0) };
  }

  /** Multipart upload: an optional `activity` part (the message template) and one or more files. */
  private async upload({ req, url, params }: RequestContext): Promise<Reply> {
    const caller = this.authenticate(req);
    const conversation = this.conversationFor(caller, params[0]!);
    const boundary = multipartBoundary(req.headers['content-type']);
    if (!boundary) throw new DirectLineError(400, 'BadArgument', 'Uploads must be multipart/form-data with a boundary.');
    const parts = parseMultipart(await readBody(req, this.limits.maxUploadBytes), boundary);
    const template = parts.find((p) => p.name === 'activity');
    const files = parts.filter((p) => p !== template);
    if (files.length === 0) throw new DirectLineError(400, 'BadArgument', 'The upload has no file.');
    const attachments = files.map((file) => {
      const name = safeFileName(file.filename ?? file.name);
      const contentType = safeContentType(file.contentType);
      // Copy out of the request buffer so the whole body is not kept alive by one slice.
      const id = this.files.put({ conversationId: conversation.id, name, contentType, data: Buffer.from(file.data) });
      return { contentType, contentUrl: `${this.url}/attachments/${id}/${encodeURIComponent(name)}`, name };
    });
    const activity = template ? parseJsonObject(template.data) : {};
    const id = await this.acceptFromClient(conversation, caller, { ...activity, type: 'message', attachments }, url.searchParams.get('userId') ?? undefined);
    return { status: 200, body: { id } };
  }

  /** Files are served by unguessable id without auth, as the bot fetches them from contentUrl. */
  private async attachment({ params }: RequestContext): Promise<Reply> {
    const file = this.files.get(params[0]!);
    if (!file || file.name !== params[1]) throw new DirectLineError(404, 'NotFound', 'Attachment not found.');
    return { status: 200, file };
  }

  /**
   * A client activity: stored (clients see their own echo, as with Direct Line) and forwarded to
   * the bot; resolves with its id once the bot has accepted it.
   */
  private async acceptFromClient(conversation: Conversation, caller: Caller, body: JsonObject, fallbackUserId?: string): Promise<string> {
    if (typeof body.type !== 'string' || body.type.length === 0 || body.type.length > 64) {
      throw new DirectLineError(400, 'MissingProperty', 'The activity needs a "type" such as "message".');
    }
    if (body.text !== undefined && body.text !== null && typeof body.text !== 'string') {
      throw new DirectLineError(400, 'BadArgument', '"text" must be a string.');
    }
    if (body.attachments !== undefined && body.attachments !== null && !Array.isArray(body.attachments)) {
      throw new DirectLineError(400, 'BadArgument', '"attachments" must be an array.');
    }
    const user = this.sender(caller, body.from, fallbackUserId);
    this.ensureStarted(conversation, caller.kind === 'token' ? caller.grant.user : undefined);
    if (!conversation.members.has(user.id)) {
      // Direct Line tells the bot about a user it has not announced before their first activity.
      conversation.members.add(user.id);
      this.announce(conversation, [user], user);
    }
    const stored = conversation.append({
      ...omit(body, ['id', 'timestamp', 'channelId', 'conversation', 'from', 'recipient', 'serviceUrl', 'deliveryMode']),
      channelId: CHANNEL_ID,
      conversation: { id: conversation.id },
      from: user,
      recipient: BOT,
      timestamp: this.now(),
    });
    await this.deliver(conversation, { ...stored, serviceUrl: this.serviceUrl });
    return stored.id;
  }

  /** A token bound to a user decides `from`; otherwise the client names itself. */
  private sender(caller: Caller, from: unknown, fallbackUserId?: string): ChannelAccount {
    const claimed = isObject(from) ? from : {};
    const name = shortName(claimed.name);
    const bound = caller.kind === 'token' ? caller.grant.user : undefined;
    if (bound) return { id: bound.id, name: bound.name ?? name, role: 'user' };
    const id = typeof claimed.id === 'string' ? claimed.id : fallbackUserId;
    if (!isUserId(id)) throw new DirectLineError(400, 'MissingProperty', 'The activity needs "from.id" (the user).');
    return { id, name, role: 'user' };
  }

  private ensureStarted(conversation: Conversation, user?: ChannelAccount): void {
    if (conversation.started) return;
    conversation.started = true;
    const added = user ? [BOT, user] : [BOT];
    for (const member of added) conversation.members.add(member.id);
    this.announce(conversation, added, user);
  }

  /** Sends the bot a conversationUpdate (members added); a failure is logged, not thrown at the client. */
  private announce(conversation: Conversation, membersAdded: ChannelAccount[], from?: ChannelAccount): void {
    const activity: JsonObject = {
      type: 'conversationUpdate',
      id: randomUUID(),
      timestamp: this.now(),
      channelId: CHANNEL_ID,
      serviceUrl: this.serviceUrl,
      conversation: { id: conversation.id },
      from: from ?? BOT,
      recipient: BOT,
      membersAdded: membersAdded.map((m) => ({ id: m.id, name: m.name })),
      ...(conversation.locale ? { locale: conversation.locale } : {}),
    };
    this.deliver(conversation, activity).catch((error: unknown) => {
      if (!this.closing.signal.aborted) {
        this.log.warn({ conversationId: conversation.id, code: (error as DirectLineError).code }, 'dev Direct Line: conversationUpdate not delivered');
      }
    });
  }

  /** POSTs an activity to the bot, after any earlier delivery in the same conversation. */
  private deliver(conversation: Conversation, activity: JsonObject): Promise<void> {
    return conversation.serialize(async () => {
      const failed = new DirectLineError(502, 'BotError', 'Failed to send activity: bot returned an error');
      let status: number;
      try {
        const res = await fetch(this.botEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(activity),
          signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.limits.botTimeoutMs)]),
        });
        status = res.status;
        await res.arrayBuffer(); // read to the end so the connection can be reused
      } catch (error) {
        if (!this.closing.signal.aborted) {
          this.log.warn({ conversationId: conversation.id, activityType: activity.type, error: (error as Error).name }, 'dev Direct Line: bot unreachable');
        }
        throw failed;
      }
      if (status >= 200 && status < 300) return;
      this.log.warn({ conversationId: conversation.id, activityType: activity.type, status }, 'dev Direct Line: bot answered with an error');
      if (status >= 400 && status < 500) {
        throw new DirectLineError(400, 'BotRejectedActivity', `Failed to send activity: the bot rejected it (HTTP ${status}).`);
      }
      throw failed;
    });
  }

  private conversationObject(conversation: Conversation, token: string, expiresIn: number, watermark?: number): JsonObject {
    const query = new URLSearchParams();
    if (watermark !== undefined) query.set('watermark', String(watermark));
    query.set('t', token);
    const streamUrl = `${this.url.replace(/^http/, 'ws')}${DOMAIN}/conversations/${encodeURIComponent(conversation.id)}/stream?${query.toString()}`;
    return { conversationId: conversation.id, token, expires_in: expiresIn, streamUrl };
  }

  // ---- WebSocket stream ----------------------------------------------------------------------

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    let conversation: Conversation;
    let watermark: number;
    try {
      const url = requestUrl(req.url);
      const match = STREAM_PATH.exec(url.pathname);
      if (!match) throw new DirectLineError(404, 'NotFound', 'No stream at this path.');
      const presented = url.searchParams.get('t') ?? bearer(req.headers.authorization);
      if (!presented) throw new DirectLineError(401, 'Unauthorized', 'The stream URL needs its token.');
      conversation = this.conversationFor(this.credential(presented), decodeURIComponent(match[1]!));
      watermark = parseWatermark(url.searchParams.get('watermark')) ?? 0;
      if (this.sockets.clients.size >= this.limits.maxStreams) throw new DirectLineError(503, 'ServiceUnavailable', 'Too many open streams.');
    } catch (error) {
      const refusal = error instanceof DirectLineError ? error : new DirectLineError(400, 'BadArgument', 'The stream request is not valid.');
      refuseUpgrade(socket, refusal);
      return;
    }
    this.sockets.handleUpgrade(req, socket, head, (ws) => this.stream(ws, conversation, watermark));
  }

  private stream(ws: WebSocket, conversation: Conversation, watermark: number): void {
    const push = (set: ActivitySet) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(set));
    };
    const backlog = conversation.after(watermark);
    if (backlog.activities.length > 0) push(backlog);
    const unsubscribe = conversation.subscribe(push, () => ws.close(1000, 'conversation ended'));
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.terminate());
  }

  private sendKeepAlives(): void {
    for (const ws of this.sockets.clients) if (ws.readyState === WebSocket.OPEN) ws.send('');
  }

  // ---- Bot-facing Connector API v3 -----------------------------------------------------------

  private botConversation(conversationId: string): Conversation {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) throw new DirectLineError(404, 'NotFound', 'Conversation not found.');
    this.conversations.touch(conversation);
    return conversation;
  }

  /** A new activity from the bot (a reply when the path names the activity replied to, or proactive). */
  private async botPost({ req, params }: RequestContext): Promise<Reply> {
    const conversation = this.botConversation(params[0]!);
    const body = (await this.readJson(req, false))!;
    checkBotActivity(body);
    // Direct Line does not show trace activities to clients (only the Emulator does).
    if (body.type === 'trace') return { status: 200, body: { id: randomUUID() } };
    const activity = this.fromBot(conversation, body);
    if (params[1] && activity.replyToId === undefined) activity.replyToId = params[1];
    return { status: 200, body: { id: conversation.append(activity).id } };
  }

  /** An update in place: delivered again with the same id, keeping its place in time. */
  private async botUpdate({ req, params }: RequestContext): Promise<Reply> {
    const conversation = this.botConversation(params[0]!);
    const activityId = params[1]!;
    const body = (await this.readJson(req, false))!;
    checkBotActivity(body);
    const existing = conversation.find(activityId);
    if (!existing) throw new DirectLineError(404, 'NotFound', 'Activity not found.');
    conversation.replace(activityId, { ...this.fromBot(conversation, body), timestamp: existing.timestamp });
    return { status: 200, body: { id: activityId } };
  }

  private async botDelete({ params }: RequestContext): Promise<Reply> {
    const conversation = this.botConversation(params[0]!);
    if (!conversation.remove(params[1]!)) throw new DirectLineError(404, 'NotFound', 'Activity not found.');
    return { status: 200, body: { id: params[1] } };
  }

  private fromBot(conversation: Conversation, body: JsonObject): JsonObject {
    const from = isObject(body.from) ? body.from : {};
    return {
      ...omit(body, ['id', 'timestamp', 'channelId', 'conversation', 'from', 'serviceUrl']),
      channelId: CHANNEL_ID,
      conversation: { id: conversation.id },
      from: { id: BOT.id, name: shortName(from.name) ?? BOT.name, role: 'bot' },
      timestamp: this.now(),
    };
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

// ---- Helpers ---------------------------------------------------------------------------------

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  if (reply.file) {
    res.writeHead(reply.status, {
      'content-type': reply.file.contentType,
      'content-length': reply.file.data.length,
      // Uploaded content is never rendered as a page from this origin.
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(reply.file.name)}`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(reply.file.data);
    return;
  }
  const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/** The request target as a path on this host: leading slashes are collapsed so `//x` never names another host. */
function requestUrl(target: string | undefined): URL {
  const path = (target ?? '/').replace(/^[/\\]+/, '/');
  try {
    return new URL(path.startsWith('/') ? path : '/', 'http://127.0.0.1');
  } catch {
    return new URL('http://127.0.0.1/');
  }
}

function refuseUpgrade(socket: Duplex, error: DirectLineError): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status] ?? 'Error'}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Reads a body up to a cap; a larger one is drained and refused with 413, never buffered. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new DirectLineError(413, 'RequestTooLarge', `The request body is larger than ${limit} bytes.`);
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * 4) req.destroy();
    });
    req.on('end', () => (size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new DirectLineError(400, 'BadArgument', 'The request ended before its body did.'));
    });
  });
}

function parseJsonObject(raw: Buffer): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DirectLineError(400, 'BadArgument', 'The body is not valid JSON.');
  }
  if (!isObject(value)) throw new DirectLineError(400, 'BadArgument', 'The body must be a JSON object.');
  return value;
}

function checkBotActivity(body: JsonObject): void {
  if (typeof body.type !== 'string' || body.type.length === 0 || body.type.length > 64) {
    throw new DirectLineError(400, 'MissingProperty', 'The activity needs a "type".');
  }
}

/** Direct Line binds only `dl_` user ids into tokens. */
function tokenUser(value: unknown): ChannelAccount {
  if (!isObject(value) || !isUserId(value.id) || !value.id.startsWith('dl_')) {
    throw new DirectLineError(400, 'BadArgument', 'user.id must be a string starting with "dl_".');
  }
  return { id: value.id, name: shortName(value.name), role: 'user' };
}

function parseWatermark(raw: string | null): number | undefined {
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new DirectLineError(400, 'BadArgument', 'The watermark is not valid.');
  return Number(raw);
}

function bearer(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUserId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 256 && !/[\u0000-\u001f\u007f]/.test(value);
}

function isLocale(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/.test(value);
}

function shortName(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 256 ? value : undefined;
}

function safeContentType(value: string | undefined): string {
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) && type.length <= 100 ? type : 'application/octet-stream';
}

function omit(source: JsonObject, keys: readonly string[]): JsonObject {
  const copy: JsonObject = { ...source };
  for (const key of keys) delete copy[key];
  return copy;
}
