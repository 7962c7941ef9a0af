import { ComponentDialog, WaterfallDialog, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import { GUIDED_STEPS, GuidedStepsDialog, type GuidedStepsOptions, type GuidedStepsResult } from './guidedStepsDialog';
import { ended, escalate } from './pathResult';
import { AnswerPrompt, askYesNo } from './prompts';
import { describeMethods, ownMethods } from './ownMethods';
import { saySmsRetirementOnce, type DialogServices } from './services';
import type { Voice } from './voice';

export const WORK_ACCOUNT = 'workAccount';
const START = 'work.start';
const SELF_SERVICE = 'work.selfService';
const OFFER = 'work.offerHelpdesk';
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
    if (answer === 'no') {
      await this.voice.say(step.context, 'work.noMethodIntro', 'work.onlyAdminNote');
      return step.endDialog(escalate);
    }
    await this.voice.say(step.context, 'interrupt.tooManyMisses');
    return step.replaceDialog(OFFER);
  }

  private async walk(step: WaterfallStepContext) {
    await saySmsRetirementOnce(this.voice, this.services.supportCase, step.context);
    await this.voice.say(step.context, 'work.intro');
    return step.beginDialog(GUIDED_STEPS, { walkthrough: 'work', index: 0 } satisfies GuidedStepsOptions);
  }

  private async askWorked(step: WaterfallStepContext) {
    if ((step.result as GuidedStepsResult) === 'handoff') return step.replaceDialog(OFFER);
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
