import { createHash } from 'node:crypto';
import type { Storage, StoreItem } from 'botbuilder';
import type { Clock, EscalationRefusalReason } from '../core/ports';
import { isReference } from '../core/reference';
import { InvalidTransition, isOpen, targetKey, type Ticket } from '../core/tickets';
import { createIfAbsent, isETagConflict } from './storageErrors';
import { conflictPause } from './conflictPause';

/** Why a ticket was refused: exactly the reasons the person can be told (src/core/ports.ts). */
export type TicketLimitReason = EscalationRefusalReason;

/** A cap that id rotation cannot get round: what the helpdesk's one summary line reports. */
export interface TrippedCap {
  kind: 'client-address' | 'target-domain' | 'overall';
  limit: number;
  /** When the oldest counted creation leaves the rolling hour, i.e. when one more is allowed. */
  until: Date;
}

export class TicketLimitError extends Error {
  constructor(
    readonly reason: TicketLimitReason,
    readonly existingReference?: string,
    readonly cap?: TrippedCap,
  ) {
    super(`Ticket refused: ${reason}${existingReference ? ` (open: ${existingReference})` : ''}`);
    this.name = 'TicketLimitError';
  }
}

export class TicketNotFoundError extends Error {
  constructor(readonly reference: string) {
    super(`No ticket ${reference}`);
    this.name = 'TicketNotFoundError';
  }
}

export interface TicketLimits {
  /** Tickets one requester may create in any 60 minutes. */
  perRequesterPerHour: number;
  /** Tickets one requester conversation may create in any 60 minutes. */
  perConversationPerHour: number;
  /**
   * Tickets from one client in any 60 minutes, however often it rotates user and conversation ids:
   * a web-chat visitor's network address (IPv6 /64, IPv4 address) as the portal saw it when it
   * issued the token, or a Teams user's tenant and object id (see clientIdentity). Unset: no cap.
   */
  perClientAddressPerHour?: number;
  /** Tickets for accounts in one sign-in domain in any 60 minutes. Unset: no cap. */
  perTargetDomainPerHour?: number;
  /** Tickets in all in any 60 minutes; also bounds the index's list of recent creations. Unset: no cap. */
  perHour?: number;
}

export const ticketKey = (reference: string) => `tickets/${reference}`;
/** The one index of open tickets and recent creations; references start `HD-`, so no ticket can collide with it. */
export const TICKET_INDEX_KEY = 'tickets/_index';
/** Conversation ids can be long and full of `:;@=`; a digest keeps the key safe for every store. */
export const conversationTicketsKey = (conversationId: string) => `tickets/conversation/${digest(conversationId)}`;
/** Which request an activity created; a digest, since the id holds the conversation id. */
export const submissionKey = (submissionId: string) => `tickets/submission/${digest(submissionId)}`;
/** The last summary line posted per tripped cap, so the channel gets one per cap per hour. */
export const CAP_NOTICES_KEY = 'tickets/_capNotices';
/** Which client address the portal issued a web-chat user id to; a digest of the id, never the id. */
export const clientAddressKey = (userId: string) => `clients/${digest(userId)}`;

/** How long the portal's record of a user id's client address is honoured (Web Chat refreshes its token meanwhile). */
export const CLIENT_ADDRESS_TTL_MS = 24 * 60 * 60 * 1000;
/** Web-chat user ids the portal did not issue (or whose record expired) all count as this one client. */
const UNKNOWN_CLIENT = 'unknown';

interface TicketDoc {
  ticket: Ticket;
}

/**
 * Everything the limits are decided on lives in this one document, so one eTag-checked write checks
 * and claims them all at once. Separate per-target or per-requester documents would each need
 * creating on first use, and botbuilder's Storage has no create-if-absent: two instances creating
 * the same "first" document both succeed, and both requests would get through.
 */
