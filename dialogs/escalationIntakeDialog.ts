import { TextPrompt, WaterfallDialog, type FoundChoice, type PromptValidatorContext, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder';
import { renderCard } from '../cards/render';
import { escapeMarkup } from '../src/core/i18n';
import { languageInfo } from '../locales';
import { countryFromLocale, exampleMobile, formatPhoneNumber, maskPhoneNumber, parseMobileNumber, type PhoneParseResult } from '../src/core/phone';
import { EscalationRefused, type EscalationDraft, type RequestedFix } from '../src/core/ports';
import { emailDomain, isConsumerDomain, isSignInAddress, matchesAny } from '../src/core/recognizers';
import { DialogGroup } from './dialogGroup';
import { identityAssurance, replyAddress, teamsObjectId } from './identity';
import { ownMethods } from './ownMethods';
import { ended } from './pathResult';
import { AnswerPrompt, cardQuestion, choiceQuestion } from './prompts';
import { phoneWorks, saySmsRetirementOnce, type DialogServices } from './services';
import type { Voice } from './voice';

export const ESCALATION_INTAKE = 'escalationIntake';
const ADDRESS = 'intake.address';
const OLD_NUMBER = 'intake.oldNumber';
const NEW_NUMBER = 'intake.newNumber';
const FIX = 'intake.fix';
const CONFIRM = 'intake.confirm';

const FIXES: readonly RequestedFix[] = ['temporary-access-pass', 'replace-mobile'];
const PATH = 'work/escalation';

interface IntakeValues {
  address?: string;
  /** Teams knows the account: say so in front of the first question (one message, not two). */
  teamsAccountNote?: boolean;
  phonesFromDirectory?: boolean;
  oldMobile?: string;
  newMobile?: string;
  fix?: RequestedFix;
}

/** What the number validator needs from the waterfall (prompt state is separate from step values). */
interface NumberValidations {
  oldMobile?: string;
  phonesFromDirectory?: boolean;
}

/** The old-number question was not asked (the directory knows the phones). */
const SKIPPED = '\u0000skipped';

/** Marks a text prompt the person could not answer after the allowed misses. */
const GAVE_UP = '\u0000gave-up';

/**
 * Collects what the helpdesk needs, reads it back with the number masked, and hands it to the
 * escalation port. The bot never asks for a password or a code, and never says whether an
 * address exists: the intake takes what it is told and leaves verification to the helpdesk.
 */
export class EscalationIntakeDialog extends DialogGroup {
  constructor(private readonly voice: Voice, private readonly services: DialogServices) {
    super();
    const misses = services.maxMisses;
    this.add(new TextPrompt(ADDRESS, (pc) => this.validateAddress(pc)));
    this.add(new TextPrompt(OLD_NUMBER, (pc) => this.validateNumber(pc, 'old')));
    this.add(new TextPrompt(NEW_NUMBER, (pc) => this.validateNumber(pc, 'new')));
    this.add(new AnswerPrompt(FIX, misses));
    this.add(new AnswerPrompt(CONFIRM, misses));
    this.add(
      // The whole intake: while it is on the stack, its answers have not been sent (see
      // holdsUnsentIntake in src/app.ts, which looks for this id).
      new WaterfallDialog(ESCALATION_INTAKE, [
        this.askAddress.bind(this),
        this.askOldNumber.bind(this),
        this.askNewNumber.bind(this),
        this.askFix.bind(this),
        this.confirm.bind(this),
        this.submit.bind(this),
      ]),
    );
  }

  private values(step: WaterfallStepContext): IntakeValues {
    return step.values as IntakeValues;
  }

  private async askAddress(step: WaterfallStepContext) {
    if (teamsObjectId(step.context)) {
      this.values(step).teamsAccountNote = true;
      return step.next();
    }
    return step.prompt(ADDRESS, { prompt: this.voice.message(this.voice.t(step.context, 'intake.askAddress')) });
  }

  /** The first question, with "I'll use your Teams account" in front of it when that is due. */
  private lead(step: WaterfallStepContext, question: string): string {
    const values = this.values(step);
    if (!values.teamsAccountNote) return question;
    values.teamsAccountNote = false;
    return `${this.voice.t(step.context, 'intake.teamsAccount')} ${question}`;
  }

  private async askOldNumber(step: WaterfallStepContext) {
    if (step.result === GAVE_UP) return this.giveUp(step);
    if (typeof step.result === 'string') this.values(step).address = step.result.trim();
    // When the directory shows the account's phones, the helpdesk sees them too: no need to ask.
    if (await ownMethods(step.context, this.services)) {
      this.values(step).phonesFromDirectory = true;
      return step.next(SKIPPED);
    }
    return step.prompt(OLD_NUMBER, { prompt: this.voice.message(this.lead(step, this.voice.t(step.context, 'intake.askOldNumber'))) });
  }

  private async askNewNumber(step: WaterfallStepContext) {
    if (step.result === GAVE_UP) return this.giveUp(step);
    const old = step.result === SKIPPED ? undefined : this.parse(step.context, String(step.result), []);
    if (old?.ok) this.values(step).oldMobile = old.phone.e164;
    return step.prompt(NEW_NUMBER, {
      validations: { oldMobile: this.values(step).oldMobile, phonesFromDirectory: this.values(step).phonesFromDirectory } satisfies NumberValidations,
      prompt: this.voice.message(this.lead(step, this.voice.t(step.context, 'intake.askNewNumber', { example: this.example(step.context) }, ['example']))),
    });
  }

  private async askFix(step: WaterfallStepContext) {
    if (step.result === GAVE_UP) return this.giveUp(step);
    const values = this.values(step);
    const parsed = this.parse(step.context, String(step.result), values.oldMobile ? [values.oldMobile] : []);
    if (!parsed.ok) throw new Error(`intake: a number the validator accepted failed to parse (${parsed.reason})`);
    values.newMobile = parsed.phone.e164;
    const ctx = step.context;
    await saySmsRetirementOnce(this.voice, this.services, ctx);
    // Where codes will not reach a phone, a new number fixes nothing: the pass is the only fix.
    if (!phoneWorks(this.services)) {
      await this.voice.say(ctx, 'intake.fixTapOnly');
      return step.next({ value: 'temporary-access-pass', index: 0, score: 1 } satisfies FoundChoice);
    }
    await this.voice.say(ctx, 'intake.fixAdvice');
    const choices = FIXES.map((fix) => this.voice.choice(ctx, fix, `intake.fix.${fix}`, `intake.fixWords.${fix}`));
    return step.prompt(FIX, choiceQuestion(this.voice, ctx, this.voice.t(ctx, 'intake.askFix'), choices));
  }

  private async confirm(step: WaterfallStepContext) {
    const fix = (step.result as FoundChoice | undefined)?.value as RequestedFix | undefined;
    if (!fix) return this.giveUp(step);
    const values = this.values(step);
    values.fix = fix;
    const ctx = step.context;
    const t = (key: string) => this.voice.t(ctx, key);
    const choices = [this.voice.choice(ctx, 'send', 'choices.send'), this.voice.choice(ctx, 'change', 'choices.change')];
    const card = renderCard('intakeSummary', {
      title: t('intake.summaryTitle'),
      facts: [
        { label: t('intake.summaryAccount'), value: values.address ? escapeMarkup(values.address) : t('intake.summaryAccountTeams') },
        // The person's own new number, in full, so they can check it; it is masked only towards others.
        { label: t('intake.summaryNewNumber'), value: formatPhoneNumber(values.newMobile!) },
        { label: t('intake.summaryOldNumber'), value: values.oldMobile ? maskPhoneNumber(values.oldMobile) : t('intake.summaryNotGiven') },
        { label: t('intake.summaryFix'), value: t(`intake.fix.${fix}`) },
      ],
      question: t('intake.confirmAsk'),
      choices: choices.map((c) => ({ title: c.action!.title!, value: c.value })),
    });
    return step.prompt(CONFIRM, cardQuestion(this.voice, ctx, card, choices));
  }

  private async submit(step: WaterfallStepContext) {
    const answer = (step.result as FoundChoice | undefined)?.value;
    const ctx = step.context;
    if (answer === 'change') {
      await this.voice.say(ctx, 'intake.again');
      return step.replaceDialog(ESCALATION_INTAKE);
    }
    if (answer !== 'send') return this.giveUp(step);
    const values = this.values(step);
    const draft: EscalationDraft = {
      channelId: ctx.activity.channelId,
      assurance: identityAssurance(ctx, this.services.tenantId),
      requesterObjectId: teamsObjectId(ctx),
      targetObjectId: values.address ? undefined : teamsObjectId(ctx),
      targetSignInAddress: values.address,
      newMobileE164: values.newMobile!,
      oldMobileE164: values.oldMobile,
      fix: values.fix!,
      locale: ctx.activity.locale ?? this.voice.lang(ctx),
      replyTo: replyAddress(ctx),
      submissionId: ctx.activity.id ? `${ctx.activity.channelId}\n${ctx.activity.conversation.id}\n${ctx.activity.id}` : undefined,
    };
    try {
      const receipt = await this.services.escalations.submit(draft);
      const supportCase = await this.services.supportCase.get(ctx, {});
      supportCase.lastReference = receipt.reference;
      // Only a request that reached the helpdesk channel is "sent"; a stored one says so, honestly.
      const [said, next] = {
        'helpdesk-notified': ['intake.sent', 'intake.sentNext'],
        retrying: ['intake.recorded', 'intake.retryingNext'],
        recorded: ['intake.recorded', 'intake.recordedNext'],
      }[receipt.delivery];
      await this.voice.sayWith(ctx, said, { reference: receipt.reference });
      await this.voice.say(ctx, next);
      // Someone Teams does not vouch for is told the owner and manager will hear of it (a deterrent, and honest).
      if (draft.assurance === 'unverified') await this.voice.say(ctx, 'intake.ownerTold');
      return step.endDialog(ended('escalated', PATH));
    } catch (error) {
      if (error instanceof EscalationRefused) {
        // The reference is given only when the open request is this person's own (src/helpdesk/service.ts).
        if (error.existingReference) await this.voice.sayWith(ctx, 'intake.limit.openOwn', { reference: error.existingReference });
        else await this.voice.say(ctx, `intake.limit.${error.reason}`);
        return step.endDialog(ended('gave-up', `${PATH}/refused`));
      }
      this.services.log.error({ err: error, channelId: draft.channelId }, 'escalation submit failed');
      await this.voice.say(ctx, 'intake.failed');
      return step.endDialog(ended('gave-up', `${PATH}/failed`));
    }
  }

  private async giveUp(step: WaterfallStepContext) {
    await this.voice.say(step.context, 'intake.tooManyMisses');
    return step.endDialog(ended('gave-up', PATH));
  }

  private async validateAddress(pc: PromptValidatorContext<string>): Promise<boolean> {
    const text = (pc.recognized.value ?? '').trim();
    if (isSignInAddress(text)) {
      const domain = emailDomain(text)!;
      if (!isConsumerDomain(domain)) return true;
      await this.voice.sayWith(pc.context, 'intake.consumerAddress', { domain });
    } else {
      await this.voice.say(pc.context, 'intake.badAddress');
    }
    return this.outOfTries(pc);
  }

  private async validateNumber(pc: PromptValidatorContext<string>, which: 'old' | 'new'): Promise<boolean> {
    const text = pc.recognized.value ?? '';
    if (which === 'old' && matchesAny(text, this.voice.list(pc.context, 'words.skip'))) return true;
    const { oldMobile, phonesFromDirectory } = (pc.options.validations ?? {}) as NumberValidations;
    let old: string[] = [];
    if (which === 'new') {
      // Read again rather than keep the account's numbers in conversation state.
      const registered = phonesFromDirectory ? ((await ownMethods(pc.context, this.services))?.phones ?? []) : [];
      old = [...(oldMobile ? [oldMobile] : []), ...registered.map((p) => p.e164)];
    }
    const parsed = this.parse(pc.context, text, old);
    if (parsed.ok) return true;
    // The example is ours, not the person's: it goes out unescaped.
    await this.voice.sayWith(pc.context, `phone.${parsed.reason}`, { example: parsed.example }, ['example']);
    return this.outOfTries(pc);
  }

  /** After the allowed misses the prompt ends with GAVE_UP instead of asking forever. */
  private outOfTries(pc: PromptValidatorContext<string>): boolean {
    if (pc.attemptCount < this.services.maxMisses) return false;
    pc.recognized.value = GAVE_UP;
    return true;
  }

  private parse(ctx: TurnContext, text: string, oldNumbers: readonly string[]): PhoneParseResult {
    return parseMobileNumber(text, {
      defaultCountry: this.phoneCountry(ctx),
      oldNumbers,
    });
  }

  private example(ctx: TurnContext): string {
    return exampleMobile(this.phoneCountry(ctx));
  }

  /** National numbers are read in the locale's region (fr-CA: CA), else the language's country (fr: FR), else the configured one. */
  private phoneCountry(ctx: TurnContext): string | undefined {
    return countryFromLocale(ctx.activity.locale) ?? languageInfo(this.voice.lang(ctx))?.phoneCountry ?? this.services.defaultPhoneCountry;
  }
}
