/**
 * The retention sweep: deletes what the bot no longer needs, so personal data (addresses, phone
 * numbers, who asked for what) is not kept for ever.
 *
 *  - conversation and user state not written for `days` (botbuilder's keys,
 *    `<channel>/conversations/<id>` and `<channel>/users/<id>`);
 *  - a help request left unsent for `abandonedIntakeHours`: the conversation's dialog state,
 *    which holds the typed answers and both phone numbers, is dropped (the rest stays, so the
 *    person is not welcomed again);
 *  - closed requests closed more than `days` ago, with their index entries and their place in
 *    their conversation's list; the conversation lists and submission claims no longer written;
 *  - the audit trail of a request closed (or gone) more than `auditDays` ago.
 *
 * Open requests and their audit are never deleted. Every instance may run it at once: deletes
 * are idempotent, and the dialog state is dropped with an eTag-checked write, so a person who
 * comes back at that moment keeps what they just typed.
 */
import type { Storage, StoreItem } from 'botbuilder';
import type { AuditRecord } from '../core/audit';
import type { Clock, Log } from '../core/ports';
import { isOpen } from '../core/tickets';
import { auditKey } from './storedAudit';
import { isETagConflict } from './storageErrors';
import { canList, type StoredKey } from './storeListing';
import { isCanonicalReference, type TicketStore } from './ticketStore';

export interface RetentionSettings {
  days: number;
  abandonedIntakeHours: number;
  auditDays: number;
}

export interface RetentionOptions {
  storage: Storage;
  tickets: TicketStore;
  clock: Clock;
  log: Log;
  settings: RetentionSettings;
  /**
   * Whether a conversation's state holds a help request not sent yet. The dialogs know what that
   * looks like; the composition root says (infra does not import dialogs).
   */
  holdsUnsentIntake: (state: StoreItem) => boolean;
}

/** What one pass deleted, for the log line and for tests. */
export interface RetentionReport {
  conversations: number;
  users: number;
  abandonedIntakes: number;
  tickets: number;
  conversationLists: number;
  submissions: number;
  audits: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

const CONVERSATION_STATE = /^[^/]+\/conversations\//;
const USER_STATE = /^[^/]+\/users\//;
const TICKET = /^tickets\/(HD-[^/]+)$/;
const AUDIT = /^audit\/(HD-[^/]+)$/;
const CONVERSATION_LIST = /^tickets\/conversation\//;
const SUBMISSION = /^tickets\/submission\//;

export class RetentionSweep {
  private warnedUnlisted = false;

  constructor(private readonly options: RetentionOptions) {
    for (const [name, value] of Object.entries(options.settings)) {
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`RetentionSweep: ${name} must be a positive number`);
    }
  }

  async sweep(): Promise<RetentionReport> {
    const report: RetentionReport = { conversations: 0, users: 0, abandonedIntakes: 0, tickets: 0, conversationLists: 0, submissions: 0, audits: 0 };
    const { storage, settings, clock, log } = this.options;
    if (!canList(storage)) {
      if (!this.warnedUnlisted) log.warn({}, 'retention sweep skipped: this store cannot list its keys');
      this.warnedUnlisted = true;
      return report;
    }
    const now = clock.now().getTime();
    const retainedSince = new Date(now - settings.days * DAY_MS);
    const intakeSince = new Date(now - settings.abandonedIntakeHours * HOUR_MS);
    const auditSince = new Date(now - settings.auditDays * DAY_MS);

    // One listing, then the work: the stores list a snapshot, and deleting while walking is safe.
    const entries: StoredKey[] = [];
    for await (const entry of storage.list('')) entries.push(entry);

    const audits: string[] = [];
    for (const { key, modifiedAt } of entries) {
      if (CONVERSATION_STATE.test(key)) {
        if (modifiedAt < retainedSince) {
          await storage.delete([key]);
          report.conversations += 1;
        } else if (modifiedAt < intakeSince && (await this.dropUnsentIntake(key))) {
          report.abandonedIntakes += 1;
        }
      } else if (USER_STATE.test(key)) {
        if (modifiedAt < retainedSince) {
          await storage.delete([key]);
          report.users += 1;
        }
      } else if (TICKET.test(key)) {
        const reference = TICKET.exec(key)![1]!;
        if (isCanonicalReference(reference) && (await this.options.tickets.deleteClosed(reference, retainedSince))) report.tickets += 1;
      } else if (AUDIT.test(key)) {
        audits.push(AUDIT.exec(key)![1]!);
      } else if (CONVERSATION_LIST.test(key) && modifiedAt < retainedSince) {
        if (await this.dropConversationList(key)) report.conversationLists += 1;
      } else if (SUBMISSION.test(key) && modifiedAt < retainedSince) {
        // A claim only stops the same activity being submitted twice; no channel retries for days.
        await storage.delete([key]);
        report.submissions += 1;
      }
    }
    // After the tickets: a ticket deleted in this pass leaves its audit to its own retention.
    for (const reference of audits) if (await this.dropAudit(reference, auditSince)) report.audits += 1;

    if (Object.values(report).some((n) => n > 0)) log.info({ retention: report }, 'retention sweep deleted old data');
    return report;
  }

  /** Drops the dialog state of an intake no one finished; false when there is none or the person is back. */
  private async dropUnsentIntake(key: string): Promise<boolean> {
    const { storage } = this.options;
    const state = (await storage.read([key]))[key];
    if (!state || !this.options.holdsUnsentIntake(state)) return false;
    const { dialogState: _answers, ...rest } = state;
    try {
      // eTag-checked: a turn that saved since the read wins, and the next sweep looks again.
      await storage.write({ [key]: { ...rest, eTag: state.eTag as unknown } });
      return true;
    } catch (error) {
      if (isETagConflict(error)) return false;
      throw error;
    }
  }

  /** A conversation's list of requests, once none of them is open (an old conversation with an open request keeps it). */
  private async dropConversationList(key: string): Promise<boolean> {
    const { storage, tickets } = this.options;
    const doc = (await storage.read([key]))[key] as { references?: unknown } | undefined;
    const references = Array.isArray(doc?.references) ? doc.references.filter((r): r is string => typeof r === 'string') : [];
    for (const reference of references) {
      const ticket = await tickets.get(reference);
      if (ticket && isOpen(ticket)) return false;
    }
    await storage.delete([key]);
    return true;
  }

  /** An audit trail whose request is closed or gone and whose last record is older than the audit period. */
  private async dropAudit(reference: string, auditSince: Date): Promise<boolean> {
    const { storage, tickets } = this.options;
    if (!isCanonicalReference(reference)) return false;
    const ticket = await tickets.get(reference);
    if (ticket && (isOpen(ticket) || Date.parse(ticket.updatedAt) >= auditSince.getTime())) return false;
    const key = auditKey(reference);
    const doc = (await storage.read([key]))[key] as { records?: AuditRecord[] } | undefined;
    const last = Math.max(0, ...(doc?.records ?? []).map((r) => Date.parse(r.at)).filter(Number.isFinite));
    if (last >= auditSince.getTime()) return false;
    await storage.delete([key]);
    return true;
  }
}
