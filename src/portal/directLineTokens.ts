/**
 * Where the portal's Direct Line tokens come from: Microsoft's Direct Line service in
 * production (the secret is exchanged server-side and never leaves this process). The local
 * Direct Line stand-in's tokens are in src/local/directLine/tokens.ts.
 */
import type { IssuedToken, TokenSource } from './portal';

export const DIRECT_LINE_SERVICE = 'https://directline.botframework.com';

/** A token request that failed; the message names what went wrong and never holds the secret. */
export class DirectLineTokenError extends Error {
  override readonly name = 'DirectLineTokenError';

  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface DirectLineServiceOptions {
  /** The Direct Line channel secret from the Azure Bot resource. */
  secret: string;
  /** Service origin; default Microsoft's global endpoint. Regional ones also work. */
  endpoint?: string;
  fetch?: typeof fetch;
  /** How long one token request may take before the page is told chat is unavailable. */
  timeoutMs?: number;
}

interface GenerateResponse {
  token?: unknown;
  conversationId?: unknown;
  expires_in?: unknown;
}

/** POST {endpoint}/v3/directline/tokens/generate with the secret, bound to the given user id. */
export class DirectLineServiceTokens implements TokenSource {
  readonly connectOrigins: readonly string[];
  private readonly endpoint: string;
  private readonly secret: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: DirectLineServiceOptions) {
    if (!options.secret) throw new DirectLineTokenError('Direct Line secret is empty');
    this.secret = options.secret;
    this.endpoint = (options.endpoint ?? DIRECT_LINE_SERVICE).replace(/\/+$/, '');
    const origin = new URL(this.endpoint);
    if (origin.protocol !== 'https:' && !isLoopback(origin.hostname)) {
      // A secret sent over plain http to anything but this machine would be readable on the way.
      throw new DirectLineTokenError(`Direct Line endpoint must use https: ${origin.origin}`);
    }
    this.connectOrigins = [origin.origin, `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`];
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async issue(userId: string): Promise<IssuedToken> {
    let res: Response;
    try {
      res = await this.fetch(`${this.endpoint}/v3/directline/tokens/generate`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.secret}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ user: { id: userId } }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      throw new DirectLineTokenError(
        name === 'TimeoutError'
          ? `Direct Line did not answer within ${this.timeoutMs} ms`
          : `Direct Line could not be reached (${name})`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      const hint = res.status === 401 || res.status === 403 ? ': the Direct Line secret was refused' : '';
      throw new DirectLineTokenError(`Direct Line answered ${res.status} to the token request${hint}`, res.status);
    }
    let body: GenerateResponse;
    try {
      body = (await res.json()) as GenerateResponse;
    } catch {
      throw new DirectLineTokenError('Direct Line answered the token request with something other than JSON', res.status);
    }
    if (typeof body.token !== 'string' || !body.token || typeof body.expires_in !== 'number') {
      throw new DirectLineTokenError('Direct Line answered the token request without a token or expiry', res.status);
    }
    return {
      token: body.token,
      conversationId: typeof body.conversationId === 'string' ? body.conversationId : undefined,
      expiresIn: body.expires_in,
      // Web Chat defaults to the global service; any other endpoint must be named to it.
      ...(this.endpoint === DIRECT_LINE_SERVICE ? {} : { domain: `${this.endpoint}/v3/directline` }),
    };
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
