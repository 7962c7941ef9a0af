/**
 * The conversation explorer: walks every path of the root dialog by answering each prompt with
 * each answer it offers, breadth first, and records what every turn did. Answers are found from
 * the waiting prompt's options in the dialog state (`choices[].value`), never from the words on
 * the buttons, so the same walk runs in every language and the paths can be compared key by key.
 * It knows no dialog by name (only the text prompts' fixed inputs and a few looping answers are
 * listed below): a path added tomorrow is explored without changing this file.
 */
import type { Activity, Attachment, CardAction } from 'botbuilder';
import type { Choice } from 'botbuilder-dialogs';
import { Conversation, localizer, type Channel } from './harness';

/** One answer to a waiting prompt: a choice by its value, or a typed text with a name for it. */
export type Input = { choice: string } | { text: string; label: string };

export interface Turn {
  /** The answer as a language-free label: `choice:yes`, `text:valid-intake.newNumber`. */
  input: string;
  /** A choice was answered by pressing a button the bot rendered (not by a made-up card submit). */
  pressed?: boolean;
  /** The dialog ids waiting after the turn, root first ("" when the conversation ended). */
  stack: string;
  /** The catalog keys of every message the bot looked up during the turn, in order. */
  keys: string[];
  /** Each key with the text it produced, to tell which key a long message came from. */
  texts: { key: string; text: string }[];
  /** The replies of type message (typing indicators are not messages). */
  messages: Partial<Activity>[];
}

export interface ExploredPath {
  inputs: string[];
  turns: Turn[];
  /** The walk stopped at the depth limit rather than at the end of the conversation. */
  truncated: boolean;
}

export interface ExploreOptions {
  channel: Channel;
  locale: string;
  conversation?: ConstructorParameters<typeof Conversation>[2];
  /** Turns after the greeting; a path this long is cut (and marked truncated). */
  maxDepth?: number;
  /** Stop enqueuing once this many paths are known, so a runaway tree stays cheap. */
  maxPaths?: number;
}

/**
 * Text prompts get fixed answers per prompt id (a valid one, and an invalid one as its own
 * branch, once per path). International numbers, so every locale's default country accepts them.
 * A text prompt not listed here is answered "?" once, as `text:unknown-prompt-<id>`, which the
 * tests reject: add its answers here.
 */
export const TEXT_ANSWERS: Readonly<Record<string, { valid: string; invalid: string }>> = {
  'intake.address': { valid: 'pat@contoso.com', invalid: 'not an address' },
  'intake.oldNumber': { valid: '+44 7400 111222', invalid: 'call me maybe' },
  'intake.newNumber': { valid: '+44 7400 123456', invalid: '12' },
};

/**
 * Answers that loop back (show the step again, explain the accounts again, change the request)
 * are taken once per path: after that they only add length, not new behaviour.
 */
const ONCE_PER_PATH = new Set(['choice:tryAgain', 'choice:unsure', 'choice:change']);

/** After these the conversation begins again from the account question: the path ends there. */
const RESTARTS = new Set(['choice:startOver']);

const label = (input: Input) => ('choice' in input ? `choice:${input.choice}` : `text:${input.label}`);

/**
 * What the explorer does to answer `prompt`: press the rendered button for the choice, else
 * send it as a card submit (the value every AnswerPrompt accepts).
 */
async function answer(c: Conversation, input: Input, prompt: WaitingPrompt | undefined): Promise<{ replies: Partial<Activity>[]; pressed?: boolean }> {
  if ('text' in input) return { replies: await c.say(input.text) };
  const title = prompt?.choices.find((ch) => ch.value === input.choice)?.action?.title;
  const button = title === undefined ? undefined : c.buttons().find((b) => b.title === title);
  const replies = await c.send(button?.send ?? { type: 'message', value: { choice: input.choice } });
  return { replies, pressed: button !== undefined };
}

export interface WaitingPrompt {
  id: string;
  choices: Choice[];
}

