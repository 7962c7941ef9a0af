import { ActivityTypes, type TurnContext } from 'botbuilder';
import { DialogEvents, DialogTurnStatus, WaterfallDialog, type DialogContext, type DialogEvent, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Outcome } from '../src/core/ports';
import type { Interruption } from '../src/core/recognizers';
import { matchesAny } from '../src/core/recognizers';
import { ACCOUNT_KIND, AccountKindDialog, openingKey, type AccountKindOptions, type AccountKindResult } from './accountKindDialog';
import { DiagnosisDialog } from './diagnosisDialog';
import type { DialogGroup } from './dialogGroup';
import { ESCALATION_INTAKE, EscalationIntakeDialog } from './escalationIntakeDialog';
import { GuidedStepsDialog } from './guidedStepsDialog';
import { InterruptibleDialog } from './interruptibleDialog';
import { ended, type PathResult } from './pathResult';
import { PERSONAL_ACCOUNT, PersonalAccountDialog } from './personalAccountDialog';
import { submittedChoice } from './prompts';
import type { DialogServices, SupportCase } from './services';
import { Voice } from './voice';
import { WORK_ACCOUNT, WorkAccountDialog } from './workAccountDialog';

export const MAIN_DIALOG = 'main';
const FLOW = 'main.flow';

export interface FlowOptions {
  /**
   * new: a fresh conversation begun by the person's message; welcome: begun by the bot when the
   * chat opened (Web Chat's join event, Teams' install), before the person said anything;
   * restart: "start over"; human: "talk to a person".
   */
  entry: 'new' | 'welcome' | 'restart' | 'human';
}

/**
 * The whole conversation: which account, then that account's path, then the outcome recorded.
 * Help, cancel, start over and talk to a person work at every step (InterruptibleDialog). Every
 * part's dialogs are in this one dialog's set (DialogGroup), and the bot runs that set's stack at
 * the root of the conversation state (runTurn), so no turn pays for nested dialog contexts.
 */
export class MainDialog extends InterruptibleDialog {
  constructor(private readonly services: DialogServices) {
    const voice = new Voice(services.localizer);
    super(MAIN_DIALOG, voice);
    this.addGroup(new AccountKindDialog(voice, services.maxMisses));
    this.addGroup(new DiagnosisDialog(voice, services));
    this.addGroup(new PersonalAccountDialog(voice, services));
    this.addGroup(new WorkAccountDialog(voice, services));
    this.addGroup(new EscalationIntakeDialog(voice, services));
    // Both account paths walk the person through steps.
    this.addDialog(new GuidedStepsDialog(voice));
    for (const prompt of GuidedStepsDialog.prompts(services.maxMisses)) this.addDialog(prompt);
    this.addDialog(
      new WaterfallDialog<FlowOptions>(FLOW, [
        this.greet.bind(this),
        this.route.bind(this),
        this.afterPath.bind(this),
        this.finish.bind(this),
      ]),
    );
    this.initialDialogId = FLOW;
  }

  private addGroup(group: DialogGroup): void {
    for (const dialog of group.dialogs) {
      // DialogSet.add would rename a second dialog with a taken id, and nothing would ever begin it.
      if (this.findDialog(dialog.id)) throw new Error(`Two dialogs have the id "${dialog.id}"`);
      this.addDialog(dialog);
    }
  }

  private async greet(step: WaterfallStepContext<FlowOptions>) {
    const ctx = step.context;
    const entry = step.options?.entry ?? 'new';
    const supportCase = await this.services.supportCase.get(ctx, {});
    supportCase.ended = false;
    if (entry === 'human') {
      supportCase.wantsHuman = true;
      if (supportCase.kind) return step.next(supportCase.kind);
      await this.sayWithScamWarning(ctx, supportCase, 'interrupt.humanWhichAccount');
      return step.beginDialog(ACCOUNT_KIND, {} satisfies AccountKindOptions);
    }
    supportCase.wantsHuman = false;
    supportCase.kind = undefined;
    supportCase.problem = undefined;
    const text = ctx.activity.type === ActivityTypes.Message ? (ctx.activity.text ?? '') : '';
    if (entry === 'welcome') {
      await this.sayWithScamWarning(ctx, supportCase, 'welcome');
      return step.beginDialog(ACCOUNT_KIND, { afterWelcome: true } satisfies AccountKindOptions);
    }
    if (entry === 'new') {
      await this.sayWithScamWarning(ctx, supportCase, openingKey(this.voice, ctx, text));
    }
    return step.beginDialog(ACCOUNT_KIND, { firstText: entry === 'new' ? text : undefined } satisfies AccountKindOptions);
  }

