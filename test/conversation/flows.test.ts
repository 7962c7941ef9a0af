/**
 * Every branch of the conversation, as tables of turns: what the person does, and which catalog
 * messages the bot must (or must not) answer with. Each table runs in Teams and in Web Chat,
 * whose prompts render differently (hero cards vs suggested actions).
 */
import type { Activity } from 'botbuilder';
import { Conversation, type Channel } from './harness';

type Act = { say: string } | { press: string } | { send: Partial<Activity> } | { reach: 'personal' | 'work' };
interface Turn {
  act: Act;
  expect?: string[];
  absent?: string[];
  buttons?: string[];
}
interface Case {
  name: string;
  channels?: Channel[];
  locale?: string;
  turns: Turn[];
  check?: (c: Conversation) => void;
}

const say = (text: string, ...expect: string[]): Turn => ({ act: { say: text }, expect });
const press = (key: string, ...expect: string[]): Turn => ({ act: { press: key }, expect });
const reach = (kind: 'personal' | 'work'): Turn => ({ act: { reach: kind } });
const doneSteps = (n: number): Turn[] => Array.from({ length: n }, () => press('choices.done', 'step.progress'));

const CHANNELS: Channel[] = ['msteams', 'webchat'];

const cases: Case[] = [
  {
    name: 'personal, can sign in another way: add new first, remove old last, resolved',
    turns: [
      reach('personal'),
      press('choices.yes', 'personal.intro', 'personal.steps.open.title', 'personal.steps.open.text'),
      press('choices.done', 'personal.steps.manage.title'),
      press('choices.done', 'personal.steps.add.title', 'personal.steps.add.text'),
      press('choices.done', 'personal.steps.remove.title'),
      press('choices.done', 'outcome.ask'),
      press('choices.yes', 'outcome.resolved'),
    ],
    check: (c) => expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'resolved', path: 'personal/self-service' })]),
  },
  {
    name: 'personal, typed answers instead of buttons',
    channels: ['webchat'],
    turns: [
      say('hi', 'start.hello', 'account.ask'),
      say('personal', 'diagnosis.ask'),
      say('new number, and my old phone is broken', 'personal.canSignIn'),
      say('yes', 'personal.steps.open.title'),
      say('done', 'personal.steps.manage.title'),
      say('done'),
      say('done'),
      say('done', 'outcome.ask'),
      say('yep', 'outcome.resolved'),
    ],
  },
  {
    name: "personal, stuck on adding the phone: causes, try again, then Microsoft support",
    turns: [
      reach('personal'),
      press('choices.yes'),
      ...doneSteps(2),
      { act: { press: 'choices.stuck' }, expect: ['step.stuckWhich'], buttons: ['step.stuckMethod.passkey', 'step.stuckMethod.authenticator', 'step.stuckMethod.phone'] },
      { act: { press: 'step.stuckMethod.phone' }, expect: ['step.stuckIntro', 'personal.steps.add.stuckBy.phone', 'step.stuckAsk'], buttons: ['choices.tryAgain', 'choices.getHelp'] },
      press('choices.tryAgain', 'personal.steps.add.title'),
      press('choices.stuck', 'step.stuckWhich'),
      press('step.stuckMethod.authenticator', 'personal.steps.add.stuckBy.authenticator'),
      { act: { press: 'choices.getHelp' }, expect: ['personal.handoff'], absent: ['work.noMethodIntro', 'intake.askAddress'] },
    ],
    check: (c) => {
      expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'escalated', path: 'personal/handoff' })]);
      expect(c.escalations.drafts).toHaveLength(0);
    },
  },
  {
    name: 'personal, no other way in: one question at a time, down to the form and the honest limit',
    turns: [
      reach('personal'),
      { act: { press: 'choices.no' }, expect: ['personal.noMethod.askCode'], absent: ['personal.noMethod.dontHave', 'personal.noMethod.form', 'personal.noMethod.honest'] },
      { act: { press: 'choices.no' }, expect: ['personal.noMethod.askPassword'], absent: ['personal.noMethod.form'] },
      { act: { press: 'choices.no' }, expect: ['personal.noMethod.form', 'personal.noMethod.ask'], absent: ['personal.noMethod.dontHave', 'personal.noMethod.honest'] },
      press('choices.no', 'personal.noMethod.honest'),
    ],
    check: (c) => {
      expect(c.transcript()).not.toContain('admin');
      expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'gave-up', path: 'personal/recovery' })]);
    },
  },
  {
    name: 'personal, did not work after the steps: Microsoft support, never an organisation admin',
    turns: [reach('personal'), press('choices.yes'), ...doneSteps(3), press('choices.done', 'personal.harden', 'outcome.ask'), press('choices.no', 'outcome.personalNotResolved', 'personal.handoff')],
    check: (c) => expect(c.outcomes.records[0]).toMatchObject({ outcome: 'escalated', path: 'personal/handoff' }),
  },
  {
    name: 'work, can sign in another way: Security info steps, SMS retirement said once, resolved',
    turns: [
      reach('work'),
      press('choices.yes', 'work.sms.retiring', 'work.intro', 'work.steps.open.title', 'work.steps.open.text'),
      press('choices.done', 'work.steps.add.title', 'work.steps.add.text'),
      { act: { press: 'choices.done' }, expect: ['work.steps.default.title'], absent: ['work.sms.retiring'] },
      press('choices.done', 'work.steps.remove.title'),
      press('choices.done', 'work.harden', 'outcome.ask'),
      press('choices.yes', 'outcome.resolved'),
    ],
    check: (c) => expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'resolved', path: 'work/self-service' })]),
  },
  {
    name: 'work, steps did not work: offered the helpdesk, declined',
    turns: [reach('work'), press('choices.yes'), ...doneSteps(3), press('choices.done', 'outcome.ask'), press('choices.no', 'work.offerHelpdesk'), press('choices.no', 'work.handoffDeclined')],
    check: (c) => expect(c.outcomes.records[0]).toMatchObject({ outcome: 'gave-up', path: 'work/self-service' }),
  },
  {
    name: 'work, no other way in (web chat): intake with address, bad then good numbers, TAP, sent',
    channels: ['webchat'],
    turns: [
      reach('work'),
      press('choices.no', 'work.noMethodIntro', 'work.onlyAdminNote', 'intake.askAddress'),
      say('not an address', 'intake.badAddress'),
      say('pat@outlook.com', 'intake.consumerAddress'),
      say('pat@contoso.com', 'intake.askOldNumber'),
      say('call me maybe', 'phone.not_a_number'),
      say('skip', 'intake.askNewNumber'),
      say('12', 'phone.too_short'),
      say('+44 20 7946 0958', 'phone.not_mobile'),
      say('+44 (0)7400-123 456', 'work.sms.retiring', 'intake.fixAdvice', 'intake.askFix'),
      { act: { press: 'intake.fix.temporary-access-pass' }, expect: ['intake.summaryTitle', 'intake.confirmAsk'], buttons: ['choices.send', 'choices.change'] },
      press('choices.send', 'intake.recorded', 'intake.recordedNext'),
    ],
    check: (c) => {
      expect(c.escalations.drafts).toEqual([
        expect.objectContaining({
          channelId: 'webchat',
          assurance: 'unverified',
          targetSignInAddress: 'pat@contoso.com',
          newMobileE164: '+447400123456',
          fix: 'temporary-access-pass',
          requesterObjectId: undefined,
          targetObjectId: undefined,
        }),
      ]);
      expect(c.outcomes.records[0]).toMatchObject({ outcome: 'escalated', path: 'work/escalation' });
    },
  },
  {
    name: 'work, no other way in (Teams): the Teams account is the target, nothing asked twice',
    channels: ['msteams'],
    turns: [
      reach('work'),
      { act: { press: 'choices.no' }, expect: ['intake.teamsAccount', 'intake.askOldNumber'], absent: ['intake.askAddress'] },
      say('+34 612 34 56 78', 'intake.askNewNumber'),
      say('+34 612 34 56 78', 'phone.same_as_old'),
      say('0034 622 00 11 22', 'intake.askFix'),
      press('intake.fix.replace-mobile', 'intake.summaryTitle'),
      press('choices.send', 'intake.recorded'),
    ],
    check: (c) => {
      const [draft] = c.escalations.drafts;
      expect(draft).toMatchObject({
        channelId: 'msteams',
        assurance: 'teams-unauthenticated',
        requesterObjectId: '0a0d0e00-0000-4000-8000-000000000001',
        targetObjectId: '0a0d0e00-0000-4000-8000-000000000001',
        oldMobileE164: '+34612345678',
        newMobileE164: '+34622001122',
        fix: 'replace-mobile',
      });
      expect(draft!.targetSignInAddress).toBeUndefined();
    },
  },
  {
    name: 'the summary shows the number masked and "Change something" goes round again',
    channels: ['webchat'],
    turns: [
      reach('work'),
      press('choices.no'),
      say('pat@contoso.com'),
      say('skip'),
      say('+44 7400 123456'),
      press('intake.fix.replace-mobile', 'intake.summaryTitle'),
      press('choices.change', 'intake.again', 'intake.askAddress'),
    ],
    check: (c) => expect(c.escalations.drafts).toHaveLength(0),
  },
  {
    name: '"Not sure" explains the difference and asks again',
    channels: ['webchat'],
    turns: [say('hello', 'account.ask'), press('account.choices.unsure', 'account.notSure', 'account.ask'), press('account.choices.personal', 'diagnosis.ask')],
  },
  {
    name: 'Teams: "not my work account" asks which account instead',
    channels: ['msteams'],
    turns: [say('hi', 'account.teamsConfirm'), press('choices.no', 'account.ask'), say('it is my hotmail', 'diagnosis.ask'), press('diagnosis.choices.old-phone-gone', 'personal.canSignIn')],
  },
  {
    name: 'a typed address decides by its domain, and the bot says so',
    channels: ['webchat'],
    turns: [say('hi', 'account.ask'), say('pat@hotmail.com', 'account.byConsumerDomain', 'diagnosis.ask')],
  },
  {
    name: 'the first message names a work address: no account question at all',
    turns: [{ act: { say: "I changed my phone and can't get codes for pat@contoso.com" }, expect: ['start.problemHeard', 'account.byWorkDomain', 'diagnosis.ask'], absent: ['account.ask', 'account.teamsConfirm'] }],
  },
  {
    name: 'the first message describes the problem',
    channels: ['webchat'],
    turns: [say('got a new phone and no 2FA codes arrive', 'start.problemHeard', 'account.ask')],
  },
  {
    name: 'help at a step explains and shows the same step again',
    turns: [reach('personal'), press('choices.yes'), press('choices.done', 'personal.steps.manage.title'), say('help', 'interrupt.help', 'personal.steps.manage.title')],
  },
  {
    name: 'cancel stops and records gave-up; the next message starts afresh',
    channels: ['webchat'],
    turns: [reach('work'), say('cancel', 'interrupt.cancelled'), say('hi', 'start.hello', 'account.ask')],
    check: (c) => expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'gave-up', path: 'cancelled' })]),
  },
  {
    name: 'start over from the middle of a walkthrough, by typing and by the card button',
    channels: ['webchat'],
    turns: [
      reach('personal'),
      press('choices.yes'),
      press('choices.done'),
      say('start over', 'interrupt.restarting', 'account.ask'),
      press('account.choices.personal', 'diagnosis.ask'),
      press('diagnosis.choices.old-phone-gone', 'personal.canSignIn'),
      press('choices.yes', 'personal.steps.open.title'),
      press('choices.startOver', 'interrupt.restarting', 'account.ask'),
    ],
  },
  {
    name: 'start over in Teams confirms the work account again',
    channels: ['msteams'],
    turns: [reach('work'), press('choices.yes'), press('choices.startOver', 'interrupt.restarting', 'account.teamsConfirm')],
  },
  {
    name: 'too many misses on a phone number ends the intake, pointing to the helpdesk directly',
    channels: ['webchat'],
    turns: [reach('work'), press('choices.no'), say('pat@contoso.com'), say('skip'), say('12'), say('abc'), say('+1 800 555 1234', 'phone.not_mobile', 'intake.tooManyMisses')],
    check: (c) => {
      expect(c.escalations.drafts).toHaveLength(0);
      expect(c.outcomes.records[0]).toMatchObject({ outcome: 'gave-up', path: 'work/escalation' });
    },
  },
  {
    name: 'talk to a person on a personal account: Microsoft support',
    turns: [reach('personal'), press('choices.yes'), say('talk to a person', 'personal.handoff')],
    check: (c) => expect(c.outcomes.records[0]).toMatchObject({ outcome: 'escalated', path: 'personal/handoff' }),
  },
  {
    name: 'talk to a person on a work account: straight to the helpdesk intake',
    channels: ['webchat'],
    turns: [reach('work'), say('I want to talk to a human please', 'intake.askAddress'), say('talk to a person', 'interrupt.humanAlready', 'intake.askAddress')],
  },
  {
    name: 'talk to a person before saying which account: asks, then routes',
    channels: ['webchat'],
    turns: [say('talk to a person', 'interrupt.humanWhichAccount', 'account.ask'), press('account.choices.work', 'intake.askAddress')],
  },
  {
    name: 'unrecognised answers re-ask with the choices, then offer people instead of looping',
    channels: ['webchat'],
    turns: [
      say('hi', 'account.ask'),
      { act: { say: 'banana' }, expect: ['account.retry'], buttons: ['account.choices.personal', 'account.choices.work'] },
      say('qwerty', 'account.retry'),
      say('🙂', 'interrupt.tooManyMisses', 'interrupt.humanBoth'),
    ],
    check: (c) => expect(c.outcomes.records[0]).toMatchObject({ outcome: 'gave-up', path: 'account-kind' }),
  },
  {
    name: 'text in another language is not an answer: re-asked in the conversation language',
    channels: ['webchat'],
    turns: [reach('personal'), say("je ne sais pas, c'est compliqué", 'prompt.retry', 'personal.canSignIn')],
  },
  {
    name: 'forged or stale card values are misses, not answers',
    turns: [
      reach('personal'),
      press('choices.yes', 'personal.steps.open.title'),
      { act: { send: { type: 'message', value: { choice: 'approve' } } }, expect: ['prompt.staleButton', 'personal.steps.open.title'], absent: ['prompt.retry'] },
      { act: { send: { type: 'message', value: { choice: 'constructor' } } }, expect: ['prompt.staleButton'] },
      { act: { send: { type: 'message', value: { choice: 42, verb: 'done' } } }, expect: ['interrupt.tooManyMisses', 'personal.handoff'] },
    ],
  },
  {
    name: 'Spanish: the whole personal path in the activity locale',
    locale: 'es-ES',
    turns: [
      reach('personal'),
      press('choices.yes', 'personal.intro', 'personal.steps.open.title'),
      ...doneSteps(3),
      press('choices.done', 'outcome.ask'),
      say('sí', 'outcome.resolved'),
    ],
    check: (c) => expect(c.transcript()).toContain('alegro'),
  },
  {
    name: 'Spanish: typed answers and the intake with a national number from the locale',
    channels: ['webchat'],
    locale: 'es-ES',
    turns: [
      say('hola', 'account.ask'),
      say('es del trabajo', 'diagnosis.ask'),
      say('número nuevo y ya no tengo el antiguo', 'work.canSignIn'),
      say('no', 'intake.askAddress'),
      say('ana@contoso.es', 'intake.askOldNumber'),
      say('omitir', 'intake.askNewNumber'),
      say('612 34 56 78', 'intake.askFix'),
      press('intake.fix.temporary-access-pass', 'intake.summaryTitle'),
      say('enviar', 'intake.recorded'),
    ],
    check: (c) => expect(c.escalations.drafts[0]).toMatchObject({ newMobileE164: '+34612345678', locale: 'es-ES' }),
  },
];