/** The prompt at the top of the dialog stack, with the choices it offers (none for a text prompt). */
export function waitingPrompt(c: Conversation): WaitingPrompt | undefined {
  const top = c.activeDialogs().at(-1);
  if (!top) return undefined;
  const options = top.options as { choices?: Choice[] } | undefined;
  return { id: top.id, choices: options?.choices ?? [] };
}

/** The answers to explore from where the conversation now waits. */
function nextInputs(c: Conversation, taken: readonly string[]): Input[] {
  const prompt = waitingPrompt(c);
  if (!prompt) return [];
  let inputs: Input[];
  if (prompt.choices.length > 0) {
    inputs = prompt.choices.map((ch) => ({ choice: ch.value }));
  } else {
    const fixed = TEXT_ANSWERS[prompt.id];
    inputs = fixed
      ? [
          { text: fixed.valid, label: `valid-${prompt.id}` },
          { text: fixed.invalid, label: `invalid-${prompt.id}` },
        ]
      : [{ text: '?', label: `unknown-prompt-${prompt.id}` }];
  }
  return inputs.filter((i) => {
    const l = label(i);
    if (l.startsWith('text:unknown-prompt')) return !taken.includes(l);
    return !((ONCE_PER_PATH.has(l) || l.startsWith('text:invalid-')) && taken.includes(l));
  });
}

/** A conversation that records, per turn, the keys said and the messages sent. */
export class RecordedConversation {
  readonly turns: Turn[] = [];
  /** Where the conversation waited before the last turn; the next answer is read against it. */
  private waiting: WaitingPrompt | undefined;

  constructor(
    private readonly options: ExploreOptions,
    readonly conversation = new Conversation(options.channel, options.locale, options.conversation ?? {}),
  ) {}

  /** A copy at this point (state, replies, turns so far) to try another answer from. */
  fork(): RecordedConversation {
    const copy = new RecordedConversation(this.options, this.conversation.fork());
    copy.turns.push(...this.turns);
    copy.waiting = this.waiting;
    return copy;
  }

  /** Where the conversation now waits (undefined once it has ended). */
  get prompt(): WaitingPrompt | undefined {
    return this.waiting;
  }

  async play(input: Input | { greeting: string }): Promise<Turn> {
    const texts: { key: string; text: string }[] = [];
    const lang = this.conversation.lang;
    const stop = localizer.observe((l, key, text) => {
      if (l === lang) texts.push({ key, text });
    });
    let answered: { replies: Partial<Activity>[]; pressed?: boolean };
    try {
      answered = 'greeting' in input ? { replies: await this.conversation.say(input.greeting) } : await answer(this.conversation, input, this.waiting);
    } finally {
      stop();
    }
    this.waiting = waitingPrompt(this.conversation);
    const turn: Turn = {
      input: 'greeting' in input ? 'greeting' : label(input),
      pressed: answered.pressed,
      stack: this.conversation.activeDialogs().map((d) => d.id).join(' > '),
      keys: texts.map((t) => t.key),
      texts,
      messages: answered.replies.filter((r) => r.type === 'message'),
    };
    this.turns.push(turn);
    return turn;
  }
}

/**
 * Every path from "hi", breadth first. Each answer is tried on a fork of the conversation that
 * reached the question, so a path costs one turn per answer, not a replay from the start.
 */
