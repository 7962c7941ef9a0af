/**
 * "What changed?" comes before any advice, and each answer gets its own shortest safe fix
 * (support-content.md, "A new phone is several different problems"). Every case and branch is a
 * row, run in Teams and Web Chat, in English and Spanish; the rows that depend on the SMS/voice
 * retirement run with the clock frozen on both sides of 1 Feb 2027 and 1 Jul 2027.
 */
import { LANGUAGES } from '../../locales';
import { wordCount } from './explorer';
import type { Activity } from 'botbuilder';
import en from '../../locales/en.json';
import es from '../../locales/es.json';
import type { PhoneSignInSetting } from '../../src/core/phoneSignIn';
import { PROBLEM_CASES, type ProblemCase } from '../../src/core/ports';
import { recognizeProblem } from '../../src/core/recognizers';
import { AFTER_ADMIN_RETIREMENT, AFTER_RETIREMENT, BEFORE_RETIREMENT, Conversation, type Channel } from './harness';

type Kind = 'personal' | 'work';
type Act = { say: string } | { press: string } | { problem: ProblemCase };
interface Turn {
  act: Act;
  expect?: string[];
  absent?: string[];
  /** The turn hands over to the recovery or no-method branch, whose own tables check its limits. */
  handsOver?: boolean;
}
interface Row {
  name: string;
  kind: Kind;
  turns: Turn[];
  channels?: Channel[];
  now?: Date;
  phoneSignIn?: PhoneSignInSetting;
  check?: (c: Conversation) => void;
}

const problem = (p: ProblemCase, ...expect: string[]): Turn => ({ act: { problem: p }, expect });
const press = (key: string, ...expect: string[]): Turn => ({ act: { press: key }, expect });
const say = (text: string, ...expect: string[]): Turn => ({ act: { say: text }, expect });
const not = (turn: Turn, ...absent: string[]): Turn => ({ ...turn, absent });
const done = (...expect: string[]): Turn => press('choices.done', ...expect);
const handsOver = (turn: Turn): Turn => ({ ...turn, handsOver: true });
const recorded = (p: ProblemCase) => (c: Conversation) => expect(c.outcomes.records.map((r) => r.problem)).toEqual([p]);

