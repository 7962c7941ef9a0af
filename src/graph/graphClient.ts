/**
 * The one place that builds the Microsoft Graph client. Live Graph and the sandbox tenant differ
 * only in the options given here (base URL, trusted certificate, credential); the middleware chain
 * is the same for both.
 *
 * Chain: AuthenticationHandler -> RetryPolicyHandler -> RetryHandler -> RedirectHandler ->
 * TelemetryHandler -> AttemptTimeoutHandler -> HTTPMessageHandler. It is the SDK's default chain
 * with two small additions: RetryPolicyHandler decides, per request, whether the SDK's RetryHandler
 * may retry (bounded wait, no blind POST retries), and AttemptTimeoutHandler gives every attempt its
 * own deadline.
 */
import {
  AuthenticationHandler,
  Client,
  GraphClientError,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type AuthenticationProvider,
  type Context,
  type FetchOptions,
  type Middleware,
  type MiddlewareOptions,
  type ShouldRetry,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { TokenCredential } from '@azure/identity';
import { Agent } from 'undici';
import type { Log } from '../core/ports';
import { StaticTokenCredential } from './credentials';
import { ATTEMPT_TIMEOUT, TOKEN_FAILURE, parseRetryAfter } from './errors';

export interface GraphClientOptions {
  credential: TokenCredential;
  /** An origin only; default 'https://graph.microsoft.com'. The sandbox gives 'https://127.0.0.1:PORT'. */
  baseUrl?: string;
  /** Sandbox only: trust this self-signed certificate (PEM) for baseUrl, and nothing else changes. */
  trustedCaPem?: string;
  /**
   * The most time all retries of one operation may spend waiting (a RetryBudget is shared by every
   * request of a GraphDirectory call). A retry whose wait would go past it is not made.
   */
  maxRetryTotalSeconds: number;
  /**
   * Deadline of each attempt; default 15 s. Graph itself gives up only after 60 s, far too long for
   * a chat turn. A write that hits it is ambiguous and is settled by reading the state back.
   */
  requestTimeoutSeconds?: number;
  log: Log;
}

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const DEFAULT_BASE_URL = 'https://graph.microsoft.com';
const DEFAULT_TIMEOUT_SECONDS = 15;
/** National clouds included: the SDK sends the token to these without customHosts. */
const GRAPH_HOSTS: ReadonlySet<string> = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'graph.microsoft.de',
  'microsoftgraph.chinacloudapi.cn',
  'canary.graph.microsoft.com',
]);
/** Backoff base when Graph sends no Retry-After (the RetryHandler adds exponential growth and jitter). */
const BASE_DELAY_SECONDS = 2;
const MAX_RETRIES = 3;
/** The RetryHandler adds up to this much random jitter to a computed wait. */
const JITTER_SECONDS = 1;
/** The RetryHandler never waits longer than this (RetryHandlerOptions.MAX_DELAY), whatever Retry-After says. */
const HANDLER_MAX_DELAY_SECONDS = 180;
/** Of the statuses the SDK's RetryHandler retries (429, 503, 504), only 429 promises the request was not processed. */
const NOT_PROCESSED = 429;

/**
 * The retry allowance of one directory operation. Pass the same instance in `middlewareOptions`
 * to every request of the operation so their waits add up against `maxRetryTotalSeconds`; a request
 * without one gets a budget of its own.
 */
export class RetryBudget implements MiddlewareOptions {
  private spent = 0;

  get spentSeconds(): number {
    return this.spent;
  }

  /** Reserves `seconds` of waiting when that still fits under `limitSeconds`. */
  tryReserve(seconds: number, limitSeconds: number): boolean {
    if (this.spent + seconds > limitSeconds) return false;
    this.spent += seconds;
    return true;
  }
}

/**
 * Marks a POST that has the same effect however often it is applied (revokeSignInSessions), so a
 * 503/504 may be retried as for a GET. Other POSTs never are: see RetryPolicyHandler.
 */
export class RepeatableWrite implements MiddlewareOptions {
  readonly repeatable = true;
}

export function createGraphClient(options: GraphClientOptions): Client {
  const base = parseBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const isGraphHost = GRAPH_HOSTS.has(base.hostname);
  if (isGraphHost && options.credential instanceof StaticTokenCredential) {
    throw new Error('A static (sandbox) token cannot be used with Microsoft Graph; configure an app credential');
  }
  if (isGraphHost && options.trustedCaPem !== undefined) {
    // A custom CA replaces the public roots for these connections, which would break live Graph.
    throw new Error('trustedCaPem is for the sandbox tenant only, not for Microsoft Graph');
  }
  if (!(options.maxRetryTotalSeconds >= 0)) throw new Error('maxRetryTotalSeconds must be 0 or more');
  const timeoutSeconds = options.requestTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!(timeoutSeconds > 0)) throw new Error('requestTimeoutSeconds must be more than 0');

  const auth = new TokenCredentialAuthenticationProvider(options.credential, { scopes: [GRAPH_SCOPE] });
  const middleware: Middleware[] = [
    new AuthenticationHandler(new TokenFailureAuthProvider(auth)),
    new RetryPolicyHandler(options.maxRetryTotalSeconds, options.log),
    // Zero retries unless RetryPolicyHandler installs per-request options: a request that somehow
    // bypasses the policy must not retry without a bound.
    new RetryHandler(new RetryHandlerOptions(0, 0)),
    new RedirectHandler(new RedirectHandlerOptions()),
    new TelemetryHandler(),
    new AttemptTimeoutHandler(timeoutSeconds * 1000),
    new HTTPMessageHandler(),
  ];

  return Client.initWithMiddleware({
    baseUrl: base.origin,
    defaultVersion: 'v1.0',
    middleware,
    // The SDK attaches the bearer token only to Graph hosts and to these, matched by bare hostname
    // (no port): without this the sandbox would receive unauthenticated requests.
    ...(isGraphHost ? {} : { customHosts: new Set([base.hostname]) }),
    // GraphRequest copies fetchOptions into every request and HTTPMessageHandler hands them to the
    // global fetch, so this dispatcher trusts the sandbox certificate for these requests only;
    // TLS verification stays on everywhere, including here.
    ...(options.trustedCaPem === undefined ? {} : { fetchOptions: sandboxFetchOptions(options.trustedCaPem) }),
  });
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('Graph baseUrl is not a URL');
  }
  // Over http the SDK silently omits the token, so every call would fail with 401.
  if (url.protocol !== 'https:') throw new Error('Graph baseUrl must use https');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new Error('Graph baseUrl must be an origin such as https://graph.microsoft.com (the API version is added per request)');
  }
  return url;
}

