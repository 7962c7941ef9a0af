import { randomUUID } from 'node:crypto';
import restify from 'restify';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import { checkActivity } from './activityGuard';
import type { Log } from './core/ports';

export const CORRELATION_ID = Symbol('correlationId');

export interface ServerDeps {
  adapter: CloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  log: Log;
  /** Readiness: the state store answers and the server is not draining. */
  ready: () => boolean;
  maxBodyBytes: number;
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
    await deps.adapter.process(req, res, async (context) => {
      context.turnState.set(CORRELATION_ID, correlationId);
      await deps.logic(context);
    });
  });

  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    next();
  });

  server.get('/readyz', (_req, res, next) => {
    const ready = deps.ready();
    res.send(ready ? 200 : 503, { ready });
    next();
  });

  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, callback: () => void) => {
    deps.log.warn({ path: req.path(), status: err.statusCode, error: err.name }, 'request rejected');
    callback();
  });

  return server;
}
