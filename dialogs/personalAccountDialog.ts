import { WaterfallDialog, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import { DIAGNOSIS, type DiagnosisResult } from './diagnosisDialog';
import { DialogGroup } from './dialogGroup';
import { GUIDED_STEPS, type GuidedStepsOptions, type GuidedStepsResult, type Walkthrough } from './guidedStepsDialog';
import { ended } from './pathResult';
import { AnswerPrompt, askYesNo } from './prompts';
import type { DialogServices } from './services';
import type { Voice } from './voice';

export const PERSONAL_ACCOUNT = 'personalAccount';

/** The no-method routes, in the order the reference gives them; each is offered only if the one before did not help. */
type RecoveryRoute = 'code' | 'dontHave' | 'form';

interface WayForwardOptions {
  route: RecoveryRoute;
}
const SELF_SERVICE = 'personal.selfService';
const RECOVERY = 'personal.recovery';
const PASSWORD = 'personal.recovery.password';
const WAY_FORWARD = 'personal.recovery.wayForward';
const YES_NO = 'personal.yesNo';

interface SelfServiceOptions {
  walkthrough: Walkthrough;
}

/**
 * A personal Microsoft account. Only its owner and Microsoft can change it, so every way out
 * leads to the owner's own security page or to Microsoft, never to an organisation's admin.
 * (What broke, and the guided steps, are MainDialog's: the work path uses them too.)
 */
export class PersonalAccountDialog extends DialogGroup {
  constructor(private readonly voice: Voice, services: DialogServices) {
    super();
    this.add(new AnswerPrompt(YES_NO, services.maxMisses));
    this.add(new WaterfallDialog(PERSONAL_ACCOUNT, [this.diagnose.bind(this), this.askCanSignIn.bind(this), this.choosePath.bind(this)]));
    this.add(new WaterfallDialog<SelfServiceOptions>(SELF_SERVICE, [this.walk.bind(this), this.askWorked.bind(this), this.finish.bind(this)]));
    this.add(new WaterfallDialog(RECOVERY, [this.askRecoveryCode.bind(this), this.afterRecoveryCode.bind(this)]));
    this.add(new WaterfallDialog(PASSWORD, [this.askPassword.bind(this), this.afterPassword.bind(this)]));
    this.add(new WaterfallDialog<WayForwardOptions>(WAY_FORWARD, [this.explainRoute.bind(this), this.afterRoute.bind(this)]));
  }

  private yesNo(step: WaterfallStepContext, key: string) {
    return askYesNo(this.voice, step, YES_NO, key);
  }

  private async diagnose(step: WaterfallStepContext) {
    return step.beginDialog(DIAGNOSIS);
  }

  /**
   * Each problem's shortest safe fix. The same number still gets texts, and someone holding
   * the old phone can still sign in with it: both go straight to their steps. Otherwise the
   * person needs another way in first, so the bot asks.
   */
  private async askCanSignIn(step: WaterfallStepContext) {
    const ctx = step.context;
    const problem = step.result as DiagnosisResult;
    const values = step.values as { walkthrough: Walkthrough };
    values.walkthrough = 'personal';
    switch (problem) {
      case undefined:
        await this.voice.say(ctx, 'interrupt.tooManyMisses');
        return this.handOff(step);
      case 'same-number':
        await this.voice.say(ctx, 'diagnosis.sameNumber');
        return step.replaceDialog(SELF_SERVICE, { walkthrough: 'personalSameNumber' } satisfies SelfServiceOptions);
      case 'new-number-old-phone':
        await this.voice.say(ctx, 'diagnosis.keepOldPhone');
        return step.replaceDialog(SELF_SERVICE, { walkthrough: 'personal' } satisfies SelfServiceOptions);
      case 'authenticator-restored':
        await this.voice.say(ctx, 'diagnosis.personalAuthenticator');
        values.walkthrough = 'personalApp';
        break;
      case 'lost-or-stolen':
        await this.voice.say(ctx, 'diagnosis.lostStolen', 'diagnosis.lostStolenPersonal');
        break;
      case 'old-phone-gone':
        break;
    }
    return this.yesNo(step, 'personal.canSignIn');
  }

  private async choosePath(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'yes') return step.replaceDialog(SELF_SERVICE, { walkthrough: (step.values as { walkthrough: Walkthrough }).walkthrough } satisfies SelfServiceOptions);
    if (answer === 'no') return step.replaceDialog(RECOVERY);
    await this.voice.say(step.context, 'interrupt.tooManyMisses');
    return this.handOff(step);
  }

  private async walk(step: WaterfallStepContext<SelfServiceOptions>) {
    const walkthrough = step.options.walkthrough;
    // The add-then-remove promise belongs to replacing a number; the app walkthroughs were introduced by their diagnosis.
    if (walkthrough === 'personal') await this.voice.say(step.context, 'personal.intro');
    return step.beginDialog(GUIDED_STEPS, { walkthrough, index: 0 } satisfies GuidedStepsOptions);
  }

  /** After the last step: one short hardening step, then whether it worked. */
  private async askWorked(step: WaterfallStepContext) {
    if ((step.result as GuidedStepsResult) === 'handoff') return this.handOff(step);
    await this.voice.say(step.context, 'personal.harden');
    return this.yesNo(step, 'outcome.ask');
  }

  private async finish(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'yes') {
      await this.voice.say(step.context, 'outcome.resolved');
      return step.endDialog(ended('resolved', 'personal/self-service'));
    }
    await this.voice.say(step.context, answer === 'no' ? 'outcome.personalNotResolved' : 'interrupt.tooManyMisses');
    return this.handOff(step);
  }

  /**
   * No other way in: one question at a time (a locked-out person cannot take in all the routes
   * at once). A recovery code first, then the password that "I don't have any of these" needs,
   * then the recovery form, and only then the honest limit.
   */
  private async askRecoveryCode(step: WaterfallStepContext) {
    return this.yesNo(step, 'personal.noMethod.askCode');
  }

  private async afterRecoveryCode(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'yes') return step.replaceDialog(WAY_FORWARD, { route: 'code' } satisfies WayForwardOptions);
    if (answer === 'no') return step.replaceDialog(PASSWORD);
    return this.missedOut(step);
  }

  private async askPassword(step: WaterfallStepContext) {
    return this.yesNo(step, 'personal.noMethod.askPassword');
  }

  private async afterPassword(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'yes') return step.replaceDialog(WAY_FORWARD, { route: 'dontHave' } satisfies WayForwardOptions);
    if (answer === 'no') return step.replaceDialog(WAY_FORWARD, { route: 'form' } satisfies WayForwardOptions);
    return this.missedOut(step);
  }

  private async explainRoute(step: WaterfallStepContext<WayForwardOptions>) {
    await this.voice.say(step.context, `personal.noMethod.${step.options.route}`);
    return this.yesNo(step, 'personal.noMethod.ask');
  }

  /** "Yes" is a way forward, not being back in; "No" moves to the next route, and after the form, to the honest limit. */
  private async afterRoute(step: WaterfallStepContext<WayForwardOptions>) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    const { route } = step.options;
    if (answer === 'yes') {
      await this.voice.say(step.context, 'personal.noMethod.wayForward');
      return step.endDialog(ended('resolved', 'personal/recovery'));
    }
    if (answer === undefined) return this.missedOut(step);
    if (route === 'code') return step.replaceDialog(PASSWORD);
    if (route === 'dontHave') return step.replaceDialog(WAY_FORWARD, { route: 'form' } satisfies WayForwardOptions);
    await this.voice.say(step.context, 'personal.noMethod.honest');
    return step.endDialog(ended('gave-up', 'personal/recovery'));
  }

  private async missedOut(step: WaterfallStepContext) {
    await this.voice.say(step.context, 'interrupt.tooManyMisses');
    return this.handOff(step);
  }

  /** The only people who can help with a personal account work for Microsoft. */
  private async handOff(step: WaterfallStepContext) {
    await this.voice.say(step.context, 'personal.handoff');
    return step.endDialog(ended('escalated', 'personal/handoff'));
  }
}