  private async route(step: WaterfallStepContext<FlowOptions>) {
    const ctx = step.context;
    const kind = step.result as AccountKindResult;
    if (!kind) {
      await this.voice.say(ctx, 'interrupt.tooManyMisses', 'interrupt.humanBoth');
      return step.next(ended('gave-up', 'account-kind'));
    }
    const supportCase = await this.services.supportCase.get(ctx, {});
    supportCase.kind = kind;
    if (supportCase.wantsHuman) {
      supportCase.wantsHuman = false;
      if (kind === 'work') return step.next({ escalate: true } satisfies PathResult);
      await this.voice.say(ctx, 'personal.handoff');
      return step.next(ended('escalated', 'personal/handoff'));
    }
    return step.beginDialog(kind === 'personal' ? PERSONAL_ACCOUNT : WORK_ACCOUNT);
  }

  private async afterPath(step: WaterfallStepContext<FlowOptions>) {
    const result = step.result as PathResult;
    if ('escalate' in result) return step.beginDialog(ESCALATION_INTAKE);
    return step.next(result);
  }

  private async finish(step: WaterfallStepContext<FlowOptions>) {
    const result = step.result as PathResult;
    if ('outcome' in result) await this.record(step.context, result.outcome, result.path);
    (await this.services.supportCase.get(step.context, {})).ended = true;
    return step.endDialog(result);
  }

  /**
   * The scam warning, once per conversation and early: in the same message as the greeting, so
   * the first turn stays within three messages.
   */
  private async sayWithScamWarning(ctx: TurnContext, supportCase: SupportCase, key: string): Promise<void> {
    if (supportCase.scamWarned) return this.voice.say(ctx, key);
    supportCase.scamWarned = true;
    await ctx.sendActivity(this.voice.message(`${this.voice.t(ctx, key)}\n\n${this.voice.t(ctx, 'start.scam')}`));
  }

