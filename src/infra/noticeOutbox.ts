import type { Storage } from 'botbuilder';
import type { Clock } from '../core/ports';
import { readModifyWrite } from './ticketStore';

/** What the requester still has to be told: a ticket's outcome, or that it reached the helpdesk at last. */
export interface Notice {
  reference: string;
  what: 'state' | 'reached';
  /** Failed attempts so far. */
  attempts: number;
  nextAttemptAt: string;
}

const KEY = 'helpdesk/notices';
/** Tries after the first failure; with the backoff below that is about two hours before giving up. */
export const MAX_NOTICE_ATTEMPTS = 6;
const BASE_DELAY_MS = 2 * 60 * 1000;

/** Exponential backoff from two minutes. */
export function noticeDelayMs(attempts: number): number {
  return BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1);
}

interface OutboxDoc {
  notices: Notice[];
}

/**
 * Requester notifications that failed, waiting for the sweep to try again. A closed ticket leaves
 * the open index, so its pending notice is kept here, in the shared store: every instance's sweep
 * sees it, and claiming a notice is an eTag-checked write, so only one instance sends each try.
 */
export class NoticeOutbox {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  /** Records a failed notification (a new one, or another failed try of one already here). */
  async failed(reference: string, what: Notice['what'], attempts: number): Promise<'queued' | 'gave-up'> {
    const gaveUp = attempts > MAX_NOTICE_ATTEMPTS;
    const nextAttemptAt = new Date(this.clock.now().getTime() + noticeDelayMs(attempts)).toISOString();
    await readModifyWrite<OutboxDoc>(this.storage, KEY, () => ({ notices: [] }), (doc) => {
      const others = doc.notices.filter((n) => !(n.reference === reference && n.what === what));
      return { notices: gaveUp ? others : [...others, { reference, what, attempts, nextAttemptAt }] };
    });
    return gaveUp ? 'gave-up' : 'queued';
  }

  /** Takes the notices that are due for this instance to try, pushing their next try out so no other instance takes them. */
  async claimDue(): Promise<Notice[]> {
    const now = this.clock.now().getTime();
    let claimed: Notice[] = [];
    await readModifyWrite<OutboxDoc>(this.storage, KEY, () => ({ notices: [] }), (doc) => {
      claimed = doc.notices.filter((n) => Date.parse(n.nextAttemptAt) <= now);
      if (claimed.length === 0) return undefined;
      const due = new Set(claimed);
      // Held, not removed, while this instance tries: if it dies, the notice comes due again.
      const hold = new Date(now + noticeDelayMs(1)).toISOString();
      return { notices: doc.notices.map((n) => (due.has(n) ? { ...n, nextAttemptAt: hold } : n)) };
    });
    return claimed;
  }

  /** Forgets a notice that has now been delivered. */
  async delivered(reference: string, what: Notice['what']): Promise<void> {
    await readModifyWrite<OutboxDoc>(this.storage, KEY, () => ({ notices: [] }), (doc) =>
      doc.notices.some((n) => n.reference === reference && n.what === what)
        ? { notices: doc.notices.filter((n) => !(n.reference === reference && n.what === what)) }
        : undefined,
    );
  }

  async list(): Promise<Notice[]> {
    return ((await this.storage.read([KEY]))[KEY] as OutboxDoc | undefined)?.notices ?? [];
  }
}