async function play(c: Conversation, turn: Turn): Promise<void> {
  const act = turn.act;
  if ('reach' in act) {
    await c.say('hi');
    if (c.channel === 'msteams') {
      expect(c.said('account.teamsConfirm')).toBe(true);
      if (act.reach === 'work') {
        await c.press('choices.yes');
      } else {
        await c.press('choices.no');
        await c.press('account.choices.personal');
      }
    } else {
      expect(c.said('account.ask')).toBe(true);
      await c.press(act.reach === 'work' ? 'account.choices.work' : 'account.choices.personal');
    }
    // What broke comes first; "new number, old phone gone" is the one that asks for another way in.
    expect(c.said('diagnosis.ask')).toBe(true);
    await c.press('diagnosis.choices.old-phone-gone');
    expect(c.said(`${act.reach}.canSignIn`)).toBe(true);
    return;
  }
  if ('say' in act) await c.say(act.say);
  else if ('press' in act) await c.press(act.press);
  else await c.send(act.send);
  for (const key of turn.expect ?? []) {
    if (!c.said(key)) throw new Error(`Expected "${key}" after ${JSON.stringify(act)}; got:\n${c.transcript()}`);
  }
  for (const key of turn.absent ?? []) {
    if (c.said(key)) throw new Error(`Did not expect "${key}" after ${JSON.stringify(act)}; got:\n${c.transcript()}`);
  }
  const titles = c.buttons().map((b) => b.title);
  for (const key of turn.buttons ?? []) expect(titles).toContain(c.t(key));
}

