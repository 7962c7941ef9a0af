/**
 * The scripted conversations the benchmark holds, written like the tables in
 * test/conversation/flows.test.ts: what the person does (types, or presses a button the bot
 * really rendered, found by its catalog title) and which catalog messages every reply must contain.
 * A reply that lacks one is an error, never a measured turn.
 */
import en from '../locales/en.json';

export interface ActivityJson {
  type?: string;
  text?: string;
  attachments?: { contentType: string; content: unknown }[];
  suggestedActions?: { actions: { type?: string; title?: string; value?: unknown }[] };
  [key: string]: unknown;
}

/** One turn: type `say`, or press the button titled by catalog key `press`; `expect` are catalog keys. */
export interface Turn {
  say?: string;
  press?: string;
  expect: string[];
}

/** The catalog text at a dotted key (English). */
export function catalog(key: string): string {
  let node: unknown = en;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) throw new Error(`no catalog key ${key}`);
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node !== 'string') throw new Error(`catalog key ${key} is not a message`);
  return node;
}

/** The part of a catalog message before its first placeholder: what a reply must contain. */
export function fixedPart(key: string): string {
  return catalog(key).split('{{')[0]!;
}

/** Everything a person would read: texts, card texts and titles, suggested-action titles. */
export function readable(activities: readonly ActivityJson[]): string {
  const parts: string[] = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) collect(item);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (typeof value === 'string' && (key === 'text' || key === 'title' || key === 'value')) parts.push(value);
        else collect(value);
      }
    }
  };
  for (const a of activities) {
    if (a.text) parts.push(a.text);
    collect(a.attachments ?? []);
    for (const action of a.suggestedActions?.actions ?? []) parts.push(action.title ?? '');
  }
  return parts.join('\n');
}

/** What pressing the button titled `title` sends: imBack text, hero-card text, or an Action.Submit value. */
export function pressButton(activities: readonly ActivityJson[], title: string): { text?: string; value?: unknown } | undefined {
  for (const a of activities) {
    for (const action of a.suggestedActions?.actions ?? []) {
      if (action.title === title) return { text: String(action.value) };
    }
    for (const attachment of a.attachments ?? []) {
      const content = attachment.content as { buttons?: { title?: string; value?: unknown }[]; actions?: { type: string; title?: string; data?: unknown }[] };
      if (attachment.contentType === 'application/vnd.microsoft.card.hero') {
        const button = (content.buttons ?? []).find((b) => b.title === title);
        if (button) return { text: String(button.value) };
      }
      if (attachment.contentType === 'application/vnd.microsoft.card.adaptive') {
        const action = (content.actions ?? []).find((x) => x.type === 'Action.Submit' && x.title === title);
        if (action) return { value: action.data };
      }
    }
  }
  return undefined;
}

/** Checks a turn's replies; returns what is wrong, or undefined. */
export function checkReplies(turn: Turn, activities: readonly ActivityJson[]): string | undefined {
  const text = readable(activities);
  const missing = turn.expect.filter((key) => !text.includes(fixedPart(key)));
  if (missing.length === 0) return undefined;
  return `after ${turn.say !== undefined ? `saying "${turn.say}"` : `pressing ${turn.press}`}: missing ${missing.join(', ')}; got: ${text.slice(0, 300).replace(/\n/g, ' | ')}`;
}

/** Personal account, old phone gone, can sign in another way: the four steps, resolved. Nine turns. */
export const PERSONAL_WALK: readonly Turn[] = [
  { say: 'hi', expect: ['start.hello', 'account.ask'] },
  { press: 'account.choices.personal', expect: ['diagnosis.ask'] },
  { press: 'diagnosis.choices.old-phone-gone', expect: ['personal.canSignIn'] },
  { press: 'choices.yes', expect: ['personal.intro', 'personal.steps.open.title'] },
  { press: 'choices.done', expect: ['personal.steps.manage.title'] },
  { press: 'choices.done', expect: ['personal.steps.add.title'] },
  { press: 'choices.done', expect: ['personal.steps.remove.title'] },
  { press: 'choices.done', expect: ['outcome.ask'] },
  { press: 'choices.yes', expect: ['outcome.resolved'] },
];

/** Work or school account, old phone gone, can sign in another way: Security info steps, resolved. Nine turns. */
export const WORK_WALK: readonly Turn[] = [
  { say: 'hi', expect: ['start.hello', 'account.ask'] },
  { press: 'account.choices.work', expect: ['diagnosis.ask'] },
  { press: 'diagnosis.choices.old-phone-gone', expect: ['work.canSignIn'] },
  { press: 'choices.yes', expect: ['work.intro', 'work.steps.open.title'] },
  { press: 'choices.done', expect: ['work.steps.add.title'] },
  { press: 'choices.done', expect: ['work.steps.default.title'] },
  { press: 'choices.done', expect: ['work.steps.remove.title'] },
  { press: 'choices.done', expect: ['outcome.ask'] },
  { press: 'choices.yes', expect: ['outcome.resolved'] },
];

/** A conversation left mid-dialog (at step 1 of the personal walk), for the memory figure. */
export const IDLE_MIDWAY: readonly Turn[] = PERSONAL_WALK.slice(0, 4);

/** A web-chat visitor files a helpdesk request to replace a work account's mobile. */
export function escalationIntake(address: string, newNumber: string): Turn[] {
  return [
    { say: 'hi', expect: ['account.ask'] },
    { press: 'account.choices.work', expect: ['diagnosis.ask'] },
    { press: 'diagnosis.choices.old-phone-gone', expect: ['work.canSignIn'] },
    { press: 'choices.no', expect: ['intake.askAddress'] },
    { say: address, expect: ['intake.askOldNumber'] },
    { say: 'skip', expect: ['intake.askNewNumber'] },
    { say: newNumber, expect: ['intake.askFix'] },
    { press: 'intake.fix.replace-mobile', expect: ['intake.summaryTitle'] },
    { press: 'choices.send', expect: ['intake.sent'] },
  ];
}
