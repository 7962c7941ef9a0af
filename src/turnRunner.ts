/**
 * Runs each turn so that two turns of one conversation never overwrite each other.
 *
 * In this process, turns of one conversation run one at a time (a double click waits for the
 * first turn instead of racing it). Across instances the state writes are conditional
 * (src/infra/checkedState.ts): the turn that loses has its replies held back, its cached state
 * dropped, and runs again on the winner's state, so the person sees one consistent answer.
 * This is the "buffer the outgoing activities, save with the eTag, retry on conflict" pattern of
 * Bot Framework's guide to custom storage for scaled-out bots.
 */
import { ActivityTypes, type Activity, type ResourceResponse, type TurnContext } from 'botbuilder';
import type { Log } from './core/ports';
import { StateConflictError, type CheckedBotState } from './infra/checkedState';
import { conflictPause } from './infra/conflictPause';
import { conversationHash } from './logContext';

export interface TurnRunnerOptions {
  states: readonly CheckedBotState[];
  log: Log;
  /** Runs of one turn before the conflict is reported as the turn's error. */
  maxAttempts?: number;
}

const HOLDING = Symbol('turnRunner.holding');

export class TurnRunner {
  /** The last turn queued per conversation; removed when it finishes, so idle conversations cost nothing. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly maxAttempts: number;

  constructor(private readonly options: TurnRunnerOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  run(context: TurnContext, logic: () => Promise<void>): Promise<void> {
    const conversationId = context.activity.conversation?.id;
    if (!conversationId) return logic();
    return this.serialise(`${context.activity.channelId}\n${conversationId}`, () => this.attempts(context, logic));
  }

  private async serialise(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private async attempts(context: TurnContext, logic: () => Promise<void>): Promise<void> {
    // An Action.Execute invoke acts on a helpdesk request (guarded by the request's own eTag) and
    // writes no conversation state: running it twice would report the first run's approval as
    // "already handled". It is sent straight through and never re-run.
    if (context.activity.type === ActivityTypes.Invoke) return logic();

    let outbox: Partial<Activity>[][] = [];
    context.turnState.set(HOLDING, true);
    context.onSendActivities(async (_context, activities, next) => {
      if (!context.turnState.get(HOLDING)) return next();
      outbox.push(activities);
      return activities.map((): ResourceResponse => ({ id: '' }));
    });
    const flush = async () => {
      context.turnState.set(HOLDING, false);
      for (const batch of outbox) await context.sendActivities(batch);
      outbox = [];
    };

    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      try {
        await logic();
      } catch (error) {
        if (!(error instanceof StateConflictError) || attempt >= this.maxAttempts) {
          // What the turn said before failing is still said, as it would be without the runner;
          // a turn that kept losing says nothing but the error handler's message.
          if (!(error instanceof StateConflictError)) await flush();
          else outbox = [];
          context.turnState.set(HOLDING, false);
          throw error;
        }
        this.options.log.info(
          { conversation: conversationHash(context.activity.conversation?.id), attempt },
          'another turn of this conversation saved first; running this one again on its state',
        );
        outbox = [];
        for (const state of this.options.states) state.forget(context);
        await conflictPause(attempt, started);
        continue;
      }
      await flush();
      return;
    }
  }
}
