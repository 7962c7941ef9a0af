/** The portal's tokens in local mode: issued by the Direct Line stand-in, never by the service. */
import type { IssuedToken, TokenSource } from '../../portal/portal';

/** What the portal needs of the local Direct Line stand-in (./devDirectLine.ts). */
export interface DevDirectLineEndpoint {
  /** Its base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  generateToken(userId: string): DevToken | Promise<DevToken>;
}

interface DevToken {
  token: string;
  conversationId?: string;
  expires_in: number;
}

/** Local mode: tokens from the stand-in, whose domain Web Chat must be told. */
export class DevDirectLineTokens implements TokenSource {
  readonly connectOrigins: readonly string[];

  constructor(private readonly directLine: DevDirectLineEndpoint) {
    const origin = new URL(directLine.url);
    this.connectOrigins = [origin.origin, `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}`];
  }

  async issue(userId: string): Promise<IssuedToken> {
    const issued = await this.directLine.generateToken(userId);
    return {
      token: issued.token,
      conversationId: issued.conversationId,
      expiresIn: issued.expires_in,
      domain: `${this.directLine.url.replace(/\/+$/, '')}/v3/directline`,
    };
  }
}