describe.each(CHANNELS)('conversation in %s', (channel) => {
  const mine = cases.filter((k) => !k.channels || k.channels.includes(channel));
  test.each(mine.map((k) => [k.name, k] as const))('%s', async (_name, k) => {
    const c = new Conversation(channel, k.locale ?? 'en-GB');
    for (const turn of k.turns) await play(c, turn);
    k.check?.(c);
    // Whatever happened, no full phone number reached the logs.
    expect(c.log.text()).not.toMatch(/\d{7,}/);
  });
});

test('escalation failure: the person is told plainly, nothing is claimed', async () => {
  const c = new Conversation('webchat');
  c.escalations.failWith = new Error('store down');
  for (const turn of [reach('work'), press('choices.no'), say('pat@contoso.com'), say('skip'), say('+44 7400 123456'), press('intake.fix.replace-mobile')]) await play(c, turn);
  await c.press('choices.send');
  expect(c.said('intake.failed')).toBe(true);
  expect(c.said('intake.recorded')).toBe(false);
  expect(c.outcomes.records[0]).toMatchObject({ outcome: 'gave-up', path: 'work/escalation/failed' });
});

test('the summary card shows the person their own new number in full (it is theirs), never in the logs', async () => {
  const c = new Conversation('webchat');
  for (const turn of [reach('work'), press('choices.no'), say('pat@contoso.com'), say('+44 7400 111222'), say('+44 7400 123456')]) await play(c, turn);
  await c.press('intake.fix.replace-mobile');
  expect(c.transcript()).toContain('+44 7400 123456');
  // The old number stays masked: the summary is for checking the new one.
  expect(c.transcript()).toContain('+44 ••••••••22');
  expect(c.log.text()).not.toContain('7400123456');
});
