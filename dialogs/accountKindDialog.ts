import { WaterfallDialog, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder';
import type { AccountKind } from '../src/core/ports';
import { describesTheProblem, emailDomain, isConsumerDomain, recognizeAccountAnswer } from '../src/core/recognizers';
import { DialogGroup } from './dialogGroup';
import { AnswerPrompt, choiceQuestion } from './prompts';
import type { Voice } from './voice';

export const ACCOUNT_KIND = 'accountKind';
const KIND = 'accountKind.kind';
const TEAMS_CONFIRM = 'accountKind.teams';

export interface AccountKindOptions {
  /** The person's first message, which may already name the account ("me@outlook.com"). */
  firstText?: string;
  /** Teams already asked and the person said it is not their work account. */
  skipTeams?: boolean;
  /** Asked with the welcome, before the person said anything (see AnswerPrompt's `opening`). */
  afterWelcome?: boolean;
}

/** How the bot answers a person's opening words: it heard the problem ("my codes don't come"), or just a hello. */
export function openingKey(voice: Voice, ctx: TurnContext, text: string): 'start.problemHeard' | 'start.hello' {
  return describesTheProblem(text, voice.list(ctx, 'words.problem')) ? 'start.problemHeard' : 'start.hello';
}

/** The kind of account, or `undefined` when the person could not be understood. */
export type AccountKindResult = AccountKind | undefined;

/**
 * "Personal or work/school?" In Teams the person is signed in with a work or school account, so
 * the bot confirms instead of asking. A typed address decides by its domain, and the bot says so.
 */
export class AccountKindDialog extends DialogGroup {
  constructor(private readonly voice: Voice, maxMisses: number) {
    super();
    const opening = (ctx: TurnContext) => this.voice.t(ctx, openingKey(this.voice, ctx, ctx.activity.text ?? ''));
    this.add(new AnswerPrompt(KIND, maxMisses, (ctx) => this.readKind(ctx), opening));
    this.add(new AnswerPrompt(TEAMS_CONFIRM, maxMisses, undefined, opening));
    this.add(new WaterfallDialog<AccountKindOptions>(ACCOUNT_KIND, [this.ask.bind(this), this.answer.bind(this)]));
  }

  private async ask(step: WaterfallStepContext<AccountKindOptions>) {
    const ctx = step.context;
    const domain = step.options.firstText ? emailDomain(step.options.firstText) : undefined;
    if (domain) return step.next(await this.decideByDomain(ctx, domain));
    if (ctx.activity.channelId === 'msteams' && !step.options.skipTeams) {
      const choices = [this.voice.choice(ctx, 'yes', 'choices.yes'), this.voice.choice(ctx, 'no', 'choices.no')];
      const question = this.voice.t(ctx, 'account.teamsConfirm');
      return step.prompt(TEAMS_CONFIRM, choiceQuestion(this.voice, ctx, question, choices, this.voice.t(ctx, 'account.teamsRetry'), step.options.afterWelcome));
    }
    await this.voice.say(ctx, 'account.hint');
    const choices = [
      this.voice.choice(ctx, 'personal', 'account.choices.personal', 'account.words.personal'),
      this.voice.choice(ctx, 'work', 'account.choices.work', 'account.words.work'),
      this.voice.choice(ctx, 'unsure', 'account.choices.unsure', 'account.words.unsure'),
    ];
    return step.prompt(KIND, choiceQuestion(this.voice, ctx, this.voice.t(ctx, 'account.ask'), choices, this.voice.t(ctx, 'account.retry'), step.options.afterWelcome));
  }

  private async answer(step: WaterfallStepContext<AccountKindOptions>) {
    const ctx = step.context;
    const found = step.result as FoundChoice | AccountKind | undefined;
    if (found === undefined) return step.endDialog(undefined satisfies AccountKindResult);
    if (typeof found === 'string') return step.endDialog(found satisfies AccountKindResult);
    switch (found.value) {
      case 'yes':
        return step.endDialog('work' satisfies AccountKindResult);
      case 'no':
        return step.replaceDialog(ACCOUNT_KIND, { skipTeams: true } satisfies AccountKindOptions);
      case 'unsure':
        await this.voice.say(ctx, 'account.notSure');
        return step.replaceDialog(ACCOUNT_KIND, { skipTeams: true } satisfies AccountKindOptions);
      default: {
        // An address decides by its domain even when a button word inside it matched first.
        const domain = emailDomain(ctx.activity.text ?? '');
        if (domain) return step.endDialog((await this.decideByDomain(ctx, domain)) satisfies AccountKindResult);
        return step.endDialog(found.value as AccountKind);
      }
    }
  }

  /** A domain is a hint, never proof: say which way the bot went and how to undo it. */
  private async decideByDomain(ctx: TurnContext, domain: string): Promise<AccountKind> {
    const personal = isConsumerDomain(domain);
    await this.voice.sayWith(ctx, personal ? 'account.byConsumerDomain' : 'account.byWorkDomain', { domain });
    return personal ? 'personal' : 'work';
  }

  /** Free text the buttons' words did not catch: an address, or words like "it's for school". */
  private readKind(ctx: TurnContext): string | undefined {
    const text = ctx.activity.text ?? '';
    const answer = recognizeAccountAnswer(text, {
      personal: this.voice.list(ctx, 'account.words.personal'),
      work: this.voice.list(ctx, 'account.words.work'),
      unsure: this.voice.list(ctx, 'account.words.unsure'),
    });
    return answer?.kind;
  }
}
