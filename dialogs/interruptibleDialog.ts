import { ActivityTypes, type TurnContext } from 'botbuilder';
import { ComponentDialog, DialogTurnStatus, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { recognizeInterruption, type Interruption, type InterruptionWords } from '../src/core/recognizers';
import { submittedChoice } from './prompts';
import type { Voice } from './voice';

// A Map, not an object literal: a forged `value.choice` of "constructor" must find nothing.
const CARD_INTERRUPTIONS: ReadonlyMap<string, Interruption> = new Map<string, Interruption>([
  ['startOver', 'startOver'],
  ['cancel', 'cancel'],
  ['help', 'help'],
  ['human', 'human'],
]);

/**
 * The commands that work at every step: help, cancel, start over and talk to a person. The
 * root dialog extends this, so whatever prompt is waiting, these are checked first (core-bot's
 * CancelAndHelpDialog). Help is answered here; the others are the subclass's to decide.
 */
export abstract class InterruptibleDialog extends ComponentDialog {
  protected constructor(id: string, protected readonly voice: Voice) {
    super(id);
  }

  /** A conversation may open with a command too ("help", "talk to a person"). */
  protected override async onBeginDialog(innerDc: DialogContext, options?: object): Promise<DialogTurnResult> {
    const interruption = this.interruptionIn(innerDc.context);
    if (interruption === 'help') await this.voice.say(innerDc.context, 'interrupt.help');
    else if (interruption) return this.onInterruption(innerDc, interruption);
    return super.onBeginDialog(innerDc, options);
  }

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const interruption = this.interruptionIn(innerDc.context);
    if (interruption === 'help') {
      await this.voice.say(innerDc.context, 'interrupt.help');
      await innerDc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    if (interruption) return this.onInterruption(innerDc, interruption);
    return super.onContinueDialog(innerDc);
  }

  protected abstract onInterruption(innerDc: DialogContext, what: Exclude<Interruption, 'help'>): Promise<DialogTurnResult>;

  protected interruptionIn(context: TurnContext): Interruption | undefined {
    if (context.activity.type !== ActivityTypes.Message) return undefined;
    const card = submittedChoice(context);
    if (card !== undefined) return CARD_INTERRUPTIONS.get(card);
    const text = context.activity.text;
    if (!text) return undefined;
    const words: InterruptionWords = {
      help: this.voice.list(context, 'interrupt.words.help'),
      cancel: this.voice.list(context, 'interrupt.words.cancel'),
      startOver: this.voice.list(context, 'interrupt.words.startOver'),
      human: this.voice.list(context, 'interrupt.words.human'),
      status: this.voice.list(context, 'interrupt.words.status'),
      cancelRequest: this.voice.list(context, 'interrupt.words.cancelRequest'),
      filler: this.voice.list(context, 'interrupt.words.filler'),
    };
    return recognizeInterruption(text, words);
  }
}
