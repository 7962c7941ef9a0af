import type { Dialog } from 'botbuilder-dialogs';

/**
 * The dialogs of one part of the conversation (which account, what broke, each account's path,
 * the helpdesk intake), added to MainDialog's own set rather than wrapped in a ComponentDialog of
 * their own. Every component level is one more dialog context, memory-scope manager and chain of
 * async calls on every turn spent inside it, about 50 µs of CPU a level (bench/dialogNesting.ts), and a
 * guided step used to run three levels deep. A part is begun by the id exported beside it, which
 * is its first dialog's id, and it ends, with its result, when that dialog or the one that
 * replaced it ends: what a component would do.
 */
export abstract class DialogGroup {
  private readonly members: Dialog[] = [];

  get dialogs(): readonly Dialog[] {
    return this.members;
  }

  protected add(dialog: Dialog): void {
    this.members.push(dialog);
  }
}
