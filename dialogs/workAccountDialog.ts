import { WaterfallDialog, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import { DIAGNOSIS, type DiagnosisResult } from './diagnosisDialog';
import { DialogGroup } from './dialogGroup';
import { GUIDED_STEPS, type GuidedStepsOptions, type GuidedStepsResult, type Walkthrough } from './guidedStepsDialog';
import { ended, escalate } from './pathResult';
import { AnswerPrompt, askYesNo, choiceQuestion } from './prompts';
import { describeMethods, ownMethods, usableKinds } from './ownMethods';
import { phoneWorks, saySmsRetirementOnce, type DialogServices } from './services';
import type { Voice } from './voice';

export const WORK_ACCOUNT = 'workAccount';
const CAN_SIGN_IN = 'work.canSignIn';
const LOST = 'work.lostOrStolen';
const SELF_SERVICE = 'work.selfService';
const OFFER = 'work.offerHelpdesk';
const ACCOUNT_RECOVERY = 'work.accountRecovery';
const RECOVERY_ANSWER = 'work.accountRecovery.answer';
const YES_NO = 'work.yesNo';
const USABLE = 'work.usable';

interface SelfServiceOptions {
  walkthrough: Walkthrough;
  /** They still hold the old phone: keep it until the new method has worked. */
  keepOldPhone?: boolean;
}

/**
 * A work or school account. With another way in, the person fixes it at Security info (new
 * method first, default next, old phone last); without one, only the organisation's admins can,
 * so the path ends at the helpdesk intake. (What broke, and the guided steps, are MainDialog's:
 * the personal path uses them too.)
 */
export class WorkAccountDialog extends DialogGroup {
  constructor(
    private readonly voice: Voice,
    private readonly services: DialogServices,
  ) {
    super();
    const maxMisses = services.maxMisses;
    this.add(new AnswerPrompt(YES_NO, maxMisses));
    this.add(new AnswerPrompt(USABLE, maxMisses));
    this.add(new WaterfallDialog(WORK_ACCOUNT, [this.diagnose.bind(this), this.triage.bind(this)]));
    this.add(new WaterfallDialog<SelfServiceOptions>(CAN_SIGN_IN, [this.askCanSignIn.bind(this), this.choosePath.bind(this)]));
    this.add(new WaterfallDialog(LOST, [this.offerHelpdeskNow.bind(this), this.afterOfferNow.bind(this)]));
    this.add(new WaterfallDialog<SelfServiceOptions>(SELF_SERVICE, [this.walk.bind(this), this.askWorked.bind(this), this.finish.bind(this)]));
    this.add(new WaterfallDialog(OFFER, [this.offerHelpdesk.bind(this), this.afterOffer.bind(this)]));
    this.add(new AnswerPrompt(RECOVERY_ANSWER, maxMisses));
    this.add(new WaterfallDialog(ACCOUNT_RECOVERY, [this.offerAccountRecovery.bind(this), this.afterAccountRecovery.bind(this)]));
  }

  private yesNo(step: WaterfallStepContext, key: string) {
    return askYesNo(this.voice, step, YES_NO, key);
  }

  private async diagnose(step: WaterfallStepContext) {
    return step.beginDialog(DIAGNOSIS);
  }

  /**
   * Each problem's shortest safe fix. The same number still gets texts (while phone sign-in
   * works), and someone holding the old phone can still sign in with it: both go straight to
   * their steps. Lost or stolen is a helpdesk matter at once. Otherwise the person needs
   * another way in first.
   */
  private async triage(step: WaterfallStepContext) {
    const ctx = step.context;
    const problem = step.result as DiagnosisResult;
    switch (problem) {
      case undefined:
        await this.voice.say(ctx, 'interrupt.tooManyMisses');
        return step.replaceDialog(OFFER);
      case 'same-number':
        if (phoneWorks(this.services)) {
          await this.voice.say(ctx, 'diagnosis.sameNumber');
          return step.replaceDialog(SELF_SERVICE, { walkthrough: 'workSameNumber' } satisfies SelfServiceOptions);
        }
        // No texts any more: like an Authenticator left behind, it needs another way in.
        return step.replaceDialog(CAN_SIGN_IN, { walkthrough: 'workApp' } satisfies SelfServiceOptions);
      case 'new-number-old-phone':
        return step.replaceDialog(SELF_SERVICE, { walkthrough: 'work', keepOldPhone: true } satisfies SelfServiceOptions);
      case 'authenticator-restored':
        await this.voice.say(ctx, 'diagnosis.workAuthenticator');
        return step.replaceDialog(CAN_SIGN_IN, { walkthrough: 'workApp' } satisfies SelfServiceOptions);
      case 'lost-or-stolen':
        await this.voice.say(ctx, 'diagnosis.lostStolen', 'diagnosis.lostStolenWork');
        return step.replaceDialog(LOST);
      case 'old-phone-gone':
        return step.replaceDialog(CAN_SIGN_IN, { walkthrough: 'work' } satisfies SelfServiceOptions);
    }
  }

  /** A lost or stolen phone: the helpdesk removes the old number and signs them out everywhere. */
  private async offerHelpdeskNow(step: WaterfallStepContext) {
    return this.yesNo(step, 'diagnosis.offerHelpdeskNow');
  }

  private async afterOfferNow(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'yes') return step.endDialog(escalate);
    if (answer === undefined) {
      await this.voice.say(step.context, 'interrupt.tooManyMisses');
      return step.replaceDialog(OFFER);
    }
    return step.replaceDialog(CAN_SIGN_IN, { walkthrough: 'work' } satisfies SelfServiceOptions);
  }

  /**
   * In Teams the bot can see what the account has registered, but not what the person still
   * holds (an Authenticator registration is usually on the old phone): it shows the methods and
   * asks which of them still work. Nothing registered, or nothing that can still sign in,
   * means the helpdesk. Everywhere else it asks.
   */
  private async askCanSignIn(step: WaterfallStepContext<SelfServiceOptions>) {
    const ctx = step.context;
    const summary = await ownMethods(ctx, this.services);
    if (!summary) return this.yesNo(step, 'work.canSignIn');
    const registered = summary.phones.length + summary.otherSecondFactors.length;
    if (registered === 0) {
      await this.voice.say(ctx, 'work.noMethods');
      return this.nothingUsable(step);
    }
    const listed = `${this.voice.t(ctx, 'diagnosis.methodsFound')}\n\n${describeMethods(this.voice, ctx, summary)}`;
    const usable = usableKinds(summary, phoneWorks(this.services));
    if (usable.length === 0) {
      await ctx.sendActivity(this.voice.message(`${listed}\n\n${this.voice.t(ctx, 'diagnosis.noneUsable')}`));
      return this.nothingUsable(step);
    }
    await ctx.sendActivity(this.voice.message(listed));
    const choices = [...usable, 'none' as const].map((kind) => this.voice.choice(ctx, kind, `diagnosis.use.${kind}`, `diagnosis.useWords.${kind}`));
    return step.prompt(USABLE, choiceQuestion(this.voice, ctx, this.voice.t(ctx, 'diagnosis.whichUsable'), choices));
  }

  /**
   * Teams shows nothing that can still sign them in: account recovery where the organisation has
   * it, else the helpdesk, asked first rather than started at once (the same turn already said
   * what changed and what is registered, and a turn says at most three things).
   */
  private async nothingUsable(step: WaterfallStepContext<SelfServiceOptions>) {
    if (this.services.entraAccountRecovery) return step.replaceDialog(ACCOUNT_RECOVERY);
    return step.replaceDialog(OFFER);
  }

  private async choosePath(step: WaterfallStepContext<SelfServiceOptions>) {
    const found = (step.result as FoundChoice | undefined)?.value;
    // "Which can you still use?" answers with a method (a way in) or "none".
    const answer = found === undefined || found === 'yes' || found === 'no' ? found : found === 'none' ? 'no' : 'yes';
    if (answer === 'yes') return step.replaceDialog(SELF_SERVICE, { walkthrough: step.options.walkthrough } satisfies SelfServiceOptions);
    if (answer === 'no') return this.noMethod(step);
    await this.voice.say(step.context, 'interrupt.tooManyMisses');
    return step.replaceDialog(OFFER);
  }

  private async walk(step: WaterfallStepContext<SelfServiceOptions>) {
    const ctx = step.context;
    const { walkthrough, keepOldPhone } = step.options;
    await saySmsRetirementOnce(this.voice, this.services, ctx);
    // The add-then-delete promise belongs to replacing the phone; the app walkthroughs were introduced by their diagnosis.
    if (walkthrough === 'work') {
      const intro = this.voice.t(ctx, 'work.intro');
      await ctx.sendActivity(this.voice.message(keepOldPhone ? `${intro} ${this.voice.t(ctx, 'diagnosis.keepOldPhone')}` : intro));
    }
    // Where codes will not reach a phone, the walkthrough does not offer one.
    const noPhone = !phoneWorks(this.services);
    return step.beginDialog(GUIDED_STEPS, { walkthrough, index: 0, noPhone } satisfies GuidedStepsOptions);
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
