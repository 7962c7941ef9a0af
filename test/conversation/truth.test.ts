/**
 * Only what is true, on every date (issue 11): the retirement note by the clock and PHONE_SIGN_IN,
 * no phone offered where codes will not arrive, Entra account recovery when the operator enables
 * it, the scam warning once, the hardening step after success, and the personal no-method branch
 * one question at a time. Each row runs in Teams and Web Chat, in English and Spanish.
 */
import { LANGUAGES } from '../../locales';
import en from '../../locales/en.json';
import { AFTER_ADMIN_RETIREMENT, AFTER_RETIREMENT, BEFORE_RETIREMENT } from './harness';
import { doneSteps, press, reach, runTable, say, type Case, type Turn } from './truthTable';

/** Through the work walkthrough to its add step, expecting the given retirement note (or none). */
const workToAddStep = (note: string | undefined, addText: string, absent: string[] = []): Turn[] => [
  reach('work'),
  {
    act: { press: 'choices.yes' },
    expect: [...(note ? [note] : []), 'work.intro', 'work.steps.open.title'],
    absent: ['work.sms.retiring', 'work.sms.retiredAdminsLeft', 'work.sms.retired', 'work.sms.off'].filter((k) => k !== note),
  },
  { act: { press: 'choices.done' }, expect: ['work.steps.add.title', addText], absent },
];

/** The intake up to the fix, in either channel: Teams knows the account, Web Chat asks for it. */
const intakeToFix = (expect: string[], absent: string[] = []): Turn[] => [
  reach('work'),
  press('choices.no', 'work.noMethodIntro'),
  { act: { say: '+44 7400 111222' }, expect: [] }, // Teams: the old number. Web Chat: not an address yet, re-asked.
  { act: { say: 'pat@contoso.com' }, expect: [] },
  { act: { say: '+44 7400 111222' }, expect: [] },
  { act: { say: '+44 7400 123456' }, expect, absent },
];

