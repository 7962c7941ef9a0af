/**
 * The in-memory state of the development Direct Line endpoint: conversations with their numbered
 * activity lists (the watermark is the number of the last activity a client has seen), the tokens
 * that open one conversation each, and uploaded files. Everything is bounded; the oldest goes first.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/ports';

export type JsonObject = Record<string, unknown>;

/** An activity as stored and delivered: plain JSON with the id this endpoint gave it. */
export type StoredActivity = JsonObject & { id: string };

/** What GET …/activities answers and what every WebSocket message carries. */
export interface ActivitySet {
  activities: StoredActivity[];
  watermark: string;
}

export interface ChannelAccount {
  id: string;
  name?: string;
  role?: 'user' | 'bot';
}

type Listener = (set: ActivitySet) => void;

export class Conversation {
  /** Set once the bot has been told the conversation started (its first conversationUpdate). */
  started = false;
  locale?: string;
  /** Who the bot has been told about in a conversationUpdate; a new sender is announced first. */
  readonly members = new Set<string>();
  private sequence = 0;
  private entries: { seq: number; activity: StoredActivity }[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly maxActivities: number,
  ) {}

  get watermark(): string {
    return String(this.sequence);
  }

  /** Direct Line's id shape: `<conversation id>|<7-digit sequence>`. */
  newActivityId(): string {
    return `${this.id}|${String(this.sequence + 1).padStart(7, '0')}`;
  }

  /** Adds an activity under the next watermark and pushes it to every open stream. */
  append(activity: JsonObject, id = this.newActivityId()): StoredActivity {
    const stored: StoredActivity = { ...activity, id };
    this.sequence += 1;
    this.entries.push({ seq: this.sequence, activity: stored });
    if (this.entries.length > this.maxActivities) this.entries.splice(0, this.entries.length - this.maxActivities);
    const set: ActivitySet = { activities: [stored], watermark: this.watermark };
    for (const listener of this.listeners) listener(set);
    return stored;
  }

  find(id: string): StoredActivity | undefined {
    return this.entries.find((e) => e.activity.id === id)?.activity;
  }

  /**
   * An update in place, as Direct Line does it: the new version is delivered again under a new
   * watermark with the same id (clients replace what they show), and the old one is dropped so a
   * reader starting later sees only the latest version.
   */
  replace(id: string, activity: JsonObject): StoredActivity | undefined {
    if (!this.find(id)) return undefined;
    this.entries = this.entries.filter((e) => e.activity.id !== id);
    return this.append(activity, id);
  }

  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.activity.id !== id);
    return this.entries.length !== before;
  }

  /** Activities after a watermark (all of them for `0`). */
  after(watermark: number): ActivitySet {
    return { activities: this.entries.filter((e) => e.seq > watermark).map((e) => e.activity), watermark: this.watermark };
  }

  /** Listens for new activities; `close` is called if the conversation is evicted. */
  subscribe(listener: Listener, close: () => void): () => void {
    this.listeners.add(listener);
    this.closers.add(close);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(close);
    };
  }

  closeStreams(): void {
    for (const close of [...this.closers]) close();
    this.listeners.clear();
    this.closers.clear();
  }

  /**
   * Runs deliveries to the bot one at a time, in order: a conversationUpdate and the first message
   * must not become two concurrent turns, because the bot's state writes are last-writer-wins.
   */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

export class ConversationRegistry {
  private readonly conversations = new Map<string, Conversation>();

  constructor(
    private readonly maxConversations: number,
    private readonly maxActivities: number,
    private readonly onEvict: (conversation: Conversation) => void,
  ) {}

  create(): Conversation {
    const conversation = new Conversation(randomBytes(18).toString('base64url'), this.maxActivities);
    this.conversations.set(conversation.id, conversation);
    while (this.conversations.size > this.maxConversations) {
      const oldest = this.conversations.values().next().value as Conversation;
      this.conversations.delete(oldest.id);
      oldest.closeStreams();
      this.onEvict(oldest);
    }
    return conversation;
  }

  get(id: string): Conversation | undefined {
    return this.conversations.get(id);
  }

  /** Marks a conversation as recently used, so eviction takes the least recently active one. */
  touch(conversation: Conversation): void {
    if (this.conversations.delete(conversation.id)) this.conversations.set(conversation.id, conversation);
  }

  closeAll(): void {
    for (const conversation of this.conversations.values()) conversation.closeStreams();
  }
}

export interface TokenGrant {
  conversationId: string;
  /** The user bound into the token: that conversation's client activities are sent as this user. */
  user?: ChannelAccount;
  expiresAt: number;
}

export type TokenCheck = { ok: true; grant: TokenGrant } | { ok: false; reason: 'unknown' | 'expired' };

/** Random bearer tokens, one conversation each. Only their hashes are kept. */
export class TokenBook {
  private readonly grants = new Map<string, TokenGrant>();

  constructor(
    private readonly clock: Clock,
    private readonly lifetimeSeconds: number,
    private readonly maxTokens: number,
  ) {}

  issue(conversationId: string, user?: ChannelAccount): { token: string; expiresIn: number } {
    const token = randomBytes(32).toString('base64url');
    this.grants.set(hash(token), { conversationId, user, expiresAt: this.clock.now().getTime() + this.lifetimeSeconds * 1000 });
    if (this.grants.size > this.maxTokens) this.prune();
    return { token, expiresIn: this.lifetimeSeconds };
  }

  check(token: string): TokenCheck {
    const grant = this.grants.get(hash(token));
    if (!grant) return { ok: false, reason: 'unknown' };
    if (grant.expiresAt <= this.clock.now().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, grant };
  }

  secondsLeft(grant: TokenGrant): number {
    return Math.max(0, Math.floor((grant.expiresAt - this.clock.now().getTime()) / 1000));
  }

  revokeConversation(conversationId: string): void {
    for (const [key, grant] of this.grants) if (grant.conversationId === conversationId) this.grants.delete(key);
  }

  /** Drops expired tokens, then the oldest, until the book is within its bound. */
  private prune(): void {
    const now = this.clock.now().getTime();
    for (const [key, grant] of this.grants) if (grant.expiresAt <= now) this.grants.delete(key);
    for (const key of this.grants.keys()) {
      if (this.grants.size <= this.maxTokens) break;
      this.grants.delete(key);
    }
  }
}

/** Compares a presented credential with the secret without leaking where they differ. */
export function sameSecret(presented: string, secret: string): boolean {
  return timingSafeEqual(createHash('sha256').update(presented).digest(), createHash('sha256').update(secret).digest());
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface StoredFile {
  conversationId: string;
  name: string;
  contentType: string;
  data: Buffer;
}

/** Uploaded files, served back by unguessable id; the oldest go when the total passes the cap. */
export class AttachmentStore {
  private readonly files = new Map<string, StoredFile>();
  private totalBytes = 0;

  constructor(private readonly maxTotalBytes: number) {}

  put(file: StoredFile): string {
    const id = randomBytes(16).toString('base64url');
    this.files.set(id, file);
    this.totalBytes += file.data.length;
    for (const [key, old] of this.files) {
      if (this.totalBytes <= this.maxTotalBytes || key === id) break;
      this.files.delete(key);
      this.totalBytes -= old.data.length;
    }
    return id;
  }

  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  dropConversation(conversationId: string): void {
    for (const [key, file] of this.files) {
      if (file.conversationId !== conversationId) continue;
      this.files.delete(key);
      this.totalBytes -= file.data.length;
    }
  }
}
