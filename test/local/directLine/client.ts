/**
 * The official Direct Line client (`botframework-directlinejs`, what Web Chat uses) running in
 * Node, plus a plain HTTP helper for the calls a test makes by hand.
 *
 * The client looks for browser globals: XMLHttpRequest (xhr2 here) and WebSocket (ws), the latter
 * even when it polls. Browsers send FormData natively and xhr2 does not, so the XMLHttpRequest
 * below encodes it first; that is what lets uploads go through the client unchanged.
 */
import WebSocket from 'ws';
import XHR2 from 'xhr2';
import { DirectLine, type Activity, type DirectLineOptions, type Message } from 'botframework-directlinejs';

export const SECRET = 'dev-secret-for-tests-0123456789';

class NodeXMLHttpRequest extends XHR2 {
  override send(body?: unknown): void {
    if (!(body instanceof FormData)) {
      super.send(body);
      return;
    }
    const encoded = new Response(body);
    const type = encoded.headers.get('content-type');
    encoded.arrayBuffer().then(
      (bytes) => {
        if (type) this.setRequestHeader('Content-Type', type);
        super.send(Buffer.from(bytes));
      },
      () => super.send(''),
    );
  }
}

function installBrowserGlobals(): void {
  Object.assign(globalThis, { XMLHttpRequest: NodeXMLHttpRequest, WebSocket });
}

/** One client conversation: everything received, kept in order, and a way to wait for a match. */
export class Chat {
  readonly received: Activity[] = [];
  failure?: unknown;
  private readonly subscription: ReturnType<DirectLine['activity$']['subscribe']>;

  private constructor(readonly directLine: DirectLine) {
    this.subscription = directLine.activity$.subscribe(
      (activity) => this.received.push(activity),
      (error: unknown) => {
        this.failure = error;
      },
    );
  }

  static open(options: DirectLineOptions): Chat {
    installBrowserGlobals();
    return new Chat(new DirectLine({ pollingInterval: 200, ...options }));
  }

  /** Resolves with the id Direct Line gave the activity. */
  post(activity: Record<string, unknown>): Promise<string> {
    return new Promise((resolve, reject) => {
      this.directLine.postActivity(activity as unknown as Activity).subscribe((id: string) => resolve(id), reject);
    });
  }

  /** What Web Chat sends once connected (public/portal.js): the bot starts the conversation on it. */
  join(from: Record<string, unknown> = { id: 'dl_visitor' }): Promise<string> {
    return this.post({ type: 'event', name: 'webchat/join', from, value: { locale: 'en-GB' } });
  }

  async waitFor(predicate: (activity: Activity) => boolean, what: string, timeoutMs = 10000): Promise<Activity> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.received.map((a) => `${a.type}:${a.from?.role ?? '?'}:${(a as Message).text ?? ''}`.slice(0, 80));
        throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(seen)}; failure ${String(this.failure)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  end(): void {
    this.subscription.unsubscribe();
    this.directLine.end();
  }
}

export const fromBot = (a: Activity): boolean => a.from?.role === 'bot';

/** A bot message whose text contains `fragment`. */
export const botSays = (fragment: string) => (a: Activity): boolean =>
  fromBot(a) && a.type === 'message' && typeof a.text === 'string' && a.text.includes(fragment);

export const WELCOME = 'I help you get back into your Microsoft account';
export const ACCOUNT_QUESTION = 'Which account is it';
export const NON_TEXT = 'I can only read text';

export interface ApiAnswer {
  status: number;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}

/** The base of the bot-side Connector routes: the capability serviceUrl, without its trailing slash. */
export const botSide = (endpoint: { serviceUrl: string }) => endpoint.serviceUrl.replace(/\/$/, '');

/** One HTTP call to the endpoint; `path` is under /v3/directline unless it starts with /v3/conversations or /attachments. */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: { auth?: string; body?: unknown; raw?: string | Buffer | FormData; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const url = /^\/(v3\/conversations|attachments)/.test(path) ? `${baseUrl}${path}` : `${baseUrl}/v3/directline${path}`;
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== undefined) headers.authorization = `Bearer ${options.auth}`;
  let body: string | Buffer | FormData | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as ApiAnswer['json']) : {} };
}
