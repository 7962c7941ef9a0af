/**
 * The load generator: conversations over real HTTP with `deliveryMode: expectReplies` on a
 * keep-alive undici pool (one pool per target, at most `connections` sockets), every reply
 * checked. Errors are counted and sampled, never measured as turns.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { checkReplies, fixedPart, pressButton, type ActivityJson, type Turn } from './conversation';

export interface PostResult {
  status: number;
  activities: ActivityJson[];
  body: unknown;
  ms: number;
}

/** Counts and keeps a few examples of everything that went wrong, so the run can fail loudly. */
export class Errors {
  count = 0;
  readonly samples: string[] = [];

  add(where: string, message: string): void {
    this.count += 1;
    if (this.samples.length < 10) this.samples.push(`${where}: ${message}`);
  }
}

export class BotClient {
  private readonly pool: Pool;

  constructor(
    readonly name: string,
    readonly origin: string,
    connections: number,
  ) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  async post(activity: Record<string, unknown>): Promise<PostResult> {
    const started = performance.now();
    const res = await this.pool.request({
      path: '/api/messages',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    const text = await res.body.text();
    const ms = performance.now() - started;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const activities = (body as { activities?: ActivityJson[] } | undefined)?.activities ?? [];
    return { status: res.statusCode, activities, body, ms };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface ChatOptions {
  channelId: string;
  conversationId: string;
  userId: string;
  serviceUrl: string;
  locale?: string;
}

/** A web-chat style message activity for one conversation. */
export function messageActivity(chat: ChatOptions, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'message',
    channelId: chat.channelId,
    serviceUrl: chat.serviceUrl,
    deliveryMode: 'expectReplies',
    locale: chat.locale ?? 'en-GB',
    conversation: { id: chat.conversationId },
    from: { id: chat.userId },
    recipient: { id: 'bot' },
    ...fields,
  };
}

/**
 * Plays one scripted turn: presses the button the previous replies really offered (or types),
 * checks the replies. Returns the replies and the latency, or throws with what went wrong.
 */
export async function playTurn(client: BotClient, chat: ChatOptions, turn: Turn, previous: readonly ActivityJson[]): Promise<PostResult> {
  let fields: Record<string, unknown>;
  if (turn.press !== undefined) {
    const title = fixedPart(turn.press);
    const pressed = pressButton(previous, title);
    if (!pressed) throw new Error(`no button "${title}" in the previous replies`);
    fields = pressed.value !== undefined ? { value: pressed.value } : { text: pressed.text };
  } else {
    fields = { text: turn.say };
  }
  const result = await client.post(messageActivity(chat, fields));
  if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${JSON.stringify(result.body).slice(0, 300)}`);
  const problem = checkReplies(turn, result.activities);
  if (problem) throw new Error(problem);
  return result;
}

export interface PhaseResult {
  turns: number;
  conversations: number;
  seconds: number;
  latenciesMs: number[];
}

/**
 * `connections` workers, each holding scripted conversations one after another until the
 * deadline; a worker finishes the turn in flight, then stops (a conversation may stop mid-way).
 */
export async function driveConversations(
  client: BotClient,
  options: {
    connections: number;
    seconds: number;
    scripts: readonly (readonly Turn[])[];
    chat: (worker: number, seq: number) => ChatOptions;
    errors: Errors;
    /** Stop early after this many errors: a bench measuring failures is worthless. */
    maxErrors?: number;
  },
): Promise<PhaseResult> {
  const latenciesMs: number[] = [];
  let turns = 0;
  let conversations = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const maxErrors = options.maxErrors ?? 20;
  const worker = async (w: number): Promise<void> => {
    for (let seq = 0; performance.now() < deadline && options.errors.count < maxErrors; seq += 1) {
      const script = options.scripts[(w + seq) % options.scripts.length]!;
      const chat = options.chat(w, seq);
      let previous: readonly ActivityJson[] = [];
      let completed = true;
      for (const turn of script) {
        if (performance.now() >= deadline) {
          completed = false;
          break;
        }
        try {
          const result = await playTurn(client, chat, turn, previous);
          latenciesMs.push(result.ms);
          turns += 1;
          previous = result.activities;
        } catch (error) {
          options.errors.add(`${client.name} ${chat.conversationId}`, (error as Error).message);
          completed = false;
          break;
        }
      }
      if (completed) conversations += 1;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, w) => worker(w)));
  return { turns, conversations, seconds: (performance.now() - started) / 1000, latenciesMs };
}

/** The echo floor: one message per turn, the reply must be the same text. */
export async function driveEcho(
  client: BotClient,
  options: { connections: number; seconds: number; chat: (worker: number) => ChatOptions; errors: Errors; maxErrors?: number },
): Promise<PhaseResult> {
  const latenciesMs: number[] = [];
  let turns = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const maxErrors = options.maxErrors ?? 20;
  const worker = async (w: number): Promise<void> => {
    const chat = options.chat(w);
    for (let seq = 0; performance.now() < deadline && options.errors.count < maxErrors; seq += 1) {
      const text = `echo ${w}-${seq}`;
      try {
        const result = await client.post(messageActivity(chat, { text }));
        if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${JSON.stringify(result.body).slice(0, 300)}`);
        const reply = result.activities.find((a) => a.type === 'message');
        if (reply?.text !== text) throw new Error(`expected the echo "${text}", got ${JSON.stringify(result.activities).slice(0, 300)}`);
        latenciesMs.push(result.ms);
        turns += 1;
      } catch (error) {
        options.errors.add(`${client.name} ${chat.conversationId}`, (error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, w) => worker(w)));
  return { turns, conversations: 0, seconds: (performance.now() - started) / 1000, latenciesMs };
}

/** Opens `count` conversations with `connections` workers, each left where the script ends. */
export async function openConversations(
  client: BotClient,
  options: { connections: number; count: number; script: readonly Turn[]; chat: (index: number) => ChatOptions; errors: Errors; maxErrors?: number },
): Promise<number> {
  let next = 0;
  let opened = 0;
  const maxErrors = options.maxErrors ?? 20;
  const worker = async (): Promise<void> => {
    while (next < options.count && options.errors.count < maxErrors) {
      const chat = options.chat(next);
      next += 1;
      let previous: readonly ActivityJson[] = [];
      try {
        for (const turn of options.script) previous = (await playTurn(client, chat, turn, previous)).activities;
        opened += 1;
      } catch (error) {
        options.errors.add(`${client.name} ${chat.conversationId}`, (error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, () => worker()));
  return opened;
}