const cases: Case[] = [
  {
    name: 'before 1 Feb 2027 (Microsoft SMS): "stops on 1 February 2027", once, and the phone is still an option',
    now: BEFORE_RETIREMENT,
    turns: [
      ...workToAddStep('work.sms.retiring', 'work.steps.add.text'),
      { act: { press: 'choices.done' }, expect: ['work.steps.default.title'], absent: ['work.sms.retiring'] },
    ],
  },
  {
    name: 'between 1 Feb and 1 Jul 2027 (Microsoft SMS): stopped, admins until July, no phone in the steps',
    now: AFTER_RETIREMENT,
    turns: [
      ...workToAddStep('work.sms.retiredAdminsLeft', 'work.steps.add.textNoPhone'),
      { act: { press: 'choices.stuck' }, expect: ['step.stuckWhich'], buttons: ['step.stuckMethod.authenticator', 'step.stuckMethod.passkey'], noButtons: ['step.stuckMethod.phone'] },
      press('step.stuckMethod.passkey', 'work.steps.add.stuckBy.passkey', 'step.stuckAsk'),
    ],
  },
  {
    name: 'after 1 Jul 2027 (Microsoft SMS): stopped, no phone in the steps',
    now: AFTER_ADMIN_RETIREMENT,
    turns: workToAddStep('work.sms.retired', 'work.steps.add.textNoPhone'),
  },
  {
    name: 'after 1 Feb 2027 with the organisation\'s own phone provider: no retirement note, the phone is offered',
    now: AFTER_RETIREMENT,
    phoneSignIn: 'own-provider',
    turns: [
      ...workToAddStep(undefined, 'work.steps.add.text'),
      { act: { press: 'choices.stuck' }, buttons: ['step.stuckMethod.phone'] },
      press('step.stuckMethod.phone', 'work.steps.add.stuckBy.phone'),
    ],
  },
  {
    name: 'phone sign-in off (before the date too): said so, no phone in the steps',
    now: BEFORE_RETIREMENT,
    phoneSignIn: 'off',
    turns: workToAddStep('work.sms.off', 'work.steps.add.textNoPhone'),
  },
  {
    name: 'intake before 1 Feb 2027: both fixes offered',
    now: BEFORE_RETIREMENT,
    turns: [...intakeToFix(['work.sms.retiring', 'intake.fixAdvice', 'intake.askFix']), press('intake.fix.replace-mobile', 'intake.summaryTitle')],
  },
  {
    name: 'intake after 1 Feb 2027 without a provider: only the pass, no "new number" fix',
    now: AFTER_RETIREMENT,
    turns: intakeToFix(['work.sms.retiredAdminsLeft', 'intake.fixTapOnly', 'intake.summaryTitle', 'intake.fix.temporary-access-pass'], ['intake.askFix', 'intake.fixAdvice', 'intake.fix.replace-mobile']),
    check: async (c) => {
      await c.press('choices.send');
      expect(c.escalations.drafts[0]).toMatchObject({ fix: 'temporary-access-pass' });
    },
  },
  {
    name: 'intake after 1 Jul 2027 with the own provider: both fixes offered, no retirement note',
    now: AFTER_ADMIN_RETIREMENT,
    phoneSignIn: 'own-provider',
    turns: intakeToFix(['intake.fixAdvice', 'intake.askFix'], ['work.sms.retired', 'intake.fixTapOnly']),
  },
  {
    name: 'intake with phone sign-in off: only the pass',
    phoneSignIn: 'off',
    turns: intakeToFix(['work.sms.off', 'intake.fixTapOnly', 'intake.summaryTitle'], ['intake.askFix']),
  },
  {
    name: 'Entra account recovery on: offered before the helpdesk; "That didn\'t work" goes to the intake',
    entraAccountRecovery: true,
    turns: [
      reach('work'),
      {
        act: { press: 'choices.no' },
        expect: ['work.accountRecovery.offer'],
        absent: ['work.noMethodIntro', 'intake.askAddress', 'intake.askOldNumber'],
        buttons: ['work.accountRecovery.didntWork', 'work.accountRecovery.askHelpdesk'],
      },
      press('work.accountRecovery.didntWork', 'work.noMethodIntro', 'work.onlyAdminNote'),
    ],
  },
  {
    name: 'Entra account recovery on: "Ask the helpdesk" goes to the intake',
    entraAccountRecovery: true,
    turns: [reach('work'), press('choices.no', 'work.accountRecovery.offer'), press('work.accountRecovery.askHelpdesk', 'work.noMethodIntro')],
  },
  {
    name: 'Entra account recovery on: "It worked" hardens and ends resolved',
    entraAccountRecovery: true,
    turns: [reach('work'), press('choices.no'), press('work.accountRecovery.worked', 'work.harden', 'outcome.resolved')],
    check: (c) => expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'resolved', path: 'work/account-recovery' })]),
  },
  {
    name: 'Entra account recovery off: never mentioned, straight to the helpdesk',
    entraAccountRecovery: false,
    turns: [reach('work'), { act: { press: 'choices.no' }, expect: ['work.noMethodIntro'], absent: ['work.accountRecovery.offer'] }],
  },
  {
    name: 'the scam warning: once, in the first message, not again after start over',
    channels: ['webchat'],
    turns: [say('hi', 'start.hello', 'start.scam'), { act: { say: 'start over' }, expect: ['account.ask'], absent: ['start.scam'] }],
  },
  {
    name: 'the scam warning also when the conversation opens with "talk to a person"',
    channels: ['webchat'],
    turns: [{ act: { send: { type: 'message', value: { choice: 'human' } } }, expect: ['interrupt.humanWhichAccount', 'start.scam'] }],
  },
  {
    name: 'work self-service: the hardening step before "did it work?"',
    turns: [reach('work'), press('choices.yes'), ...doneSteps(3), press('choices.done', 'work.harden', 'outcome.ask'), press('choices.yes', 'outcome.resolved')],
  },
  {
    name: 'personal self-service: the hardening step (recovery code, second method) before "did it work?"',
    turns: [reach('personal'), press('choices.yes', 'personal.intro', 'personal.steps.open.title'), ...doneSteps(3), press('choices.done', 'personal.harden', 'outcome.ask')],
  },
  {
    name: 'personal, no method, recovery code saved: that route, then a way forward that does not claim they are back in',
    turns: [
      reach('personal'),
      press('choices.no', 'personal.noMethod.askCode'),
      { act: { press: 'choices.yes' }, expect: ['personal.noMethod.code', 'personal.noMethod.ask'], absent: ['personal.noMethod.askPassword'] },
      { act: { press: 'choices.yes' }, expect: ['personal.noMethod.wayForward'], absent: ['outcome.resolved'] },
    ],
  },
  {
    name: 'personal, no method, code did not help, password known: "I don\'t have any of these" and the 30 days, then the form',
    turns: [
      reach('personal'),
      press('choices.no'),
      press('choices.yes', 'personal.noMethod.code'),
      press('choices.no', 'personal.noMethod.askPassword'),
      { act: { press: 'choices.yes' }, expect: ['personal.noMethod.dontHave', 'personal.noMethod.ask'], absent: ['personal.noMethod.form'] },
      { act: { press: 'choices.no' }, expect: ['personal.noMethod.form', 'personal.noMethod.ask'], absent: ['personal.noMethod.honest'] },
      { act: { press: 'choices.no' }, expect: ['personal.noMethod.honest'], absent: [] },
    ],
    check: (c) => {
      expect(c.transcript()).toContain('https://support.microsoft.com');
      expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'gave-up', path: 'personal/recovery' })]);
    },
  },
  {
    name: '"Not sure" no longer names Skype',
    channels: ['webchat'],
    turns: [say('hi'), press('account.choices.unsure', 'account.notSure')],
    check: (c) => expect(c.transcript()).not.toMatch(/skype/i),
  },
];

runTable('truth', cases);

describe('the catalogs', () => {
  const all = (catalog: object) => JSON.stringify(catalog);
  test.each(LANGUAGES.map((l) => [l.tag, l.catalog] as const))('%s: never the legacy MFA pages, never Skype in a sentence', (_lang, catalog) => {
    const text = all(catalog);
    expect(text).not.toMatch(/windowsazure\.com|proofup|multifactorverification/i);
    const sentences = JSON.stringify({ ...catalog, account: { ...(catalog as typeof en).account, words: undefined } });
    expect(sentences).not.toMatch(/skype/i);
  });
  test.each(LANGUAGES.map((l) => [l.tag, l.catalog] as const))('%s: the retirement notes are one sentence each', (_lang, catalog) => {
    for (const note of Object.values((catalog as typeof en).work.sms)) expect(note.split(/(?<!\d)[.!?](?:\s|$)|[。！？]/).filter((s) => s.trim()).length).toBe(1);
  });
});
