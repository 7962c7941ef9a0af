/**
 * Starts the real composed app (src/app.ts) on a loopback port, the way `npm start` does, with
 * its logs captured so tests can check what was written to them.
 */
import { Writable } from 'node:stream';
import { createApp, type App, type AppOverrides } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';

export interface RunningBot {
  app: App;
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startBot(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<RunningBot> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  // PHONE_SIGN_IN=own-provider: what the conversation offers then does not change on 1 Feb 2027,
  // so these tests do not depend on today's date (test/conversation freezes the clock instead).
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', STATE_STORE: 'memory', LOG_LEVEL: 'debug', PHONE_SIGN_IN: 'own-provider', ...env });
  const app = await createApp(config, { logger: createLogger(config.logLevel, sink, config.instanceId), ...overrides });
  const url = await app.start();
  return { app, url, logs, stop: () => app.stop() };
}

export interface ActivityJson {
  type: string;
  text?: string;
  name?: string;
  attachments?: { contentType: string; content: Record<string, unknown> }[];
  suggestedActions?: { actions: { title: string; value: string }[] };
  [key: string]: unknown;
}

/** One HTTP client conversation, held with deliveryMode expectReplies (no connector needed). */
export class HttpConversation {
  constructor(
    private readonly url: string,
    readonly conversationId: string,
    readonly channelId = 'webchat',
    readonly extra: Record<string, unknown> = {},
  ) {}

  activity(fields: Record<string, unknown>): Record<string, unknown> {
    return {
      type: 'message',
      channelId: this.channelId,
      serviceUrl: 'http://127.0.0.1:9',
      deliveryMode: 'expectReplies',
      conversation: { id: this.conversationId },
      from: { id: `user-${this.conversationId}` },
      recipient: { id: 'bot' },
      locale: 'en-GB',
      ...this.extra,
      ...fields,
    };
  }

  async post(fields: Record<string, unknown>): Promise<ActivityJson[]> {
    const res = await fetch(`${this.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.activity(fields)),
    });
    if (res.status !== 200) throw new Error(`POST /api/messages answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { activities: ActivityJson[] }).activities;
  }

  say(text: string): Promise<ActivityJson[]> {
    return this.post({ text });
  }
}

/** Everything a person would read in the replies, including card texts and button titles. */
export function readable(activities: ActivityJson[]): string {
  return activities
    .map((a) => [a.text ?? '', JSON.stringify(a.attachments ?? []), (a.suggestedActions?.actions ?? []).map((x) => x.title).join(' ')].join('\n'))
    .join('\n');
}

/** An admin presses an Action.Execute button on a card in a Teams channel: the invoke Teams sends. */
export async function postCardAction(
  botUrl: string,
  options: { serviceUrl: string; conversationId: string; approver: string; verb: string; data: Record<string, unknown> },
): Promise<{ status: number; body: { statusCode: number; type: string; value: Record<string, unknown> | string } }> {
  const res = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'invoke',
      name: 'adaptiveCard/action',
      channelId: 'msteams',
      serviceUrl: options.serviceUrl,
      conversation: { id: options.conversationId, conversationType: 'channel', isGroup: true },
      from: { id: `29:${options.approver}`, aadObjectId: options.approver, name: `Admin ${options.approver.slice(0, 4)}` },
      recipient: { id: 'bot' },
      channelData: { tenant: { id: 'contoso' } },
      value: { action: { type: 'Action.Execute', verb: options.verb, data: options.data }, trigger: 'manual' },
    }),
  });
  return { status: res.status, body: (await res.json()) as { statusCode: number; type: string; value: Record<string, unknown> | string } };
}