const rows: Row[] = [
  // ---- personal -----------------------------------------------------------------------------
  {
    name: 'personal, same number: sign in with a text, then Authenticator on the new phone; nothing removed',
    kind: 'personal',
    turns: [
      not(problem('same-number', 'diagnosis.sameNumber', 'diagnosis.steps.personalSignInWithText.title'), 'personal.canSignIn', 'personal.steps.remove.title'),
      done('personal.steps.manage.title'),
      done('diagnosis.steps.personalAddApp.title'),
      done('outcome.ask'),
      press('choices.yes', 'outcome.resolved'),
    ],
    check: (c) => {
      expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'resolved', path: 'personal/self-service', problem: 'same-number' })]);
    },
  },
  {
    name: 'personal, new number with the old phone in hand: keep it, add the new number, then remove the old',
    kind: 'personal',
    turns: [
      not(problem('new-number-old-phone', 'diagnosis.keepOldPhone', 'personal.intro', 'personal.steps.open.title'), 'personal.canSignIn'),
      done('personal.steps.manage.title'),
      done('personal.steps.add.title'),
      done('personal.steps.remove.title'),
      done('outcome.ask'),
      press('choices.yes', 'outcome.resolved'),
    ],
    check: recorded('new-number-old-phone'),
  },
  {
    name: 'personal, old phone gone, another way in: add the new phone, remove the old',
    kind: 'personal',
    turns: [problem('old-phone-gone', 'personal.canSignIn'), press('choices.yes', 'personal.steps.open.title')],
  },
  {
    name: 'personal, old phone gone, no other way in: the recovery branch, never the helpdesk',
    kind: 'personal',
    turns: [problem('old-phone-gone', 'personal.canSignIn'), handsOver(not(press('choices.no'), 'personal.steps.open.title', 'intake.askAddress', 'work.noMethodIntro'))],
  },
  {
    name: 'personal, Authenticator restored: personal accounts come back; otherwise set the app up again',
    kind: 'personal',
    turns: [
      problem('authenticator-restored', 'diagnosis.personalAuthenticator', 'personal.canSignIn'),
      not(press('choices.yes', 'personal.steps.open.title'), 'personal.intro'),
      done('personal.steps.manage.title'),
      not(done('diagnosis.steps.personalAddApp.title'), 'personal.steps.remove.title'),
    ],
  },
  {
    name: 'personal, lost or stolen: call the carrier, hacked-account help, then another way in',
    kind: 'personal',
    turns: [
      not(problem('lost-or-stolen', 'diagnosis.lostStolen', 'diagnosis.lostStolenPersonal', 'personal.canSignIn'), 'diagnosis.lostStolenWork', 'diagnosis.offerHelpdeskNow'),
      press('choices.yes', 'personal.steps.open.title'),
    ],
  },
  {
    name: 'personal, the diagnosis not understood three times: Microsoft support, not a loop',
    kind: 'personal',
    channels: ['webchat'],
    turns: [say('banana', 'diagnosis.retry'), say('qwerty', 'diagnosis.retry'), say('🙂', 'interrupt.tooManyMisses', 'personal.handoff')],
    check: (c) => expect(c.outcomes.records[0]).toMatchObject({ outcome: 'escalated', path: 'personal/handoff' }),
  },

  // ---- work or school -------------------------------------------------------------------------
  ...[BEFORE_RETIREMENT].map((now): Row => ({
    name: 'work, same number, before 1 Feb 2027: text code, delete the old Authenticator entry, scan a new QR code',
    kind: 'work',
    now,
    turns: [
      not(problem('same-number', 'diagnosis.sameNumber', 'work.sms.retiring', 'diagnosis.steps.workSignInWithText.title'), 'work.canSignIn'),
      done('diagnosis.steps.workDeleteApp.title'),
      done('diagnosis.steps.workAddApp.title'),
      done('outcome.ask'),
      press('choices.yes', 'outcome.resolved'),
    ],
    check: (c) => expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'resolved', path: 'work/self-service', problem: 'same-number' })]),
  })),
  ...[AFTER_RETIREMENT, AFTER_ADMIN_RETIREMENT].map((now): Row => ({
    name: `work, same number, after the retirement (${now.toISOString().slice(0, 10)}): no text codes promised, another way in first`,
    kind: 'work',
    now,
    turns: [
      not(problem('same-number', 'work.canSignIn'), 'diagnosis.sameNumber', 'diagnosis.steps.workSignInWithText.title'),
      press('choices.yes', 'work.steps.open.title'),
      done('diagnosis.steps.workDeleteApp.title'),
      done('diagnosis.steps.workAddApp.title'),
    ],
  })),
  {
    name: 'work, same number, after 1 Feb 2027 with the organisation\'s own phone provider: the text code still works',
    kind: 'work',
    now: AFTER_RETIREMENT,
    phoneSignIn: 'own-provider',
    turns: [not(problem('same-number', 'diagnosis.sameNumber', 'diagnosis.steps.workSignInWithText.title'), 'work.canSignIn')],
  },
  {
    name: 'work, same number with phone sign-in off: another way in first',
    kind: 'work',
    phoneSignIn: 'off',
    turns: [not(problem('same-number', 'work.canSignIn'), 'diagnosis.sameNumber')],
  },
  {
    name: 'work, new number with the old phone in hand: keep it, add the new method, default, delete the old',
    kind: 'work',
    turns: [
      not(problem('new-number-old-phone', 'work.intro', 'diagnosis.keepOldPhone', 'work.steps.open.title'), 'work.canSignIn'),
      done('work.steps.add.title'),
      done('work.steps.default.title'),
      done('work.steps.remove.title'),
      done('outcome.ask'),
    ],
  },
  {
    name: 'work, old phone gone, another way in: the Security info steps',
    kind: 'work',
    turns: [problem('old-phone-gone', 'work.canSignIn'), press('choices.yes', 'work.steps.open.title')],
  },
  {
    name: 'work, old phone gone, no other way in (web chat): the helpdesk intake',
    kind: 'work',
    channels: ['webchat'],
    turns: [problem('old-phone-gone', 'work.canSignIn'), handsOver(not(press('choices.no', 'intake.askAddress'), 'work.steps.open.title'))],
  },
  {
    name: 'work, old phone gone, no other way in (Teams): the helpdesk intake for the Teams account',
    kind: 'work',
    channels: ['msteams'],
    turns: [problem('old-phone-gone', 'work.canSignIn'), handsOver(not(press('choices.no', 'intake.teamsAccount'), 'work.steps.open.title'))],
  },
  {
    name: 'work, Authenticator restored: work accounts are not in the backup, so re-add it',
    kind: 'work',
    turns: [
      problem('authenticator-restored', 'diagnosis.workAuthenticator', 'work.canSignIn'),
      not(press('choices.yes', 'work.sms.retiring', 'work.steps.open.title'), 'work.intro'),
      done('diagnosis.steps.workDeleteApp.title'),
      done('diagnosis.steps.workAddApp.title'),
      done('outcome.ask'),
    ],
  },
  {
    name: 'work, lost or stolen: call the carrier, the helpdesk offered at once; yes → the intake',
    kind: 'work',
    turns: [
      not(problem('lost-or-stolen', 'diagnosis.lostStolen', 'diagnosis.lostStolenWork', 'diagnosis.offerHelpdeskNow'), 'diagnosis.lostStolenPersonal', 'work.canSignIn'),
      press('choices.yes'),
    ],
    check: (c) => expect(c.said('intake.askAddress') || c.said('intake.teamsAccount')).toBe(true),
  },
  {
    name: 'work, lost or stolen, helpdesk declined for now: can they sign in another way?',
    kind: 'work',
    turns: [problem('lost-or-stolen', 'diagnosis.offerHelpdeskNow'), press('choices.no', 'work.canSignIn'), press('choices.yes', 'work.steps.open.title')],
  },
];

