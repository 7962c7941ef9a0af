import type { Outcome } from '../src/core/ports';

/**
 * How a path ends: an outcome to record, or a request to hand the person to the helpdesk
 * intake (which the root dialog owns, so that every path reaches the same intake).
 */
export type PathResult = { outcome: Outcome; path: string } | { escalate: true };

export const ended = (outcome: Outcome, path: string): PathResult => ({ outcome, path });
export const escalate: PathResult = { escalate: true };
