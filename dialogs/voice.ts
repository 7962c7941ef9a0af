import { ActivityTypes, MessageFactory, TurnContext, type Activity, type Attachment } from 'botbuilder';
import type { Choice } from 'botbuilder-dialogs';
import type { Localizer, Vars } from '../src/core/i18n';

/**
 * The bot's voice in the language of the current turn: every sentence comes from the locale
 * catalogs, looked up by key, so dialogs never hold user-facing text.
 */
export class Voice {
  constructor(private readonly localizer: Localizer) {}

  lang(context: TurnContext): string {
    return this.localizer.language(context.activity.locale);
  }

  t(context: TurnContext, key: string, vars?: Vars, raw?: readonly string[]): string {
    return this.localizer.t(this.lang(context), key, vars, raw);
  }

  has(context: TurnContext, key: string): boolean {
    return this.localizer.has(this.lang(context), key);
  }

  list(context: TurnContext, key: string): readonly string[] {
    return this.localizer.list(this.lang(context), key);
  }

  async say(context: TurnContext, ...keys: string[]): Promise<void> {
    await context.sendActivities(keys.map((key) => this.message(this.t(context, key))));
  }

  async sayWith(context: TurnContext, key: string, vars: Vars, raw?: readonly string[]): Promise<void> {
    await context.sendActivity(this.message(this.t(context, key, vars, raw)));
  }

  message(text: string, attachments?: Attachment[]): Partial<Activity> {
    const activity = attachments ? MessageFactory.attachment(attachments[0]!, text) : MessageFactory.text(text);
    if (attachments && attachments.length > 1) activity.attachments = attachments;
    activity.type = ActivityTypes.Message;
    activity.textFormat = 'markdown';
    return activity;
  }

  /**
   * A choice as a button and as typed words: the button's title, the internal value, and the
   * synonyms from the catalog (`words.<name>` unless another list is given) all select it.
   */
  choice(context: TurnContext, value: string, titleKey: string, wordsKey?: string): Choice {
    const title = this.t(context, titleKey);
    return {
      value,
      action: { type: 'imBack', title, value: title },
      synonyms: [...this.list(context, wordsKey ?? `words.${value}`)],
    };
  }

  /** The re-ask used by every choice prompt: names the choices, the buttons come with it. */
  retry(context: TurnContext, choices: readonly Choice[]): string {
    return this.t(context, 'prompt.retry', { choices: choices.map((c) => c.action?.title ?? c.value).join(', ') });
  }
}