export interface TicketIndex {
  /**
   * Open tickets by reference; `target` is the digest of targetKey(). A `duplicate` (a second
   * request for an account from someone Teams does not vouch for) never blocks its target.
   */
  open: Record<string, { target: string; createdAt: string; duplicate?: boolean }>;
  /**
   * Creations of the last hour, for the rolling hourly caps; ids are digests. `client` and
   * `domain` are absent on entries written before those caps existed (they count for no one).
   */
  recent: { at: string; requester: string; conversation: string; client?: string; domain?: string }[];
}

interface ClientAddressRecord {
  /** Digest of the client address key (IPv6 /64 or IPv4 address), never the address. */
  client: string;
  expiresAt: string;
}

interface CapNotices {
  /** Cap kind -> when its summary line was last claimed. */
  notices: Record<string, string>;
}

interface ConversationTickets {
  /** Newest first. A list rather than one reference so a creation that is rolled back leaves the previous one findable. */
  references: string[];
}

const HOUR_MS = 60 * 60 * 1000;
const MAX_ATTEMPTS = 10;
const CONVERSATION_HISTORY = 20;

/**
 * Helpdesk tickets in botbuilder Storage, safe to share between bot instances: every change is a
 * read-modify-write checked with the eTag, so of two admins clicking at once exactly one wins.
 */
