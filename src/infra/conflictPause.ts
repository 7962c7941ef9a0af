/**
 * How long a writer that lost an eTag race waits before reading again.
 *
 * Two writers collide when their read-modify-write cycles overlap, so the pause has to be measured
 * in cycles: a fixed few milliseconds is plenty on SQLite (a cycle takes one) and far too little
 * on Blob storage under load (a cycle takes tens), where ten instances counting at once kept
 * colliding more times in a row than the attempt limit. The pause is random over the whole window
 * ("full jitter", so writers in lockstep spread out), the window is the losing cycle's duration
 * doubled per conflict, and it is capped so a long run of conflicts still retries every few seconds.
 */
const FLOOR_MS = 5;
const DOUBLINGS = 6;
export const MAX_CONFLICT_PAUSE_MS = 2_000;

export function conflictPauseMs(attempt: number, cycleMs: number, random: () => number = Math.random): number {
  const unit = Math.max(FLOOR_MS, Number.isFinite(cycleMs) ? cycleMs : FLOOR_MS);
  return random() * Math.min(MAX_CONFLICT_PAUSE_MS, unit * 2 ** Math.min(Math.max(attempt, 1), DOUBLINGS));
}

/** Waits after conflict number `attempt` of a cycle that began at `cycleStartedAt` (a `performance.now()` reading). */
export function conflictPause(attempt: number, cycleStartedAt: number): Promise<void> {
  const ms = conflictPauseMs(attempt, performance.now() - cycleStartedAt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