function sandboxFetchOptions(caPem: string): FetchOptions {
  return { dispatcher: new Agent({ connect: { ca: caPem } }) };
}

/**
 * Turns any failure to get a token into a GraphClientError named TOKEN_FAILURE. The SDK would
 * otherwise wrap it in a GraphError indistinguishable from a network error except by the
 * @azure/identity class name.
 */
class TokenFailureAuthProvider implements AuthenticationProvider {
  constructor(private readonly inner: AuthenticationProvider) {}

  async getAccessToken(): Promise<string> {
    try {
      return await this.inner.getAccessToken();
    } catch (error) {
      const failure = new GraphClientError('No access token for Microsoft Graph');
      failure.name = TOKEN_FAILURE;
      // Only the class name: identity errors can carry tenant and endpoint details.
      failure.customError = { credentialError: error instanceof Error ? error.name : typeof error };
      throw failure;
    }
  }
}

/**
 * Installs, for each request, the RetryHandlerOptions that say whether a failed attempt may be
 * retried. Written as middleware because ShouldRetry sees neither the request's middleware options
 * nor the client's settings; here both are at hand.
 */
class RetryPolicyHandler implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly maxTotalSeconds: number,
    private readonly log: Log,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('RetryPolicyHandler is the last middleware');
    const control = context.middlewareControl;
    if (control) {
      const given = control.getMiddlewareOptions(RetryBudget);
      const budget = given instanceof RetryBudget ? given : new RetryBudget();
      const repeatable = control.getMiddlewareOptions(RepeatableWrite) instanceof RepeatableWrite;
      const shouldRetry: ShouldRetry = (delay, attempt, request, fetchOptions, response) =>
        this.allowRetry(budget, { delay, attempt, method: methodOf(request, fetchOptions), repeatable, response });
      control.setMiddlewareOptions(RetryHandlerOptions, new RetryHandlerOptions(BASE_DELAY_SECONDS, MAX_RETRIES, shouldRetry));
    }
    await this.next.execute(context);
  }

  private allowRetry(
    budget: RetryBudget,
    a: { delay: number; attempt: number; method: string; repeatable: boolean; response: Response },
  ): boolean {
    const status = a.response.status;
    const requestId = a.response.headers.get('request-id') ?? undefined;
    if (a.method === 'POST' && !a.repeatable && status !== NOT_PROCESSED) {
      // A 503/504 may come after the write was applied; repeating a POST could add twice. The
      // caller reads the state back instead.
      this.log.warn({ status, method: a.method, requestId }, 'Graph write failed ambiguously; not retrying it blindly');
      return false;
    }
    const wait = expectedWaitSeconds(a.response, a.attempt + 1, a.delay);
    if (!budget.tryReserve(wait, this.maxTotalSeconds)) {
      this.log.warn(
        { status, method: a.method, requestId, waitSeconds: wait, spentSeconds: budget.spentSeconds, budgetSeconds: this.maxTotalSeconds },
        'Graph asked to wait longer than the retry budget allows; giving up',
      );
      return false;
    }
    this.log.info({ status, method: a.method, requestId, waitSeconds: wait, retry: a.attempt + 1 }, 'Graph throttled or unavailable; retrying');
    return true;
  }
}

function methodOf(request: Parameters<ShouldRetry>[2], options: FetchOptions | undefined): string {
  const method = typeof request === 'string' ? options?.method : request.method;
  return (method ?? 'GET').toUpperCase();
}

/**
 * An upper bound of what RetryHandler.getDelay will wait before retry number `retry`: Retry-After
 * when present, else its backoff; plus jitter; never more than its own cap.
 */
function expectedWaitSeconds(response: Response, retry: number, baseDelay: number): number {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  const computed = retryAfter ?? (retry >= 2 ? Math.round((2 ** retry - 1) / 2) : 0) + baseDelay + JITTER_SECONDS;
  return Math.min(computed, HANDLER_MAX_DELAY_SECONDS + JITTER_SECONDS);
}

/** Each attempt gets its own deadline: it sits after RetryHandler, so a retry starts a fresh one. */
class AttemptTimeoutHandler implements Middleware {
  private next?: Middleware;

  constructor(private readonly timeoutMs: number) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('AttemptTimeoutHandler is the last middleware');
    const deadline = AbortSignal.timeout(this.timeoutMs);
    context.options = context.options ?? {};
    context.options.signal = deadline;
    try {
      await this.next.execute(context);
    } catch (error) {
      if (!deadline.aborted) throw error;
      // Named here because fetch's own rejection reaches the caller rewrapped, and inside jest
      // (another realm) not even as an Error; this name is ours and survives the SDK.
      const timeout = new GraphClientError(`No answer from Graph within ${this.timeoutMs} ms`);
      timeout.name = ATTEMPT_TIMEOUT;
      throw timeout;
    }
  }
}