export class TicketStore {
  /** This instance's creations, one at a time: they never conflict with each other, only with other instances'. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly limits: TicketLimits,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`TicketStore: ${name} must be a whole number >= 0`);
    }
  }

  /**
   * Stores a new pending ticket, or throws TicketLimitError: one open ticket per target account,
   * and rolling hourly caps per requester, per requester conversation, per client, per target
   * domain and overall. A requester Teams does not vouch for, asking about an account that already
   * has an open request, is not refused (that would tell a stranger a request is pending for it):
   * the ticket is stored as a duplicate, and the reference it duplicates is returned.
   */
  create(ticket: Ticket): Promise<string | undefined> {
    const run = this.queue.then(() => this.createNow(ticket));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async get(reference: string): Promise<Ticket | undefined> {
    if (!isCanonicalReference(reference)) return undefined;
    const key = ticketKey(reference);
    const doc = (await this.storage.read([key]))[key] as TicketDoc | undefined;
    return doc?.ticket;
  }

  /**
   * Read-modify-write with the eTag: `change` gets the current ticket and returns the new one (or
   * throws, e.g. InvalidTransition). Exactly one of two concurrent updates from the same state wins;
   * the loser gets { won: false, ticket: <the winner's result> } (re-read after the conflict), not an
   * exception. A change that throws InvalidTransition on the first read is a loss too: to the caller
   * a click that arrives after the other admin's is the same as one that arrives with it.
   * Keeps the open index in step when a ticket closes.
   */
  async update(reference: string, change: (current: Ticket) => Ticket): Promise<{ won: boolean; ticket: Ticket }> {
    if (!isCanonicalReference(reference)) throw new TicketNotFoundError(reference);
    const key = ticketKey(reference);
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const stored = (await this.storage.read([key]))[key];
      if (stored === undefined) throw new TicketNotFoundError(reference);
      const eTag = eTagOf(stored, key);
      const current = (stored as TicketDoc).ticket;

      let next: Ticket;
      try {
        next = change(structuredClone(current));
      } catch (error) {
        if (!(error instanceof InvalidTransition)) throw error;
        // Whoever closed it may have died before updating the index; finish their job.
        if (!isOpen(current)) await this.forgetOpen(reference);
        return { won: false, ticket: current };
      }
      if (next.reference !== reference) throw new Error('TicketStore.update: a change must not alter the reference');

      try {
        await this.storage.write({ [key]: { ticket: next, eTag } satisfies TicketDoc & StoreItem });
      } catch (error) {
        if (!isETagConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
        // Someone else changed the ticket. The next pass re-reads and asks `change` again: if the
        // other change made ours impossible (an approval beaten by another) that is a loss; if not
        // (it only recorded where the card was posted) ours is simply retried on top of it.
        await conflictPause(attempt, started);
        continue;
      }
      if (isOpen(current) && !isOpen(next)) await this.forgetOpen(reference);
      return { won: true, ticket: next };
    }
  }

  /**
   * Claims `submissionId` for `reference`. Returns the reference that holds it when an earlier
   * submission of the same activity got there first (then nothing is written).
   */
  async claimSubmission(submissionId: string, reference: string): Promise<string | undefined> {
    const key = submissionKey(submissionId);
    if (await createIfAbsent(this.storage, key, { reference, at: this.clock.now().toISOString() })) return undefined;
    const held = (await this.storage.read([key]))[key] as { reference?: unknown } | undefined;
    return typeof held?.reference === 'string' ? held.reference : undefined;
  }

  /** Gives a claim back (its ticket was refused), so the same activity is refused again, not answered with a ghost. */
  async releaseSubmission(submissionId: string): Promise<void> {
    await this.storage.delete([submissionKey(submissionId)]);
  }

  /**
   * Remembers which client address the portal issued a web-chat user id to (at token issue), so
   * the per-client cap holds however often that client rotates ids. `address` is the client key
   * from the portal (an IPv6 /64 or IPv4 address); only its digest is stored.
   */
  async recordClientAddress(userId: string, address: string): Promise<void> {
    const record: ClientAddressRecord = {
      client: digest(`client\n${address}`),
      expiresAt: new Date(this.clock.now().getTime() + CLIENT_ADDRESS_TTL_MS).toISOString(),
    };
    await this.storage.write({ [clientAddressKey(userId)]: { ...record, eTag: '*' } });
  }

  /**
   * Claims the right to post the one summary line for a tripped cap: true for the first caller in
   * any hour (across instances, by eTag), false for everyone else.
   */
  async claimCapNotice(kind: TrippedCap['kind']): Promise<boolean> {
    const now = this.clock.now();
    let claimed = false;
    await readModifyWrite<CapNotices>(this.storage, CAP_NOTICES_KEY, () => ({ notices: {} }), (doc) => {
      claimed = false;
      const last = doc.notices[kind];
      if (last && Date.parse(last) > now.getTime() - HOUR_MS) return undefined;
      claimed = true;
      return { notices: { ...doc.notices, [kind]: now.toISOString() } };
    });
    return claimed;
  }

  /** References of open tickets, oldest first (for the expiry sweep). */
  async openReferences(): Promise<string[]> {
    const index = (await this.storage.read([TICKET_INDEX_KEY]))[TICKET_INDEX_KEY] as TicketIndex | undefined;
    if (!index) return [];
    return Object.entries(index.open)
      .sort(([, a], [, b]) => a.createdAt.localeCompare(b.createdAt))
      .map(([reference]) => reference);
  }

  /** The latest ticket of a requester conversation (for "status" / "cancel my request"). */
  async latestForConversation(conversationId: string): Promise<Ticket | undefined> {
    const key = conversationTicketsKey(conversationId);
    const doc = (await this.storage.read([key]))[key] as ConversationTickets | undefined;
    for (const reference of doc?.references ?? []) {
      const ticket = await this.get(reference);
      if (ticket) return ticket;
    }
    return undefined;
  }

  private async createNow(ticket: Ticket): Promise<string | undefined> {
    if (!isCanonicalReference(ticket.reference)) throw new RangeError('TicketStore.create: reference must look like HD-XXXX-XXXX');
    if (ticket.state !== 'pending') throw new RangeError('TicketStore.create: a new ticket must be pending');
    const domain = targetDomain(ticket);
    const ids: ClaimIds = {
      target: digest(targetKey(ticket)),
      requester: digest(requesterIdentity(ticket)),
      conversation: digest(`${ticket.requester.channelId}\n${ticket.requester.conversationId}`),
      client: await this.clientIdentity(ticket),
      domain: domain ? digest(`domain\n${domain}`) : undefined,
      mayDuplicate: ticket.requester.assurance !== 'teams-verified',
    };
    const key = ticketKey(ticket.reference);
    // The ticket and the conversation's list first, the claim on the index last: a crash in between
    // leaves an unindexed ticket no one knows the reference of, never an index entry blocking a
    // target with nothing behind it.
    if (!(await createIfAbsent(this.storage, key, { ticket } satisfies TicketDoc))) throw new Error(`TicketStore.create: ${ticket.reference} already exists`);
    const conversationKey = conversationTicketsKey(ticket.requester.conversationId);
    await readModifyWrite<ConversationTickets>(this.storage, conversationKey, () => ({ references: [] }), (doc) => ({
      references: [ticket.reference, ...doc.references.filter((r) => r !== ticket.reference)].slice(0, CONVERSATION_HISTORY),
    }));
    let duplicateOf: string | undefined;
    try {
      duplicateOf = await this.claim(ticket.reference, ids);
    } catch (error) {
      await this.rollBack(ticket.reference, key, conversationKey);
      throw error;
    }
    // Marked after the claim, which alone knows; until then it reads as an ordinary request.
    if (duplicateOf) await this.update(ticket.reference, (t) => ({ ...t, duplicateOf }));
    return duplicateOf;
  }

  /**
   * Who counts as one client for the per-client cap. A Teams user with an object id is vouched
   * for by Teams (in production; local mode is loopback only), so their tenant and object id is
   * the key: rotating it means being another real account. Everyone else (web chat) is the client
   * address the portal recorded for the user id it issued; an id it did not issue, or whose
   * record has expired, shares the one "unknown" bucket, so inventing ids gains nothing.
   */
  private async clientIdentity(ticket: Ticket): Promise<string> {
    const objectId = ticket.requester.objectId?.trim().toLowerCase();
    if (ticket.requester.channelId === 'msteams' && objectId) {
      return digest(`teams\n${ticket.requester.replyTo.tenantId ?? ''}\n${objectId}`);
    }
    const key = clientAddressKey(ticket.requester.replyTo.userId);
    const record = (await this.storage.read([key]))[key] as Partial<ClientAddressRecord> | undefined;
    const live = typeof record?.client === 'string' && typeof record.expiresAt === 'string' && Date.parse(record.expiresAt) > this.clock.now().getTime();
    return live ? record.client! : digest(`client\n${UNKNOWN_CLIENT}`);
  }

  /**
   * Checks the limits and records the ticket in the index, in one eTag-checked write. Returns the
   * reference of the open request this one duplicates, if it is a duplicate.
   */
  private async claim(reference: string, ids: ClaimIds): Promise<string | undefined> {
    /** Index entries whose ticket turned out closed or missing; they are dropped in the same write. */
    const stale = new Set<string>();
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const stored = (await this.storage.read([TICKET_INDEX_KEY]))[TICKET_INDEX_KEY];
      if (stored === undefined) {
        if (attempt >= MAX_ATTEMPTS) throw new Error(`Storage did not keep "${TICKET_INDEX_KEY}"`);
        await createIfAbsent(this.storage, TICKET_INDEX_KEY, emptyIndex());
        continue;
      }
      const eTag = eTagOf(stored, TICKET_INDEX_KEY);
      const index = stored as TicketIndex;
      const now = this.clock.now();

      let duplicateOf: string | undefined;
      for (const [other, entry] of Object.entries(index.open)) {
        if (other === reference || entry.target !== ids.target || entry.duplicate || stale.has(other)) continue;
        // The index may lag behind a ticket whose closer crashed before updating it; the ticket decides.
        const existing = await this.get(other);
        if (existing && isOpen(existing)) {
          if (!ids.mayDuplicate) throw new TicketLimitError('open-request-for-target', other);
          duplicateOf = other;
          break;
        }
        stale.add(other);
      }
      const since = now.getTime() - HOUR_MS;
      const recent = index.recent.filter((c) => Date.parse(c.at) > since);
      if (recent.filter((c) => c.requester === ids.requester).length >= this.limits.perRequesterPerHour) {
        throw new TicketLimitError('requester-hourly-cap');
      }
      if (recent.filter((c) => c.conversation === ids.conversation).length >= this.limits.perConversationPerHour) {
        throw new TicketLimitError('conversation-hourly-cap');
      }
      // The caps id rotation cannot get round: the same client, the same domain, everyone.
      checkCap(recent, (c) => c.client === ids.client, this.limits.perClientAddressPerHour, 'client-address', now);
      if (ids.domain) checkCap(recent, (c) => c.domain === ids.domain, this.limits.perTargetDomainPerHour, 'target-domain', now);
      checkCap(recent, () => true, this.limits.perHour, 'overall', now);

      const open = Object.fromEntries(Object.entries(index.open).filter(([r]) => !stale.has(r)));
      open[reference] = { target: ids.target, createdAt: now.toISOString(), ...(duplicateOf ? { duplicate: true } : {}) };
      const creation: TicketIndex['recent'][number] = { at: now.toISOString(), requester: ids.requester, conversation: ids.conversation, client: ids.client };
      if (ids.domain) creation.domain = ids.domain;
      const next: TicketIndex = { open, recent: [...recent, creation] };
      try {
        await this.storage.write({ [TICKET_INDEX_KEY]: { ...next, eTag } });
        return duplicateOf;
      } catch (error) {
        if (!isETagConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
        await conflictPause(attempt, started);
      }
    }
  }

  /** Undoes a creation the index refused, so a refused request leaves no ticket behind. */
  private async rollBack(reference: string, key: string, conversationKey: string): Promise<void> {
    try {
      await this.storage.delete([key]);
      await readModifyWrite<ConversationTickets>(this.storage, conversationKey, () => ({ references: [] }), (doc) =>
        doc.references.includes(reference) ? { references: doc.references.filter((r) => r !== reference) } : undefined,
      );
    } catch {
      // The refusal is what the caller must hear about; what is left is unindexed and harmless,
      // since latestForConversation skips references whose ticket is gone.
    }
  }

  /** Drops a closed ticket from the open index. */
  private async forgetOpen(reference: string): Promise<void> {
    try {
      await readModifyWrite<TicketIndex>(this.storage, TICKET_INDEX_KEY, emptyIndex, (index) => {
        if (!(reference in index.open)) return undefined;
        const { [reference]: _closed, ...open } = index.open;
        return { ...index, open };
      });
    } catch {
      // The ticket itself is already written and is the truth; failing here would make the caller
      // think the change was lost. A stale entry heals itself: create() and update() check the
      // ticket behind an entry and drop it once they see it closed.
    }
  }

  /**
   * Retention: deletes a closed ticket whose last change (its closing) was before `closedBefore`,
   * with its open-index entry and its place in its conversation's list. An open ticket is never
   * deleted. True when this call found it eligible (deleting twice, from two instances, is harmless).
   */
  async deleteClosed(reference: string, closedBefore: Date): Promise<boolean> {
    const ticket = await this.get(reference);
    if (!ticket || isOpen(ticket) || Date.parse(ticket.updatedAt) >= closedBefore.getTime()) return false;
    await this.forgetOpen(reference);
    const conversationKey = conversationTicketsKey(ticket.requester.conversationId);
    // Read first: readModifyWrite would create the list if it is already gone.
    if ((await this.storage.read([conversationKey]))[conversationKey] !== undefined) {
      await readModifyWrite<ConversationTickets>(this.storage, conversationKey, () => ({ references: [] }), (doc) =>
        doc.references.includes(reference) ? { references: doc.references.filter((r) => r !== reference) } : undefined,
      );
    }
    await this.storage.delete([ticketKey(reference)]);
    return true;
  }
}

/**
 * Read-modify-write of one document, checked with the eTag and retried on conflict with a
 * random, growing pause (as outcomeStats.ts does). `change` gets the document without its eTag and
 * returns the new one, or undefined to leave it alone; it may run more than once.
 */
export async function readModifyWrite<T extends object>(
  storage: Storage,
  key: string,
  empty: () => T,
  change: (doc: T) => T | undefined,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const started = performance.now();
    const stored = (await storage.read([key]))[key];
    if (stored === undefined) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`Storage did not keep "${key}"`);
      await createIfAbsent(storage, key, empty());
      continue;
    }
    const eTag = eTagOf(stored, key);
    const { eTag: _read, ...doc } = stored;
    const next = change(doc as T);
    if (next === undefined) return doc as T;
    try {
      await storage.write({ [key]: { ...next, eTag } });
      return next;
    } catch (error) {
      if (!isETagConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
      await conflictPause(attempt, started);
    }
  }
}

