import { WaterfallDialog, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder';
import { PROBLEM_CASES, type ProblemCase } from '../src/core/ports';
import { recognizeProblem } from '../src/core/recognizers';
import { DialogGroup } from './dialogGroup';
import { AnswerPrompt, choiceQuestion } from './prompts';
import type { DialogServices } from './services';
import type { Voice } from './voice';

export const DIAGNOSIS = 'diagnosis';
const PROBLEM = 'diagnosis.problem';

/** What broke, or `undefined` when the person could not be understood. */
export type DiagnosisResult = ProblemCase | undefined;

/**
 * "What changed?" before any advice: a new phone is several different problems, each with its
 * own shortest fix, and advice for the wrong one (delete the old number when the number did not
 * change; "use Authenticator" when it stayed on the old phone) costs the person their way in.
 * The answer is kept on the support case so the outcome statistics show which problems are
 * most common.
 */
export class DiagnosisDialog extends DialogGroup {
  constructor(private readonly voice: Voice, private readonly services: DialogServices) {
    super();
    const prompt = new AnswerPrompt(PROBLEM, services.maxMisses, (ctx) => this.readProblem(ctx));
    // The internal values ("new-number-old-phone") read like words and would match "new number,
    // old phone broken"; only the titles and readProblem's ordered words may decide.
    prompt.recognizerOptions = { ...prompt.recognizerOptions, noValue: true };
    this.add(prompt);
    this.add(new WaterfallDialog(DIAGNOSIS, [this.ask.bind(this), this.answer.bind(this)]));
  }

  private async ask(step: WaterfallStepContext) {
    const ctx = step.context;
    // Typed words are read by readProblem, in an order that settles overlaps ("new phone, it was
    // stolen"); the prompt itself matches only the titles, so it cannot pick the wrong overlap.
    const choices = PROBLEM_CASES.map((kind) => ({ ...this.voice.choice(ctx, kind, `diagnosis.choices.${kind}`, `diagnosis.words.${kind}`), synonyms: [] }));
    const question = `${this.voice.t(ctx, 'diagnosis.ask')}\n\n${this.voice.t(ctx, 'diagnosis.askHint')}`;
    return step.prompt(PROBLEM, choiceQuestion(this.voice, ctx, question, choices, this.voice.t(ctx, 'diagnosis.retry')));
  }

  private async answer(step: WaterfallStepContext) {
    const problem = (step.result as FoundChoice | undefined)?.value as ProblemCase | undefined;
    if (problem) {
      const supportCase = await this.services.supportCase.get(step.context, {});
      supportCase.problem = problem;
    }
    return step.endDialog(problem satisfies DiagnosisResult);
  }

  private readProblem(ctx: TurnContext): string | undefined {
    const words = Object.fromEntries(PROBLEM_CASES.map((kind) => [kind, this.voice.list(ctx, `diagnosis.words.${kind}`)])) as Record<ProblemCase, readonly string[]>;
    return recognizeProblem(ctx.activity.text ?? '', words);
  }
}
