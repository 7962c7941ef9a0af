import { CardFactory, type Activity, type TurnContext } from 'botbuilder';
import type { DialogContext, DialogEvent, DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import {
  ChoicePrompt,
  DialogEvents,
  defaultTokenizer,
  ListStyle,
  PromptCultureModels,
  type Choice,
  type ChoiceFactoryOptions,
  type FoundChoice,
  type PromptOptions,
  type PromptRecognizerResult,
  type PromptValidatorContext,
  type Token,
  type TokenizerFunction,
} from 'botbuilder-dialogs';
import type { CardAttachment } from '../cards/render';
import type { Voice } from './voice';

/**
 * A choice prompt that takes the answer however it comes: a button (imBack text), an Adaptive
 * Card submit (`value.choice`), a typed title or synonym, or, through `fallback`, free text the
 * caller knows how to read (an e-mail domain at the account question). After `maxMisses`
 * unrecognised answers it stops asking and returns `undefined`, so the dialog can offer a
 * person instead of looping.
 */
export class AnswerPrompt extends ChoicePrompt {
  constructor(
    dialogId: string,
    maxMisses: number,
    private readonly fallback?: (context: TurnContext) => string | undefined,
    /**
     * What to say before re-asking when the question came with the welcome, before the person
     * said anything, and their first message is not an answer ("hi", "my codes don't come"): an
     * opening, not a miss, so not "Sorry, I didn't catch that".
     */
    private readonly opening?: (context: TurnContext) => string,
  ) {
    super(dialogId, async (pc: PromptValidatorContext<FoundChoice>) => pc.recognized.succeeded || pc.attemptCount >= maxMisses, undefined, RECOGNITION_CULTURES);
    this.recognizerOptions = { recognizeNumbers: true, recognizeOrdinals: true, tokenizer: tokenize };
  }

  /**
   * The retry prompt is rebuilt from the prompt and a short recipe instead of being stored: prompt
   * options live in conversation state, and a second copy of every card doubled the document each
   * turn reads, hashes and writes (see choiceQuestion).
   */
  protected override async onPrompt(context: TurnContext, state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const recipe = (options.validations as { retry?: RetryRecipe } | undefined)?.retry;
    const stale = (state as Record<string, unknown>)[STALE] === true;
    const opening = (state as Record<string, unknown>)[OPENING];
    delete (state as Record<string, unknown>)[STALE];
    delete (state as Record<string, unknown>)[OPENING];
    if (isRetry && recipe && options.prompt && typeof options.prompt === 'object') {
      const why = typeof opening === 'string' ? { ...recipe, text: opening } : stale && recipe.stale ? { ...recipe, text: recipe.stale } : recipe;
      return super.onPrompt(context, state, { ...options, retryPrompt: retryFrom(options.prompt, why) }, isRetry);
    }
    return super.onPrompt(context, state, options, isRetry);
  }

  /**
   * Prompt.appendChoices copies the whole prompt through JSON.stringify and JSON.parse so as not to
   * change the original, which lives in dialog state: with a step card inside, that copy was the
   * prompt's largest cost. A shallow copy with the three fields it sets replaced leaves the
   * original just as untouched (TurnContext copies an activity again before completing it, and
   * nothing changes a reply's nested parts), so only the buttons are built by the base class.
   */
  protected override appendChoices(
    prompt: string | Partial<Activity>,
    channelId: string,
    choices: (string | Choice)[],
    style: ListStyle,
    options?: ChoiceFactoryOptions,
  ): Partial<Activity> {
    if (typeof prompt !== 'object' || prompt === null) return super.appendChoices(prompt, channelId, choices, style, options);
    const built = super.appendChoices(prompt.text ?? '', channelId, choices, style, options);
    const composed: Partial<Activity> = { ...prompt, text: built.text };
    if (built.suggestedActions?.actions?.length) composed.suggestedActions = built.suggestedActions;
    if (built.attachments) composed.attachments = prompt.attachments ? prompt.attachments.concat(built.attachments) : built.attachments;
    return composed;
  }

  /**
   * Before continuing, botbuilder-dialogs raises "activityReceived" from the innermost dialog, and
   * Prompt answers it by recognising the answer, which continueDialog then does again: every
   * answer was recognised twice. Nothing in this bot listens for that event (the commands that
   * work at every step are InterruptibleDialog's onContinueDialog), so the prompt takes it
   * without recognising, and the answer is read once, in continueDialog.
   */
  protected override async onPreBubbleEvent(_dc: DialogContext, event: DialogEvent): Promise<boolean> {
    return event.name === DialogEvents.activityReceived;
  }

  protected override async onRecognize(
    context: TurnContext,
    state: Record<string, unknown>,
    options: PromptOptions,
  ): Promise<PromptRecognizerResult<FoundChoice>> {
    const choices = (options.choices ?? []) as Choice[];
    const submitted = submittedChoice(context);
    if (submitted !== undefined) {
      // Only values this prompt offered count; a forged or stale card value is a miss, and the
      // re-ask says the button is no longer active rather than "I didn't catch that".
      const index = choices.findIndex((c) => c.value === submitted);
      if (index >= 0) return found(choices, index, submitted);
      state[STALE] = true;
      return { succeeded: false };
    }
    // No answer on offer is this long; the number recognisers' cost grows with the text.
    const typed = (context.activity.text ?? '').length > MAX_ANSWER_CHARS ? { succeeded: false } : await super.onRecognize(context, state, options);
    if (typed.succeeded) return typed;
    const value = this.fallback?.(context);
    const index = value === undefined ? -1 : choices.findIndex((c) => c.value === value);
    if (index >= 0) return found(choices, index, context.activity.text ?? '');
    const recipe = (options.validations as { retry?: RetryRecipe } | undefined)?.retry;
    if (recipe?.afterWelcome && this.opening && !state.attemptCount) state[OPENING] = this.opening(context);
    return { succeeded: false };
  }
}

/**
 * The cultures answers are recognised in: the bot's own languages (locales/), English for any
 * other. The caller chooses the activity's locale, and botbuilder builds a culture's number and
 * ordinal recognisers on first use, synchronously: 3 to 6 s of blocked event loop for fr-FR, during
 * which the server answers nobody. Found by the fuzz test (test/fuzz/findings.test.ts).
 */
const RECOGNITION_CULTURES: ConstructorParameters<typeof ChoicePrompt>[3] = Object.fromEntries(
  [PromptCultureModels.English, PromptCultureModels.Spanish].map((culture) => [
    culture.locale,
    { inlineSeparator: culture.separator, inlineOr: culture.inlineOr, inlineOrMore: culture.inlineOrMore, includeNumbers: true },
  ]),
);

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
let cjkWords: Intl.Segmenter | undefined;

/**
 * botbuilder's tokenizer splits on spaces and ASCII punctuation, so Japanese, written without
 * spaces and with its own punctuation, came out as one token: "はい。" or "個人です" matched no
 * button. Text with Japanese script is split into words by ICU's dictionary (Intl.Segmenter);
 * everything else is tokenised exactly as before.
 */
export const tokenize: TokenizerFunction = (text: string, locale?: string): Token[] => {
  if (!text || !CJK.test(text)) return defaultTokenizer(text, locale);
  cjkWords ??= new Intl.Segmenter('ja', { granularity: 'word' });
  const tokens: Token[] = [];
  for (const { segment, index, isWordLike } of cjkWords.segment(text)) {
    if (isWordLike) tokens.push({ start: index, end: index + segment.length - 1, text: segment, normalized: segment.toLowerCase() });
  }
  return tokens;
};

/** Prompt state flag: the last miss was a card button from an earlier question. */
const STALE = 'staleButton';
/** Prompt state: what to say before re-asking when the first answer after the welcome was an opening. */
const OPENING = 'opening';

/** Longer typed answers are misses without recognition (the longest title is well under this). */
const MAX_ANSWER_CHARS = 200;

function found(choices: Choice[], index: number, synonym: string): PromptRecognizerResult<FoundChoice> {
  return { succeeded: true, value: { value: choices[index]!.value, index, score: 1, synonym } };
}

/** The `choice` of an Adaptive Card Action.Submit, when the activity is one and it is well formed. */
export function submittedChoice(context: TurnContext): string | undefined {
  const value: unknown = context.activity.value;
  if (context.activity.text || typeof value !== 'object' || value === null) return undefined;
  const choice = (value as Record<string, unknown>).choice;
  return typeof choice === 'string' && choice.length <= 64 ? choice : undefined;
}

/**
 * Buttons people can press in each channel. botbuilder's automatic style falls back to a numbered
 * text list whenever a title is over 20 characters (most titles, once translated), and its Teams
 * hero card shows each choice's internal value instead of its title. So Web Chat gets suggested
 * actions and Teams gets a hero card built here from the localized titles.
 */
function withButtons(voice: Voice, context: TurnContext, text: string, choices: Choice[]): { activity: Partial<Activity>; style: ListStyle } {
  switch (context.activity.channelId) {
    case 'msteams': {
      const buttons = choices.map((c) => c.action!);
      return { activity: voice.message('', [CardFactory.heroCard('', text, undefined, buttons)]), style: ListStyle.none };
    }
    case 'webchat':
    case 'directline':
    case 'emulator':
      return { activity: voice.message(text), style: ListStyle.suggestedAction };
    default:
      return { activity: voice.message(text), style: ListStyle.auto };
  }
}

/**
 * How a miss re-asks: `prefix` puts the retry text before the question (in the Teams hero card's
 * text when the question is one), `caption` sends the retry text with the same card.
 */
interface RetryRecipe {
  text: string;
  mode: 'prefix' | 'caption';
  /** Said instead of `text` when the miss was a button from an earlier question. */
  stale?: string;
  /** The question came with the welcome: a first message that is not an answer is the person's opening. */
  afterWelcome?: boolean;
}

function retryFrom(prompt: Partial<Activity>, recipe: RetryRecipe): Partial<Activity> {
  const again = structuredClone(prompt);
  if (recipe.mode === 'caption') return { ...again, text: recipe.text };
  const hero = again.attachments?.find((a) => a.contentType === CardFactory.contentTypes.heroCard);
  if (hero) {
    const content = hero.content as { text?: string };
    content.text = `${recipe.text}\n\n${content.text ?? ''}`;
    return again;
  }
  return { ...again, text: `${recipe.text}\n\n${again.text ?? ''}` };
}

/** Prompt options for a question with buttons; a miss re-asks the question with the choices named. */
export function choiceQuestion(voice: Voice, context: TurnContext, text: string, choices: Choice[], retryText?: string, afterWelcome = false): PromptOptions {
  const first = withButtons(voice, context, text, choices);
  const retry: RetryRecipe = { text: retryText ?? voice.retry(context, choices), mode: 'prefix', stale: voice.t(context, 'prompt.staleButton'), ...(afterWelcome ? { afterWelcome } : {}) };
  return { prompt: first.activity, validations: { retry }, choices, style: first.style };
}

/** Prompt options for a question asked by a card whose buttons are the choices. */
export function cardQuestion(voice: Voice, context: TurnContext, card: CardAttachment, choices: Choice[]): PromptOptions {
  const retry: RetryRecipe = { text: voice.retry(context, choices), mode: 'caption', stale: voice.t(context, 'prompt.staleButton') };
  return { prompt: voice.message('', [card]), validations: { retry }, choices, style: ListStyle.none };
}

/** Asks the catalog question at `key` with Yes / No buttons through the prompt `promptId`. */
export function askYesNo(voice: Voice, step: WaterfallStepContext, promptId: string, key: string): Promise<DialogTurnResult> {
  const ctx = step.context;
  const choices = [voice.choice(ctx, 'yes', 'choices.yes'), voice.choice(ctx, 'no', 'choices.no')];
  return step.prompt(promptId, choiceQuestion(voice, ctx, voice.t(ctx, key), choices));
}