function eTagOf(item: StoreItem, key: string): string {
  const eTag: unknown = item.eTag;
  // Without a real eTag the write would be unconditional and two admins could both win.
  if (typeof eTag !== 'string' || eTag === '' || eTag === '*') throw new Error(`Storage returned "${key}" without an eTag`);
  return eTag;
}

interface ClaimIds {
  target: string;
  requester: string;
  conversation: string;
  client: string;
  domain?: string;
  /** Not vouched for by Teams: a second request for an open target is kept as a duplicate, not refused. */
  mayDuplicate: boolean;
}

const CAP_REASONS: Record<TrippedCap['kind'], TicketLimitReason> = {
  'client-address': 'client-address-hourly-cap',
  'target-domain': 'target-domain-hourly-cap',
  overall: 'overall-hourly-cap',
};

/** Throws when `limit` creations of the last hour (already filtered to it) match. */
function checkCap(
  recent: TicketIndex['recent'],
  matches: (c: TicketIndex['recent'][number]) => boolean,
  limit: number | undefined,
  kind: TrippedCap['kind'],
  now: Date,
): void {
  if (limit === undefined) return;
  const counted = recent.filter(matches);
  if (counted.length < limit) return;
  const oldest = counted.reduce((min, c) => Math.min(min, Date.parse(c.at)), now.getTime());
  throw new TicketLimitError(CAP_REASONS[kind], undefined, { kind, limit, until: new Date(oldest + HOUR_MS) });
}

