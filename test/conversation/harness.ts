/**
 * Drives the root dialog through botbuilder-testing's DialogTestClient the way a person would:
 * typing, pressing the buttons the bot actually rendered (found by their localized titles, so
 * the same script works for Teams hero cards, Web Chat suggested actions and Adaptive Cards),
 * and checking the replies against the locale catalogs.
 */
import { CATALOGS } from '../../locales';
import { ConversationState, MemoryStorage, type Activity, type Attachment, type CardAction } from 'botbuilder';
import { DialogTestClient } from 'botbuilder-testing';
import { MainDialog } from '../../dialogs/mainDialog';
import type { SupportCase } from '../../dialogs/services';
import { Localizer } from '../../src/core/i18n';
import type { PhoneSignInSetting } from '../../src/core/phoneSignIn';
import { FakeDirectory } from '../fakes/directory';
import { FakeEscalations, FakeOutcomes, RecordingLog } from '../fakes/ports';

export const localizer = new Localizer(CATALOGS, 'en');

/** MainDialog on fakes: the Conversation harness and the bot-level suites build it here. */
export function mainDialogOnFakes(
  conversationState: ConversationState,
  fakes: { log: RecordingLog; escalations: FakeEscalations; directory: FakeDirectory; outcomes?: FakeOutcomes },
  options: { maxMisses?: number; now?: Date; phoneSignIn?: PhoneSignInSetting; entraAccountRecovery?: boolean } = {},
): MainDialog {
  return new MainDialog({
    localizer,
    escalations: fakes.escalations,
    outcomes: fakes.outcomes ?? new FakeOutcomes(),
    log: fakes.log,
    supportCase: conversationState.createProperty<SupportCase>('supportCase'),
    maxMisses: options.maxMisses ?? 3,
    defaultPhoneCountry: undefined,
    clock: { now: () => options.now ?? BEFORE_RETIREMENT },
    phoneSignIn: options.phoneSignIn ?? 'microsoft',
    entraAccountRecovery: options.entraAccountRecovery ?? false,
    directory: fakes.directory,
    directoryMode: 'sandbox',
    requests: fakes.escalations,
  });
}

/** Dates the conversation tables freeze the clock at: before 1 Feb 2027, between, after 1 Jul 2027. */
export const BEFORE_RETIREMENT = new Date('2026-12-02T10:00:00Z');
export const AFTER_RETIREMENT = new Date('2027-03-15T10:00:00Z');
export const AFTER_ADMIN_RETIREMENT = new Date('2027-08-01T10:00:00Z');

export type Channel = 'msteams' | 'webchat';

export interface Button {
  title: string;
  /** What pressing it sends: imBack text, or an Adaptive Card Action.Submit value. */
  send: Partial<Activity>;
}

export class Conversation {
  readonly escalations = new FakeEscalations();
  readonly outcomes = new FakeOutcomes();
  readonly log = new RecordingLog();
  readonly lang: string;
  private readonly client: DialogTestClient;
  private last: Partial<Activity>[] = [];

  readonly directory: FakeDirectory;
  readonly aadObjectId: string;

  constructor(
    readonly channel: Channel,
    readonly locale = 'en-GB',
    private readonly options: {
      aadObjectId?: string;
      maxMisses?: number;
      directory?: FakeDirectory;
      /** The frozen date of the conversation (date-aware advice); default before 1 Feb 2027. */
      now?: Date;
      phoneSignIn?: PhoneSignInSetting;
      entraAccountRecovery?: boolean;
    } = {},
    /** The conversation's stored state (MemoryStorage's backing object); fork() copies it. */
    private readonly memory: Record<string, string> = {},
  ) {
    this.aadObjectId = options.aadObjectId ?? '0a0d0e00-0000-4000-8000-000000000001';
    this.directory = options.directory ?? new FakeDirectory();
    this.lang = localizer.language(locale);
    const conversationState = new ConversationState(new MemoryStorage(this.memory));
    const dialog = mainDialogOnFakes(conversationState, { log: this.log, escalations: this.escalations, directory: this.directory, outcomes: this.outcomes }, options);
    this.client = new DialogTestClient(channel, dialog, undefined, [], conversationState);
  }

  /**
   * The same conversation at this point, to branch from: its stored state and last replies are
   * copied, the fakes start empty. The conversation explorer walks every path with it.
   */
  fork(): Conversation {
    const copy = new Conversation(this.channel, this.locale, this.options, { ...this.memory });
    copy.last = this.last;
    return copy;
  }

  /** The person types something. Returns every reply of the turn. */
  async say(text: string): Promise<Partial<Activity>[]> {
    return this.send({ type: 'message', text });
  }