export async function explore(options: ExploreOptions): Promise<ExploredPath[]> {
  const maxDepth = options.maxDepth ?? 24;
  const maxPaths = options.maxPaths ?? 3000;
  const done: ExploredPath[] = [];
  const first = new RecordedConversation(options);
  await first.play({ greeting: 'hi' });
  const queue: { run: RecordedConversation; inputs: Input[] }[] = [{ run: first, inputs: [] }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { run, inputs } = queue.shift()!;
    const taken = inputs.map(label);
    // Where the walk has already been (the same dialogs in the same state), the rest of the tree
    // is the same too, so the path ends there. Breadth first, the shortest way there is the one
    // walked on: the one that has said the least so far, so once-per-conversation notes still
    // fall in the walked subtree (the worst case for the message count).
    // (A waterfall's instanceId is a fresh GUID every time: it is no part of where the walk is.)
    const here = JSON.stringify(run.conversation.activeDialogs().map((d) => [d.id, d.state]), (k, v: unknown) => (k === 'instanceId' ? undefined : v));
    const seenBefore = seen.has(here);
    seen.add(here);
    const restarted = taken.length > 0 && RESTARTS.has(taken.at(-1)!);
    const next = inputs.length >= maxDepth || seenBefore || restarted ? [] : nextInputs(run.conversation, taken);
    if (next.length === 0 || done.length + queue.length >= maxPaths) {
      done.push({ inputs: taken, turns: run.turns, truncated: run.prompt !== undefined && !seenBefore && !restarted });
      continue;
    }
    for (const input of next) {
      const child = run.fork();
      await child.play(input);
      queue.push({ run: child, inputs: [...inputs, input] });
    }
  }
  return done;
}

// ---------------------------------------------------------------------------------------------
// Measuring messages.

/** A guided step card (its buttons include Done): long by design, and exempt from the word limit. */
export function isStepCard(attachment: Attachment): boolean {
  const content = attachment.content as { actions?: { data?: { choice?: string } }[] } | undefined;
  return attachment.contentType === 'application/vnd.microsoft.card.adaptive' && (content?.actions ?? []).some((a) => a.data?.choice === 'done');
}

/**
 * The words a person reads in a message, buttons excluded: the text, a hero card's title,
 * subtitle and text, an Adaptive Card's TextBlocks and facts. A word is a run of non-space
 * characters, so a URL or "**personal**" is one word.
 */
export function readableText(message: Partial<Activity>): string {
  const parts: string[] = [message.text ?? ''];
  for (const a of message.attachments ?? []) {
    if (isStepCard(a)) continue;
    if (a.contentType === 'application/vnd.microsoft.card.hero') {
      const hero = a.content as { title?: string; subtitle?: string; text?: string; buttons?: CardAction[] };
      parts.push(hero.title ?? '', hero.subtitle ?? '', hero.text ?? '');
    } else if (a.contentType === 'application/vnd.microsoft.card.adaptive') {
      parts.push(...adaptiveTexts((a.content as { body?: unknown }).body));
    }
  }
  return parts.filter(Boolean).join('\n');
}

function adaptiveTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(adaptiveTexts);
  if (typeof node !== 'object' || node === null) return [];
  const element = node as { type?: string; text?: string; facts?: { title?: string; value?: string }[] };
  const own = element.type === 'TextBlock' && element.text ? [element.text] : [];
  const facts = (element.facts ?? []).flatMap((f) => [f.title ?? '', f.value ?? '']);
  const children = Object.entries(node).filter(([k]) => k !== 'actions' && k !== 'selectAction').flatMap(([, v]) => (typeof v === 'object' ? adaptiveTexts(v) : []));
  return [...own, ...facts, ...children];
}

/**
 * Words in a message, in any of the bot's languages. Japanese has no spaces: its characters count
 * at 2.5 to a word (people read about 2.5 Japanese characters in the time of an English word), so
 * 60 words is 150 characters, the limit the translators wrote to.
 */
export function wordCount(text: string): number {
  const cjk = text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff01-\uff60]/gu)?.length ?? 0;
  const spaced = text.replace(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff01-\uff60]+/gu, ' ').split(/\s+/).filter(Boolean).length;
  return spaced + Math.ceil(cjk / 2.5);
}

/** The catalog keys whose text makes up a message (the key of a long message, for the allow-list). */
export function keysOf(message: Partial<Activity>, turn: Turn): string[] {
  const shown = readableText(message);
  return [...new Set(turn.texts.filter((t) => t.text.length > 0 && wordCount(t.text) > 1 && shown.includes(t.text)).map((t) => t.key))];
}