/** The lower-cased domain of the sign-in address asked about; none for a target known only by object id. */
function targetDomain(ticket: Ticket): string | undefined {
  const address = ticket.target.signInAddress?.trim().toLowerCase();
  const at = address?.lastIndexOf('@') ?? -1;
  return address && at > 0 && at < address.length - 1 ? address.slice(at + 1) : undefined;
}

function emptyIndex(): TicketIndex {
  return { open: {}, recent: [] };
}

/**
 * Who counts as the same requester for the hourly cap: the Entra object id when Teams gave one,
 * else the channel's user id. Namespaced by kind and channel so a web chat user who sets their
 * user id to someone's object id cannot use up that person's allowance.
 */
function requesterIdentity(ticket: Ticket): string {
  const objectId = ticket.requester.objectId?.trim().toLowerCase();
  return objectId ? `oid\n${objectId}` : `user\n${ticket.requester.channelId}\n${ticket.requester.replyTo.userId}`;
}

/** 128 bits of SHA-256: keys and index entries stay short, and personal ids stay out of key names. */
function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32);
}

/** References become storage keys: only the exact form newReference() produces is accepted. */
export function isCanonicalReference(reference: string): boolean {
  return typeof reference === 'string' && isReference(reference) && reference === reference.trim().toUpperCase();
}