  /** The person presses the button whose title is the catalog text at `titleKey`. */
  async press(titleKey: string): Promise<Partial<Activity>[]> {
    const title = this.t(titleKey);
    const button = this.buttons().find((b) => b.title === title);
    if (!button) throw new Error(`No button "${title}" in the last replies; buttons: ${this.buttons().map((b) => b.title).join(' | ')}`);
    return this.send(button.send);
  }

  async send(activity: Partial<Activity>): Promise<Partial<Activity>[]> {
    const from = { id: 'user-1', name: 'Pat', ...(this.channel === 'msteams' ? { aadObjectId: this.aadObjectId } : {}) };
    const first = await this.client.sendActivity({ locale: this.locale, from, ...activity } as Partial<Activity>);
    const replies: Partial<Activity>[] = first ? [first] : [];
    for (let next = this.client.getNextReply(); next; next = this.client.getNextReply()) replies.push(next);
    this.last = replies;
    return replies;
  }

  t(key: string, vars?: Record<string, string | number>): string {
    return localizer.t(this.lang, key, vars);
  }

  /** All the words the last replies showed: texts, card texts and facts, button titles. */
  transcript(): string {
    return this.last.map(render).join('\n');
  }

  buttons(): Button[] {
    return this.last.flatMap(buttonsOf);
  }

  /**
   * The dialogs waiting for the next turn, root first, each with its options (a prompt's choices
   * are there, by value, whatever the language) and its own state: the conversation explorer
   * walks them.
   */
  activeDialogs(): { id: string; options?: unknown; state: Record<string, unknown> }[] {
    const chain: { id: string; options?: unknown; state: Record<string, unknown> }[] = [];
    // Each stack is kept top last; a component dialog holds its own stack inside its state.
    let stack = this.client.dialogContext.stack;
    while (stack.length > 0) {
      let inner: typeof stack = [];
      for (const instance of stack) {
        const { dialogs, ...own } = (instance.state ?? {}) as { dialogs?: { dialogStack?: typeof stack } } & Record<string, unknown>;
        chain.push({ id: instance.id, options: own.options, state: own });
        if (instance === stack.at(-1)) inner = dialogs?.dialogStack ?? [];
      }
      stack = inner;
    }
    return chain;
  }

  /** How many dialog stacks are nested right now: the root's, then one per component dialog on top. */
  levels(): number {
    let levels = 0;
    for (let stack = this.client.dialogContext.stack; stack.length > 0; levels += 1) {
      stack = (stack.at(-1)!.state as { dialogs?: { dialogStack?: typeof stack } } | undefined)?.dialogs?.dialogStack ?? [];
    }
    return levels;
  }

  /** Rewrites the conversation's stored state, as another version of the bot might have left it. */
  editStoredState(edit: (state: Record<string, unknown>) => void): void {
    const keys = Object.keys(this.memory).filter((key) => key.includes('/conversations/'));
    if (keys.length !== 1) throw new Error(`Expected one conversation document, found ${keys.length}`);
    const state = JSON.parse(this.memory[keys[0]!]!) as Record<string, unknown>;
    edit(state);
    this.memory[keys[0]!] = JSON.stringify(state);
  }

  /** True when the last replies contain the catalog message (up to its first placeholder). */
  said(key: string): boolean {
    const fixed = localizer.template(this.lang, key).split('{{')[0]!;
    return this.transcript().includes(fixed);
  }
}

function render(activity: Partial<Activity>): string {
  const parts: string[] = [activity.text ?? ''];
  for (const a of activity.attachments ?? []) parts.push(renderAttachment(a));
  for (const action of activity.suggestedActions?.actions ?? []) parts.push(action.title ?? '');
  return parts.filter(Boolean).join('\n');
}

function renderAttachment(a: Attachment): string {
  return JSON.stringify(a.content, (key, value: unknown) => (key === '$schema' ? undefined : value))
    .match(/"(?:text|title|value|speak)":"((?:[^"\\]|\\.)*)"/g)
    ?.map((m) => JSON.parse(`{${m}}`) as Record<string, string>)
    .map((o) => Object.values(o)[0])
    .join('\n') ?? '';
}

function buttonsOf(activity: Partial<Activity>): Button[] {
  const imBack = (action: CardAction): Button => ({ title: action.title ?? '', send: { type: 'message', text: String(action.value) } });
  const out: Button[] = (activity.suggestedActions?.actions ?? []).map(imBack);
  for (const a of activity.attachments ?? []) {
    const content = a.content as { buttons?: CardAction[]; actions?: { type: string; title: string; data?: object }[] };
    if (a.contentType === 'application/vnd.microsoft.card.hero') out.push(...(content.buttons ?? []).map(imBack));
    if (a.contentType === 'application/vnd.microsoft.card.adaptive') {
      for (const action of content.actions ?? []) {
        if (action.type === 'Action.Submit') out.push({ title: action.title, send: { type: 'message', value: action.data } });
      }
    }
  }
  return out;
}
