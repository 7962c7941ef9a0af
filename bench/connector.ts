/**
 * A Bot Framework connector on loopback (the Connector REST API v3 routes a bot calls to post,
 * reply to and update activities), after the idea of test/fakes/connector.ts but kept apart from
 * the tests: it stamps every call with the moment its request line arrived, so the benchmark can
 * time when the helpdesk card and the requester's notification reach the channel.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ConnectorCall {
  method: string;
  conversationId: string;
  /** performance.now() when the request arrived (before its body was read). */
  arrivedAt: number;
  activity: Record<string, unknown>;
}

type Waiter = { match: (call: ConnectorCall) => boolean; resolve: (call: ConnectorCall) => void };

export class TimedConnector {
  readonly calls: ConnectorCall[] = [];
  url = '';
  private server?: http.Server;
  private waiters: Waiter[] = [];

  async start(): Promise<string> {
    this.server = http.createServer({ keepAlive: true }, (req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** The first call (already received or still to come) that matches, or undefined after the timeout. */
  waitFor(match: (call: ConnectorCall) => boolean, timeoutMs: number): Promise<ConnectorCall | undefined> {
    const seen = this.calls.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        match,
        resolve: (call) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const arrivedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(req.url ?? '');
      if (!match || !['POST', 'PUT', 'DELETE'].includes(req.method ?? '')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'NotFound', message: `No route ${req.method} ${req.url}` } }));
        return;
      }
      let activity: Record<string, unknown> = {};
      try {
        if (chunks.length) activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        res.writeHead(400);
        res.end();
        return;
      }
      const call: ConnectorCall = { method: req.method!, conversationId: decodeURIComponent(match[1]!), arrivedAt, activity };
      this.calls.push(call);
      const id = req.method === 'PUT' && match[2] ? decodeURIComponent(match[2]) : `activity-${randomUUID()}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id }));
      for (const waiter of this.waiters.filter((w) => w.match(call))) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(call);
      }
    });
  }
}
