import { randomUUID } from 'node:crypto';
import restify from 'restify';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import { checkActivity } from './activityGuard';
import type { Log } from './core/ports';
import { conversationHash, withLogContext } from './logContext';

export const CORRELATION_ID = Symbol('correlationId');

export interface ServerDeps {
  adapter: CloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  log: Log;
  /** Readiness of what the server depends on (the state store); draining is the gate's business. */
  ready: () => boolean | Promise<boolean>;
  gate: TurnGate;
  maxBodyBytes: number;
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

const CORRELATION_HEADER = 'x-correlation-id';
const SAFE_CORRELATION = /^[A-Za-z0-9._-]{1,64}$/;

/** Routes: POST /api/messages (Bot Framework), GET /healthz (liveness), GET /readyz (readiness). */
export function createServer(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'phone-change-mfa-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: deps.maxBodyBytes, mapParams: false, mapFiles: false }));

  server.post('/api/messages', async (req, res) => {
    const supplied = req.header(CORRELATION_HEADER);
    const correlationId = supplied && SAFE_CORRELATION.test(supplied) ? supplied : randomUUID();
    res.header(CORRELATION_HEADER, correlationId);
    const check = checkActivity(req.body);
    if (!check.ok) {
      deps.log.warn({ correlationId, code: check.code }, 'rejected malformed activity');
      res.send(400, { error: { code: check.code, message: check.message } });
      return;
    }
    if (!deps.gate.enter()) {
      // The Bot Framework channels retry a 503; behind a load balancer the retry lands elsewhere.
      res.header('retry-after', '1');
      res.send(503, { error: { code: 'ShuttingDown', message: 'This instance is shutting down; retry the request.' } });
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
        await deps.adapter.process(req, res, async (context) => {
          context.turnState.set(CORRELATION_ID, correlationId);
          await deps.logic(context);
        });
        deps.log.debug({ type: typeof req.body?.type === 'string' ? req.body.type : undefined, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'turn');
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