const LOCALES = LANGUAGES.map((l) => l.intl);
const CHANNELS: Channel[] = ['msteams', 'webchat'];

/** The diagnosis's own turns send at most 3 messages. */
function checkLimits(replies: Partial<Activity>[]): void {
  expect(replies.length).toBeLessThanOrEqual(3);
}


/** Every diagnosis message (the step cards aside) is at most about 60 words, in both languages; the question with its hint too. */
test.each(LANGUAGES.map((l) => [l.tag, l.catalog as typeof en] as const))('%s: diagnosis messages are short', (_lang, catalog) => {
  const { steps: _steps, words: _words, useWords: _useWords, ...messages } = catalog.diagnosis;
  const texts = Object.values(messages).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)));
  for (const text of texts) expect(wordCount(text)).toBeLessThanOrEqual(60);
  expect(wordCount(`${catalog.diagnosis.ask} ${catalog.diagnosis.askHint}`)).toBeLessThanOrEqual(60);
});

async function reach(c: Conversation, kind: Kind): Promise<void> {
  await c.say('hi');
  if (c.channel === 'msteams') {
    await c.press(kind === 'work' ? 'choices.yes' : 'choices.no');
    if (kind === 'personal') await c.press('account.choices.personal');
  } else {
    await c.press(kind === 'work' ? 'account.choices.work' : 'account.choices.personal');
  }
  if (!c.said('diagnosis.ask')) throw new Error(`No diagnosis question after the account; got:\n${c.transcript()}`);
  // The buttons are the five cases, in the catalog's order.
  expect(c.buttons().map((b) => b.title)).toEqual(PROBLEM_CASES.map((p) => c.t(`diagnosis.choices.${p}`)));
}

