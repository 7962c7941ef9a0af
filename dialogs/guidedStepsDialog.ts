import { WaterfallDialog, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import { renderCard } from '../cards/render';
import { AnswerPrompt, cardQuestion, choiceQuestion } from './prompts';
import type { Voice } from './voice';

export const GUIDED_STEPS = 'guidedSteps';
const STEP_ANSWER = 'guidedSteps.answer';
const STUCK_ANSWER = 'guidedSteps.stuck';
const STUCK_METHOD = 'guidedSteps.stuckMethod';

/** Methods whose usual problems differ; a step lists causes per method under `<step>.stuckBy.<method>`. */
const STUCK_METHODS = ['passkey', 'authenticator', 'phone'] as const;

/**
 * The walkthroughs, in the order that never leaves an account without a working method. Each
 * step is the catalog key of its card (`.title`, `.text`, `.stuck`, optional `.url`), so one
 * step serves several walkthroughs. Which one runs depends on what broke (DiagnosisDialog):
 * a new number gets add-then-remove; a new phone with the same number, or an Authenticator
 * that did not survive the move, gets the app set up again (docs/support-content.md, "A new phone
 * is several different problems").
 */
export const WALKTHROUGHS = {
  personal: ['personal.steps.open', 'personal.steps.manage', 'personal.steps.add', 'personal.steps.remove'],
  /** Same number on a new phone: texts still arrive, only the Authenticator app stayed behind. */
  personalSameNumber: ['diagnosis.steps.personalSignInWithText', 'personal.steps.manage', 'diagnosis.steps.personalAddApp'],
  /** The app must be set up again, signing in with whatever still works. */
  personalApp: ['personal.steps.open', 'personal.steps.manage', 'diagnosis.steps.personalAddApp'],
  work: ['work.steps.open', 'work.steps.add', 'work.steps.default', 'work.steps.remove'],
  /** Work accounts are not restored from an Authenticator backup: delete the old entry, scan a new QR code. */
  workSameNumber: ['diagnosis.steps.workSignInWithText', 'diagnosis.steps.workDeleteApp', 'diagnosis.steps.workAddApp'],
  workApp: ['work.steps.open', 'diagnosis.steps.workDeleteApp', 'diagnosis.steps.workAddApp'],
} as const;

export type Walkthrough = keyof typeof WALKTHROUGHS;

export interface GuidedStepsOptions {
  walkthrough: Walkthrough;
  index: number;
  /** Phone codes will not arrive (PHONE_SIGN_IN and the date): steps use their `textNoPhone` and offer no phone. */
  noPhone?: boolean;
}

/** `completed`: the person did every step. `handoff`: they want (or need) a person. */
export type GuidedStepsResult = 'completed' | 'handoff';

/**
 * One step at a time, each with Done / I'm stuck / Start over. "I'm stuck" explains the usual
 * causes for that step and offers the step again or a person. (Start over is the root dialog's.)
 */
export class GuidedStepsDialog extends WaterfallDialog<GuidedStepsOptions> {
  constructor(private readonly voice: Voice) {
    super(GUIDED_STEPS, []);
    this.addStep(this.showStep.bind(this));
    this.addStep(this.afterStep.bind(this));
    this.addStep(this.showStuck.bind(this));
    this.addStep(this.afterStuck.bind(this));
  }

  /** The prompts this dialog uses; its parent adds them to the same dialog set. */
  static prompts(maxMisses: number): AnswerPrompt[] {
    return [new AnswerPrompt(STEP_ANSWER, maxMisses), new AnswerPrompt(STUCK_ANSWER, maxMisses), new AnswerPrompt(STUCK_METHOD, maxMisses)];
  }

  private async showStep(step: WaterfallStepContext<GuidedStepsOptions>) {
    const { walkthrough, index } = step.options;
    const steps = WALKTHROUGHS[walkthrough];
    const key = steps[index]!;
    const ctx = step.context;
    const choices = [
      this.voice.choice(ctx, 'done', 'choices.done'),
      this.voice.choice(ctx, 'stuck', 'choices.stuck'),
      this.voice.choice(ctx, 'startOver', 'choices.startOver'),
    ];
    const card = renderCard('step', {
      progress: this.voice.t(ctx, 'step.progress', { n: index + 1, total: steps.length }),
      title: this.voice.t(ctx, `${key}.title`),
      text: this.voice.t(ctx, step.options.noPhone && this.voice.has(ctx, `${key}.textNoPhone`) ? `${key}.textNoPhone` : `${key}.text`),
      url: this.voice.has(ctx, `${key}.url`) ? this.voice.t(ctx, `${key}.url`) : '',
      openLabel: this.voice.t(ctx, 'step.open'),
      choices: choices.map((c) => ({ title: c.action!.title!, value: c.value })),
    });
    return step.prompt(STEP_ANSWER, cardQuestion(this.voice, ctx, card, choices));
  }

  private async afterStep(step: WaterfallStepContext<GuidedStepsOptions>) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    const { walkthrough, index } = step.options;
    if (answer === undefined) {
      await this.voice.say(step.context, 'interrupt.tooManyMisses');
      return step.endDialog('handoff' satisfies GuidedStepsResult);
    }
    if (answer === 'done') {
      if (index + 1 >= WALKTHROUGHS[walkthrough].length) return step.endDialog('completed' satisfies GuidedStepsResult);
      return step.replaceDialog(GUIDED_STEPS, { ...step.options, index: index + 1 });
    }
    // 'stuck': where the causes differ by method, first which method; then the causes, then the way out.
    const ctx = step.context;
    const methods = this.stuckMethods(step);
    if (methods.length < 2) return step.next(methods[0] ? { value: methods[0], index: 0, score: 1 } : undefined);
    const choices = methods.map((m) => this.voice.choice(ctx, m, `step.stuckMethod.${m}`, `step.stuckMethodWords.${m}`));
    return step.prompt(STUCK_METHOD, choiceQuestion(this.voice, ctx, this.voice.t(ctx, 'step.stuckWhich'), choices));
  }

  private async showStuck(step: WaterfallStepContext<GuidedStepsOptions>) {
    const ctx = step.context;
    const method = (step.result as FoundChoice | undefined)?.value;
    const stepKey = this.stepKey(step);
    const stuckKey = method ? `${stepKey}.stuckBy.${method}` : `${stepKey}.stuck`;
    await ctx.sendActivity(this.voice.message(`${this.voice.t(ctx, 'step.stuckIntro')}\n\n${this.voice.t(ctx, stuckKey)}`));
    const choices = [this.voice.choice(ctx, 'tryAgain', 'choices.tryAgain'), this.voice.choice(ctx, 'getHelp', 'choices.getHelp')];
    return step.prompt(STUCK_ANSWER, choiceQuestion(this.voice, ctx, this.voice.t(ctx, 'step.stuckAsk'), choices));
  }

  private stepKey(step: WaterfallStepContext<GuidedStepsOptions>): string {
    const { walkthrough, index } = step.options;
    return WALKTHROUGHS[walkthrough][index]!;
  }

  /** The methods this step has separate causes for (no phone where phone codes will not arrive). */
  private stuckMethods(step: WaterfallStepContext<GuidedStepsOptions>): string[] {
    const stepKey = this.stepKey(step);
    return STUCK_METHODS.filter((m) => !(m === 'phone' && step.options.noPhone) && this.voice.has(step.context, `${stepKey}.stuckBy.${m}`));
  }

  private async afterStuck(step: WaterfallStepContext<GuidedStepsOptions>) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    if (answer === 'tryAgain') return step.replaceDialog(GUIDED_STEPS, step.options);
    return step.endDialog('handoff' satisfies GuidedStepsResult);
  }
}
