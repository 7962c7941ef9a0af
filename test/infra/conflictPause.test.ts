import { conflictPauseMs, MAX_CONFLICT_PAUSE_MS } from '../../src/infra/conflictPause';

const top = () => 0.999_999;

describe('conflictPauseMs', () => {
  test.each([
    // attempt, losing cycle (ms), longest pause (ms)
    [1, 1, 10],
    [2, 1, 20],
    [3, 1, 40],
    [1, 40, 80],
    [3, 40, 320],
    [5, 40, 1_280],
    [6, 40, MAX_CONFLICT_PAUSE_MS],
    [30, 1, 320],
    [30, 500, MAX_CONFLICT_PAUSE_MS],
  ])('conflict %i after a %i ms cycle waits at most %i ms', (attempt, cycleMs, longest) => {
    expect(conflictPauseMs(attempt, cycleMs, top)).toBeCloseTo(longest, 0);
    expect(conflictPauseMs(attempt, cycleMs, () => 0)).toBe(0);
  });

  test('a slow store spreads writers over more time than a fast one', () => {
    expect(conflictPauseMs(2, 60, top)).toBeGreaterThan(10 * conflictPauseMs(2, 1, top));
  });

  test('a clock that misbehaves still gives a bounded pause', () => {
    for (const cycle of [Number.NaN, -5, Number.POSITIVE_INFINITY]) {
      const ms = conflictPauseMs(2, cycle, top);
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(MAX_CONFLICT_PAUSE_MS);
    }
  });
});
