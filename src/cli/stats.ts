/**
 * `npm run stats [-- DAYS]`: which problems people came with over the last DAYS days (default 7,
 * UTC, today included) and how their conversations ended, most common first, from the store the
 * bot is configured with. The counts hold no personal data.
 */
import type { Config } from '../config';
import { loadConfig, readEnvironment } from '../config';
import { PROBLEM_CASES, systemClock, type Clock, type Outcome, type ProblemCase } from '../core/ports';
import { StoredOutcomes } from '../infra/outcomeStats';
import { quiet, runTool, withDurableStore } from './durableStore';
const OUTCOMES: Outcome[] = ['resolved', 'escalated', 'gave-up'];
const MAX_DAYS = 366;

/** Writes the table and returns the exit code; separate from `main` so a test can call it. */
export async function printOutcomeStats(config: Config, daysArg: string | undefined, write: (line: string) => void, clock: Clock = systemClock): Promise<number> {
  const days = daysArg === undefined ? 7 : Number(daysArg);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    write(`Not a number of days: expected 1 to ${MAX_DAYS}`);
    return 2;
  }
  return withDurableStore(config, 'Statistics are', write, async (storage) => {
    const outcomes = new StoredOutcomes(storage, quiet, clock);
    const today = clock.now().getTime();
    const totals = new Map<ProblemCase | 'not asked', Record<Outcome, number>>();
    for (let i = 0; i < days; i++) {
      const day = await outcomes.day(new Date(today - i * 86_400_000).toISOString().slice(0, 10));
      if (!day) continue;
      const asked = { resolved: 0, escalated: 0, 'gave-up': 0 } as Record<Outcome, number>;
      for (const problem of PROBLEM_CASES) {
        const counts = day.problems?.[problem];
        if (!counts) continue;
        const row = totals.get(problem) ?? { resolved: 0, escalated: 0, 'gave-up': 0 };
        for (const o of OUTCOMES) {
          row[o] += counts[o] ?? 0;
          asked[o] += counts[o] ?? 0;
        }
        totals.set(problem, row);
      }
      // Conversations that ended before anyone said what broke (cancelled at the account question, …).
      const rest = totals.get('not asked') ?? { resolved: 0, escalated: 0, 'gave-up': 0 };
      for (const o of OUTCOMES) rest[o] += (day.outcomes[o] ?? 0) - asked[o];
      totals.set('not asked', rest);
    }
    const sum = (r: Record<Outcome, number>) => OUTCOMES.reduce((n, o) => n + r[o], 0);
    const rows = [...totals].filter(([, r]) => sum(r) > 0).sort((a, b) => sum(b[1]) - sum(a[1]) || Number(a[0] === 'not asked') - Number(b[0] === 'not asked') || a[0].localeCompare(b[0]));
    write(`Problems in the last ${days} day(s), most common first:`);
    write(['problem'.padEnd(24), 'total', 'resolved', 'escalated', 'gave-up'].join('\t'));
    for (const [problem, r] of rows) write([problem.padEnd(24), sum(r), r.resolved, r.escalated, r['gave-up']].join('\t'));
    if (rows.length === 0) write('(no conversations recorded)');
    return 0;
  });
}

if (require.main === module) {
  runTool('stats', () => printOutcomeStats(loadConfig(readEnvironment()), process.argv[2], (line) => process.stdout.write(`${line}\n`)));
}
