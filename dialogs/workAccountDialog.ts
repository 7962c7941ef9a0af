import { ComponentDialog, WaterfallDialog, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import { GUIDED_STEPS, GuidedStepsDialog, type GuidedStepsOptions, type GuidedStepsResult } from './guidedStepsDialog';
import { ended, escalate } from './pathResult';
import { AnswerPrompt, askYesNo, choiceQuestion } from './prompts';
import { describeMethods, ownMethods } from './ownMethods';
import { phoneWorks, saySmsRetirementOnce, type DialogServices } from './services';
import type { Voice } from './voice';

export const WORK_ACCOUNT = 'workAccount';
const START = 'work.start';
const SELF_SERVICE = 'work.selfService';
const OFFER = 'work.offerHelpdesk';
const ACCOUNT_RECOVERY = 'work.accountRecovery';
const RECOVERY_ANSWER = 'work.accountRecovery.answer';
const YES_NO = 'work.yesNo';

/**
 * A work or school account. With another way in, the person fixes it at Security info (new
 * method first, default next, old phone last); without one, only the organisation's admins can,
 * so the path ends at the helpdesk intake.
 */
export class WorkAccountDialog extends ComponentDialog {
  constructor(
    private readonly voice: Voice,
    private readonly services: DialogServices,
  ) {
    super(WORK_ACCOUNT);
    const maxMisses = services.maxMisses;
    this.addDialog(new AnswerPrompt(YES_NO, maxMisses));
    for (const prompt of GuidedStepsDialog.prompts(maxMisses)) this.addDialog(prompt);
    this.addDialog(new GuidedStepsDialog(voice));
    this.addDialog(new WaterfallDialog(START, [this.askCanSignIn.bind(this), this.choosePath.bind(this)]));
    this.addDialog(new WaterfallDialog(SELF_SERVICE, [this.walk.bind(this), this.askWorked.bind(this), this.finish.bind(this)]));
    this.addDialog(new WaterfallDialog(OFFER, [this.offerHelpdesk.bind(this), this.afterOffer.bind(this)]));
    this.addDialog(new AnswerPrompt(RECOVERY_ANSWER, maxMisses));
    this.addDialog(new WaterfallDialog(ACCOUNT_RECOVERY, [this.offerAccountRecovery.bind(this), this.afterAccountRecovery.bind(this)]));
    this.initialDialogId = START;
  }

  private yesNo(step: WaterfallStepContext, key: string) {
    return askYesNo(this.voice, step, YES_NO, key);
  }

  /**
   * In Teams the bot can see what the account still has, so it decides instead of asking
   * blindly: another second factor means self-service; only phones, ask whether any still
   * works; nothing at all, the helpdesk. Everywhere else it asks.
   */
  private async askCanSignIn(step: WaterfallStepContext) {
    const ctx = step.context;
    const summary = await ownMethods(ctx, this.services);
    if (!summary) return this.yesNo(step, 'work.canSignIn');
    const registered = summary.phones.length + summary.otherSecondFactors.length;
    if (registered === 0) {
      await this.voice.say(ctx, 'work.noMethods');
      return step.next({ value: 'no', index: 1, score: 1 } satisfies FoundChoice);
    }
    await ctx.sendActivity(this.voice.message(`${this.voice.t(ctx, 'work.methodsFound')}\n\n${describeMethods(this.voice, ctx, summary)}`));
    if (summary.otherSecondFactors.length > 0) {
      await this.voice.say(ctx, 'work.useOther');
      return step.next({ value: 'yes', index: 0, score: 1 } satisfies FoundChoice);
    }
    return this.yesNo(step, 'work.onlyPhones');
  }

  private async choosePath(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'yes') return step.replaceDialog(SELF_SERVICE);
    if (answer === 'no') return this.noMethod(step);
    await this.voice.say(step.context, 'interrupt.tooManyMisses');
    return step.replaceDialog(OFFER);
  }

  private async walk(step: WaterfallStepContext) {
    await saySmsRetirementOnce(this.voice, this.services, step.context);
    await this.voice.say(step.context, 'work.intro');
    // Where codes will not reach a phone, the walkthrough does not offer one.
    const noPhone = !phoneWorks(this.services);
    return step.beginDialog(GUIDED_STEPS, { walkthrough: 'work', index: 0, noPhone } satisfies GuidedStepsOptions);
  }

  /** After the last step: one short hardening step, then whether it worked. */
  private async askWorked(step: WaterfallStepContext) {
    if ((step.result as GuidedStepsResult) === 'handoff') return step.replaceDialog(OFFER);
    await this.voice.say(step.context, 'work.harden');
    return this.yesNo(step, 'outcome.ask');
  }

  private async finish(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'yes') {
      await this.voice.say(step.context, 'outcome.resolved');
      return step.endDialog(ended('resolved', 'work/self-service'));
    }
    return step.replaceDialog(OFFER);
  }

  /**
   * No other way in. Where the organisation has enabled Microsoft Entra account recovery, the
   * person can get back in without waiting for an admin, so that comes first; otherwise only an
   * admin can help (the only-admin note is part of the same message: one step, one message).
   */
  private async noMethod(step: WaterfallStepContext) {
    if (this.services.entraAccountRecovery) return step.replaceDialog(ACCOUNT_RECOVERY);
    return this.toHelpdesk(step);
  }

  private async toHelpdesk(step: WaterfallStepContext) {
    const ctx = step.context;
    await ctx.sendActivity(this.voice.message(`${this.voice.t(ctx, 'work.noMethodIntro')}\n\n${this.voice.t(ctx, 'work.onlyAdminNote')}`));
    return step.endDialog(escalate);
  }

  private async offerAccountRecovery(step: WaterfallStepContext) {
    const ctx = step.context;
    const choices = (['worked', 'didntWork', 'askHelpdesk'] as const).map((c) =>
      this.voice.choice(ctx, c, `work.accountRecovery.${c}`, `work.accountRecovery.words.${c}`),
    );
    return step.prompt(RECOVERY_ANSWER, choiceQuestion(this.voice, ctx, this.voice.t(ctx, 'work.accountRecovery.offer'), choices));
  }

  private async afterAccountRecovery(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'worked') {
      await this.voice.say(step.context, 'work.harden', 'outcome.resolved');
      return step.endDialog(ended('resolved', 'work/account-recovery'));
    }
    return this.toHelpdesk(step);
  }

  private async offerHelpdesk(step: WaterfallStepContext) {
    return this.yesNo(step, 'work.offerHelpdesk');
  }

  private async afterOffer(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'yes') return step.endDialog(escalate);
    await this.voice.say(step.context, 'work.handoffDeclined');
    return step.endDialog(ended('gave-up', 'work/self-service'));
  }
}
