/**
 * A Bot Framework connector on loopback: the routes a bot calls to post, reply to and update
 * activities (the Connector REST API v3). It keeps what it receives, so tests can see what the
 * bot posted to the helpdesk channel or sent proactively to a requester, over real HTTP.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: 'POST' | 'PUT' | 'DELETE';
  conversationId: string;
  /** The activity id in the path: replied to (POST) or updated (PUT). */
  activityId?: string;
  /** The id the connector gave the activity (POST) or the one updated (PUT). */
  id: string;
  activity: Record<string, unknown>;
  authorization?: string;
}

/** A conversation the bot created (POST /v3/conversations): a Teams 1:1 with the members given. */
export interface CreatedConversation {
  id: string;
  members: { id: string; name?: string }[];
  isGroup?: boolean;
  tenantId?: string;
  /** `channelData.tenant.id`, where Teams reads the tenant. */
  channelTenantId?: string;
  botId?: string;
}

export class LoopbackConnector {
  readonly calls: ConnectorCall[] = [];
  /** Conversations created by the bot, in order. */
  readonly created: CreatedConversation[] = [];
  /** Answer the next N calls with this status instead (a channel outage). */
  failNext = 0;
  failStatus = 503;
  /** The id given to a posted activity; Teams gives channel messages 13-digit numbers. */
  newId: () => string = () => `activity-${randomUUID()}`;
  /** Milliseconds to wait before answering each message (a slow channel). */
  replyDelayMs = 0;
  /** Answer typing indicators with this status, after `afterMs` (recorded all the same). */
  typingFailure?: { status: number; afterMs: number };
  private server?: http.Server;
  url = '';

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Activities posted or updated in one conversation, in order. */
  inConversation(conversationId: string): ConnectorCall[] {
    return this.calls.filter((c) => c.conversationId === conversationId);
  }

  /** The 1:1 conversations created for a member (Teams: by Entra object id). */
  createdFor(memberId: string): CreatedConversation[] {
    return this.created.filter((c) => c.members.some((m) => m.id === memberId));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && /^\/v3\/conversations\/?(?:\?.*)?$/.test(req.url ?? '')) {
        this.createConversation(chunks, res);
        return;
      }
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(req.url ?? '');
      const method = req.method as ConnectorCall['method'];
      if (!match || !['POST', 'PUT', 'DELETE'].includes(method)) {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: 'NotFound', message: `No route ${req.method} ${req.url}` } }));
        return;
      }
      if (this.failNext > 0) {
        this.failNext -= 1;
        res.statusCode = this.failStatus;
        res.end(JSON.stringify({ error: { code: 'ServiceError', message: 'simulated outage' } }));
        return;
      }
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      const conversationId = decodeURIComponent(match[1]!);
      const activityId = match[2] ? decodeURIComponent(match[2]) : undefined;
      const id = method === 'PUT' && activityId ? activityId : this.newId();
      this.calls.push({ method, conversationId, activityId, id, activity: body, authorization: req.headers.authorization });
      const typing = body.type === 'typing';
      const failure = typing ? this.typingFailure : undefined;
      const answer = () => {
        res.statusCode = failure?.status ?? 200;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(failure ? { error: { code: 'BadArgument', message: 'simulated typing failure' } } : { id }));
      };
      const delay = failure ? failure.afterMs : typing ? 0 : this.replyDelayMs;
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  }

  /** POST /v3/conversations: answers `{ id }` (ConversationResourceResponse), or fails with failNext. */
  private createConversation(chunks: Buffer[], res: http.ServerResponse): void {
    res.setHeader('content-type', 'application/json');
    if (this.failNext > 0) {
      this.failNext -= 1;
      res.statusCode = this.failStatus;
      res.end(JSON.stringify({ error: { code: 'ServiceError', message: 'simulated outage' } }));
      return;
    }
    const body = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}) as {
      members?: { id: string; name?: string }[];
      isGroup?: boolean;
      tenantId?: string;
      channelData?: { tenant?: { id?: string } };
      bot?: { id?: string };
    };
    const id = `a:1created-${randomUUID()}`;
    this.created.push({
      id,
      members: body.members ?? [],
      isGroup: body.isGroup,
      tenantId: body.tenantId,
      channelTenantId: body.channelData?.tenant?.id,
      botId: body.bot?.id,
    });
    res.statusCode = 201;
    res.end(JSON.stringify({ id, serviceUrl: this.url }));
  }
}
