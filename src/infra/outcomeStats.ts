import type { Storage } from 'botbuilder';
import type { Clock, Log, Outcome, OutcomePort, OutcomeRecord, ProblemCase } from '../core/ports';
import { conflictPause } from './conflictPause';
import { createIfAbsent, ETagConflictError, isETagConflict } from './storageErrors';

/**
 * One document per UTC day: counts per outcome, per path and per problem (what broke, when the
 * person said), so the helpdesk can see which problems are most common and how they end.
 */
export interface DailyOutcomes {
  day: string;
  outcomes: Partial<Record<Outcome, number>>;
  paths: Record<string, Partial<Record<Outcome, number>>>;
  /** Absent in days recorded before the diagnosis question existed. */
  problems?: Partial<Record<ProblemCase, Partial<Record<Outcome, number>>>>;
  eTag?: string;
}

const OUTCOMES_PREFIX = 'stats/outcomes/';
export const outcomesKey = (day: string) => `${OUTCOMES_PREFIX}${day}`;
/** Counters, not records: a store may trade their last writes in a power cut for speed (SqliteStorage's `relaxed`). */
export const isOutcomesKey = (key: string) => key.startsWith(OUTCOMES_PREFIX);

const MAX_ATTEMPTS = 12;

/**
 * Counts outcomes in storage. Two instances may end conversations at the same moment, so the
 * counter is updated read-modify-write with the eTag and retried on conflict.
 */
export class StoredOutcomes implements OutcomePort {
  /** This instance's records, one at a time: they never conflict with each other, only with other instances'. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly storage: Storage, private readonly log: Log, private readonly clock: Clock) {}

  record(entry: OutcomeRecord): Promise<void> {
    const day = this.clock.now().toISOString().slice(0, 10);
    const run = this.queue.then(() => this.update(entry, day));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async update(entry: OutcomeRecord, day: string): Promise<void> {
    const key = outcomesKey(day);
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const stored = (await this.storage.read([key]))[key] as DailyOutcomes | undefined;
      const current = stored ?? { day, outcomes: {}, paths: {} };
      current.outcomes[entry.outcome] = (current.outcomes[entry.outcome] ?? 0) + 1;
      const path = (current.paths[entry.path] ??= {});
      path[entry.outcome] = (path[entry.outcome] ?? 0) + 1;
      if (entry.problem) {
        const problem = ((current.problems ??= {})[entry.problem] ??= {});
        problem[entry.outcome] = (problem[entry.outcome] ?? 0) + 1;
      }
      try {
        if (stored) await this.storage.write({ [key]: current });
        // The day's first count: if another instance created the document meanwhile, count again on top of it.
        else if (!(await createIfAbsent(this.storage, key, current))) throw new ETagConflictError(key);
        this.log.info({ outcome: entry.outcome, path: entry.path, ...(entry.problem ? { problem: entry.problem } : {}), channelId: entry.channelId, locale: entry.locale }, 'conversation outcome');
        return;
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isETagConflict(error)) throw error;
        await conflictPause(attempt, started);
      }
    }
  }

  async day(day: string): Promise<DailyOutcomes | undefined> {
    return (await this.storage.read([outcomesKey(day)]))[outcomesKey(day)] as DailyOutcomes | undefined;
  }
}