describe.each(LOCALES)('%s', (locale) => {
  describe.each(CHANNELS)('%s', (channel) => {
    const mine = rows.filter((r) => !r.channels || r.channels.includes(channel));
    test.each(mine.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
      const c = new Conversation(channel, locale, { now: row.now, phoneSignIn: row.phoneSignIn });
      await reach(c, row.kind);
      for (const turn of row.turns) {
        const act = turn.act;
        const replies = 'problem' in act ? await c.press(`diagnosis.choices.${act.problem}`) : 'press' in act ? await c.press(act.press) : await c.say(act.say);
        if (!turn.handsOver) checkLimits(replies);
        for (const key of turn.expect ?? []) {
          if (!c.said(key)) throw new Error(`Expected "${key}" after ${JSON.stringify(act)}; got:\n${c.transcript()}`);
        }
        for (const key of turn.absent ?? []) {
          if (c.said(key)) throw new Error(`Did not expect "${key}" after ${JSON.stringify(act)}; got:\n${c.transcript()}`);
        }
      }
      row.check?.(c);
    });
  });
});

describe('typed answers to "What changed?"', () => {
  const typed: Record<'en' | 'es', [string, ProblemCase][]> = {
    en: [
      ['new phone, same number', 'same-number'],
      ['I just moved my SIM to a new phone', 'same-number'],
      ['new number but I still have the old phone', 'new-number-old-phone'],
      ['I changed my number', 'new-number-old-phone'],
      ["new number and I don't have the old phone any more", 'old-phone-gone'],
      ['the old one is broken', 'old-phone-gone'],
      ['Authenticator says action required', 'authenticator-restored'],
      ['restored my new phone from a backup and it wants a QR code', 'authenticator-restored'],
      ['my phone was stolen', 'lost-or-stolen'],
      ['new phone because I lost the old one', 'lost-or-stolen'],
    ],
    es: [
      ['móvil nuevo, mismo número', 'same-number'],
      ['pasé la SIM a otro teléfono', 'same-number'],
      ['número nuevo, todavía tengo el antiguo', 'new-number-old-phone'],
      ['cambié de número', 'new-number-old-phone'],
      ['número nuevo y ya no tengo el antiguo', 'old-phone-gone'],
      ['se rompió el antiguo', 'old-phone-gone'],
      ['Authenticator me pide un código QR', 'authenticator-restored'],
      ['lo restauré desde una copia de seguridad', 'authenticator-restored'],
      ['me lo robaron', 'lost-or-stolen'],
      ['lo he perdido', 'lost-or-stolen'],
    ],
  };
  const catalogs = { en, es };
  test.each([...typed.en.map((t) => ['en', ...t] as const), ...typed.es.map((t) => ['es', ...t] as const)])('%s: "%s" → %s', (lang, text, expected) => {
    expect(recognizeProblem(text, catalogs[lang].diagnosis.words)).toBe(expected);
  });

  test.each([['en-GB', 'my phone got stolen'], ['es-ES', 'me han robado el móvil']])('%s: typed in the conversation, "%s" is the lost-or-stolen case', async (locale, text) => {
    const c = new Conversation('webchat', locale);
    await reach(c, 'work');
    await c.say(text);
    expect(c.said('diagnosis.lostStolen')).toBe(true);
    expect(c.said('diagnosis.offerHelpdeskNow')).toBe(true);
  });

  test('an unrelated answer is not a case', () => {
    expect(recognizeProblem('banana', en.diagnosis.words)).toBeUndefined();
    expect(recognizeProblem('', es.diagnosis.words)).toBeUndefined();
  });
});

test('the case goes with the outcome statistics, also through the helpdesk intake', async () => {
  const c = new Conversation('webchat', 'en-GB');
  await reach(c, 'work');
  await c.press('diagnosis.choices.lost-or-stolen');
  await c.press('choices.yes');
  for (const text of ['pat@contoso.com', 'skip', '+44 7400 123456']) await c.say(text);
  await c.press('intake.fix.temporary-access-pass');
  await c.press('choices.send');
  expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'escalated', path: 'work/escalation', problem: 'lost-or-stolen' })]);
});

test('start over forgets the case: a cancelled second round records none', async () => {
  const c = new Conversation('webchat', 'en-GB');
  await reach(c, 'personal');
  await c.press('diagnosis.choices.same-number');
  await c.say('start over');
  await c.say('cancel');
  expect(c.outcomes.records).toEqual([expect.objectContaining({ outcome: 'gave-up', path: 'cancelled' })]);
  expect(c.outcomes.records[0]!.problem).toBeUndefined();
});