  /**
   * A deploy that changes the dialogs mid-conversation leaves a saved stack that may name dialogs
   * or steps that are gone or mean something else now. So the stack's first dialog carries the
   * version of this set (its dialogs' ids and waterfall step counts, botbuilder-dialogs'
   * getVersion) from the turn that saved it, and a stack without it, or with another, is dropped
   * without being run (its dialogs' own endings could misread the old state): the person is told
   * and asked the first question again. An apology for a failure, or an answer taken for a
   * different question, would be worse. A stack saved before this check has no version either.
   */
  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const result = innerDc.stack[0]?.version === this.dialogs.getVersion() ? await super.onContinueDialog(innerDc) : await this.restartAfterUpdate(innerDc);
    this.stampVersion(innerDc);
    return result;
  }

  /**
   * Run as a component (the conversation tests), MainDialog also gets botbuilder-dialogs' own
   * version check on the component, whose event fails the turn when nothing handles it (it traces
   * through a telemetry client the root set lacks). onContinueDialog makes the same check on the
   * stack, so the event is taken here and nothing else is done with it.
   */
  protected override async onPreBubbleEvent(dc: DialogContext, event: DialogEvent): Promise<boolean> {
    return event.name === DialogEvents.versionChanged || super.onPreBubbleEvent(dc, event);
  }

  private async restartAfterUpdate(dc: DialogContext): Promise<DialogTurnResult> {
    dc.stack.length = 0;
    await this.voice.say(dc.context, 'errors.updated');
    return dc.beginDialog(FLOW, { entry: 'restart' } satisfies FlowOptions);
  }

  private stampVersion(dc: DialogContext): void {
    if (dc.stack[0]) dc.stack[0].version = this.dialogs.getVersion();
  }

  /**
   * The bot's turn. Run as a ComponentDialog under a root dialog set, MainDialog is one more
   * level on every turn (another dialog context, memory-scope manager and chain of async calls:
   * bench/dialogNesting.ts measures a level at 50-75 µs, against a whole support turn of about
   * 0.8 ms). The bot instead keeps MainDialog's own stack at the root of the conversation state
   * and calls what a component would: begin when nothing is waiting, otherwise continue (the
   * version check, then the commands). botbuilder-testing's DialogTestClient, in the
   * conversation tests, runs it as a component, through the same two methods;
   * test/conversation/botTurns.test.ts runs the bot.
   */
  runTurn(dc: DialogContext, newConversation?: FlowOptions): Promise<DialogTurnResult> {
    return dc.stack.length === 0 ? this.onBeginDialog(dc, newConversation) : this.onContinueDialog(dc);
  }

  /** A new turn after the flow ended: a late "thanks" or an old button is answered, not a restart. */
  protected override async onBeginDialog(innerDc: DialogContext, options?: object): Promise<DialogTurnResult> {
    if (await this.answeredAfterTheEnd(innerDc.context)) return { status: DialogTurnStatus.complete };
    const result = await super.onBeginDialog(innerDc, options);
    this.stampVersion(innerDc);
    return result;
  }

  private async answeredAfterTheEnd(ctx: TurnContext): Promise<boolean> {
    if (ctx.activity.type !== ActivityTypes.Message || this.interruptionIn(ctx)) return false;
    const supportCase = await this.services.supportCase.get(ctx, {});
    const reference = supportCase.lastReference;
    const text = (ctx.activity.text ?? '').trim();
    // A card submit with nothing open is always an old card's button.
    const cardButton = !text && (submittedChoice(ctx) !== undefined || typeof ctx.activity.value === 'object');
    if (cardButton || (supportCase.ended && this.isOldButtonTitle(ctx, text))) {
      if (reference) await this.voice.sayWith(ctx, 'ended.staleButtonRequest', { reference });
      else await this.voice.say(ctx, 'ended.staleButton');
      return true;
    }
    if (supportCase.ended && matchesAny(text, this.voice.list(ctx, 'ended.words.thanks'))) {
      if (reference) await this.voice.sayWith(ctx, 'ended.thanksRequest', { reference });
      else await this.voice.say(ctx, 'ended.thanks');
      return true;
    }
    return false;
  }

  /** Web Chat's buttons send their title as text: the titles of buttons that only make sense mid-flow. */
  private isOldButtonTitle(ctx: TurnContext, text: string): boolean {
    const keys = ['choices.yes', 'choices.no', 'choices.done', 'choices.stuck', 'choices.tryAgain', 'choices.getHelp', 'choices.skip', 'choices.send', 'choices.change', 'intake.fix.replace-mobile', 'intake.fix.temporary-access-pass'];
    const lower = text.toLowerCase();
    return keys.some((key) => this.voice.t(ctx, key).toLowerCase() === lower);
  }

  protected override async onInterruption(innerDc: DialogContext, what: Exclude<Interruption, 'help'>): Promise<DialogTurnResult> {
    const ctx = innerDc.context;
    switch (what) {
      case 'cancel':
        await this.record(ctx, 'gave-up', 'cancelled');
        (await this.services.supportCase.get(ctx, {})).ended = true;
        await this.voice.say(ctx, 'interrupt.cancelled');
        await innerDc.cancelAllDialogs();
        return { status: DialogTurnStatus.cancelled };
      case 'startOver':
        await innerDc.cancelAllDialogs();
        await this.voice.say(ctx, 'interrupt.restarting');
        return innerDc.beginDialog(FLOW, { entry: 'restart' } satisfies FlowOptions);
      case 'status':
      case 'cancelRequest': {
        await this.answerAboutRequest(ctx, what);
        // Asked mid-conversation: carry on where they were. As a first message: that was all.
        if (!innerDc.activeDialog) return { status: DialogTurnStatus.complete };
        await innerDc.repromptDialog();
        return { status: DialogTurnStatus.waiting };
      }
      case 'human':
        if (innerDc.stack.some((d) => d.id === ESCALATION_INTAKE)) {
          await this.voice.say(ctx, 'interrupt.humanAlready');
          await innerDc.repromptDialog();
          return { status: DialogTurnStatus.waiting };
        }
        await innerDc.cancelAllDialogs();
        return innerDc.beginDialog(FLOW, { entry: 'human' } satisfies FlowOptions);
    }
  }

  /** Only the conversation a request was made in can ask about it or cancel it. */
  private async answerAboutRequest(ctx: TurnContext, what: 'status' | 'cancelRequest'): Promise<void> {
    const conversationId = ctx.activity.conversation.id;
    const summary = what === 'status' ? await this.services.requests.latest(conversationId) : await this.services.requests.cancelLatest(conversationId);
    if (!summary) {
      await this.voice.say(ctx, 'requests.none');
      return;
    }
    const cancelledNow = 'cancelled' in summary && summary.cancelled;
    const notReached = summary.state === 'pending' && summary.reachedHelpdesk === false;
    const key = cancelledNow ? 'requests.cancelled' : notReached ? 'requests.status.notReached' : `requests.status.${summary.state}`;
    await this.voice.sayWith(ctx, key, { reference: summary.reference });
  }

  private async record(ctx: TurnContext, outcome: Outcome, path: string) {
    try {
      // Which problem it was (when the person got as far as saying), so the helpdesk sees which are most common.
      const { problem } = await this.services.supportCase.get(ctx, {});
      await this.services.outcomes.record({ outcome, path, channelId: ctx.activity.channelId, locale: this.voice.lang(ctx), ...(problem ? { problem } : {}) });
    } catch (error) {
      // Statistics must never cost the person their conversation.
      this.services.log.warn({ err: error, path }, 'could not record outcome');
    }
  }
}
