import {
  ActivityHandler,
  ActivityTypes,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type InvokeResponse,
  type ConversationState,
  type StatePropertyAccessor,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { DialogContexts } from '../dialogs/dialogMemory';
import type { MainDialog } from '../dialogs/mainDialog';
import type { Voice } from '../dialogs/voice';

export interface SupportBotOptions {
  maxTextChars: number;
  /** The bot's Microsoft app id, for the Teams deep link to a 1:1 chat (local mode has none). */
  botAppId?: string;
  /** Universal Actions (Action.Execute) clicks: the helpdesk's approval cards. */
  onCardAction?: (context: TurnContext, invoke: AdaptiveCardInvokeValue) => Promise<AdaptiveCardInvokeResponse>;
  /** The bot was added to a team (the helpdesk may take its channel from there). */
  onTeamInstall?: (context: TurnContext) => Promise<void>;
}

/**
 * The activity handler: greets once per conversation, screens what cannot be a sensible answer
 * (too long, no text), runs the root dialog for every message, and saves state at the end of
 * every turn (core-bot's DialogBot).
 */
export class SupportBot extends ActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly welcomed: StatePropertyAccessor<boolean>;
  private readonly dialogs: DialogContexts;

  constructor(
    private readonly conversationState: ConversationState,
    private readonly dialog: MainDialog,
    private readonly voice: Voice,
    private readonly options: SupportBotOptions,
  ) {
    super();
    this.dialogState = conversationState.createProperty('dialogState');
    this.welcomed = conversationState.createProperty('welcomed');
    // MainDialog's own set at the root: see MainDialog.runTurn.
    this.dialogs = new DialogContexts(dialog.dialogs, this.dialogState);

    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const added = context.activity.membersAdded ?? [];
      if (added.some((m) => m.id === botId) && !isOneToOne(context)) await this.options.onTeamInstall?.(context);
      const someoneElse = added.some((m) => m.id !== botId);
      const botInPersonalChat = added.some((m) => m.id === botId) && isOneToOne(context);
      // A Web Chat page says when it opens, and in which language, with its join event; the
      // channel's own conversationUpdate comes first and carries no locale.
      if ((someoneElse || botInPersonalChat) && !WAITS_FOR_JOIN.has(context.activity.channelId)) await this.welcome(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      if (!isOneToOne(context)) await this.options.onTeamInstall?.(context);
      await this.welcome(context);
      await next();
    });
    this.onEvent(async (context, next) => {
      // Web Chat hosts send this when the widget opens, before the visitor types anything.
      if (context.activity.name === 'webchat/join') {
        const asked = (context.activity.value as { locale?: unknown } | undefined)?.locale;
        if (!context.activity.locale && typeof asked === 'string' && LOCALE_TAG.test(asked)) context.activity.locale = asked;
        await this.welcome(context);
      }
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    if (!this.options.onCardAction) return super.onAdaptiveCardInvoke(context, invoke);
    return this.options.onCardAction(context, invoke);
  }

  /**
   * An invoke the bot does not handle (an unknown name, none, or a sign-in or search invoke) is
   * the caller's mistake: a 400 that says so, where ActivityHandler answers 501.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const response = await super.onInvokeActivity(context);
    if (response.status !== 501) return response;
    const name = typeof context.activity.name === 'string' ? context.activity.name.slice(0, 64) : '';
    return { status: 400, body: { error: { code: 'InvokeNotSupported', message: `This bot does not support the invoke "${name}".` } } };
  }

  /**
   * A message, nearly every turn, goes straight to onMessageTurn. ActivityHandler would reach the
   * same place through run, onTurnActivity, the Turn handlers, onMessageActivity and the Message
   * handlers, each an async step with its own next() closure: about 5 % of a support turn's CPU,
   * for nothing this bot uses (it registers no Turn, Message or Dialog handlers). Every other
   * activity goes through ActivityHandler.
   */
  override async run(context: TurnContext): Promise<void> {
    if (context.activity?.type === ActivityTypes.Message) await this.onMessageTurn(context);
    else await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }

  private async onMessageTurn(context: TurnContext): Promise<void> {
    // Everyone in a channel or group chat reads the answers: nothing about an account may be
    // said there, so the bot points to a 1:1 chat before any state is read or a dialog runs.
    if (isSharedConversation(context)) {
      await this.pointToPersonalChat(context);
      return;
    }
    await this.conversationState.load(context);
    await this.handleMessage(context);
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (activity.channelId === 'msteams') TurnContext.removeRecipientMention(activity);
    const text = typeof activity.text === 'string' ? activity.text.trim() : '';
    if (text.length > this.options.maxTextChars) {
      await this.voice.say(context, 'errors.tooLong');
      return;
    }
    const value: unknown = activity.value;
    if (!text && (typeof value !== 'object' || value === null)) {
      await this.voice.say(context, 'errors.nonText');
      return;
    }
    // Not runDialog: for a bot that is not a skill it also builds a memory-scope manager and sends
    // a snapshot of the whole dialog memory as a trace (which traceFilter then drops), a tenth of
    // a turn's CPU in the benchmark; and MainDialog runs at the root, not as a component.
    await this.dialog.runTurn(await this.dialogs.create(context));
  }

  /** The only answer to a message in a shared conversation: message me 1:1, with a link when one can be built. */
  private async pointToPersonalChat(context: TurnContext): Promise<void> {
    const link = personalChatLink(this.options.botAppId, context.activity.recipient?.id);
    if (link) await this.voice.sayWith(context, 'shared.oneToOne', { link }, ['link']);
    else await this.voice.say(context, 'shared.oneToOneNoLink');
  }

  /**
   * Once per conversation (Teams sends both conversationUpdate and installationUpdate): the
   * conversation starts here, with a short welcome and the first question with its buttons, so
   * the person has something to answer before typing anything.
   */
  private async welcome(context: TurnContext): Promise<void> {
    if (!isOneToOne(context)) return; // a helpdesk channel does not need the self-service pitch
    await this.conversationState.load(context);
    if (await this.welcomed.get(context, false)) return;
    await this.welcomed.set(context, true);
    const dc = await this.dialogs.create(context);
    // The person wrote before the page's join event arrived: the conversation is already going.
    if (dc.activeDialog) return;
    await this.dialog.runTurn(dc, { entry: 'welcome' });
  }
}

/** Channels whose client announces itself with Web Chat's join event, which carries the visitor's locale. */
const WAITS_FOR_JOIN = new Set(['webchat', 'directline']);

/** A plausible BCP 47 tag (es-MX, pt-BR, zh-Hant-TW), so a join event cannot set anything else as the locale. */
const LOCALE_TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$/;

function isOneToOne(context: TurnContext): boolean {
  const type = context.activity.conversation?.conversationType;
  return !type || type === 'personal';
}

/** A Teams channel or group chat (or any channel's group conversation): others read every reply. */
export function isSharedConversation(context: TurnContext): boolean {
  const conversation = context.activity.conversation;
  const type = conversation?.conversationType;
  return type === 'channel' || type === 'groupChat' || conversation?.isGroup === true;
}

/**
 * Teams' deep link to a chat with a bot: `https://teams.microsoft.com/l/chat/0/0?users=28:<botAppId>`.
 * The configured app id when there is one; otherwise the recipient id Teams gave (`28:…`), which
 * is the bot's own id in Teams. Nothing else is put in a link.
 */
export function personalChatLink(botAppId: string | undefined, recipientId: string | undefined): string | undefined {
  const appId = botAppId?.trim();
  const botId = appId ? `28:${appId}` : recipientId?.startsWith('28:') ? recipientId : undefined;
  if (!botId || !/^28:[\w-]+$/.test(botId)) return undefined;
  return `https://teams.microsoft.com/l/chat/0/0?users=${botId}`;
}
