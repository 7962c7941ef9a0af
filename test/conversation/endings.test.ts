/**
 * Clean endings (issue 11): after a request is sent, "thanks", a second "Send it" or an old
 * card's button is answered under the reference instead of restarting the flow; a button from an
 * earlier question says it is no longer active; the open-request refusal prints its reference
 * only when it is the person's own, never as "****"; and the intake summary shows the person their
 * own new number in full. Each row runs in Teams and Web Chat, in English and Spanish.
 */
import { EscalationRefused } from '../../src/core/ports';
import { press, reach, runTable, say, type Case, type Turn } from './truthTable';

/** Through the intake to the summary card, in either channel (Teams skips the address). */
const toSummary: Turn[] = [
  reach('work'),
  press('choices.no'),
  say('+44 7400 111222'), // Teams: the old number. Web Chat: not an address, re-asked.
  say('pat@contoso.com'),
  say('+44 7400 111222'),
  say('+44 7400 123456'),
  press('intake.fix.temporary-access-pass', 'intake.summaryTitle'),
];

const NOT_RESTARTED = ['start.hello', 'account.ask', 'account.teamsConfirm', 'account.hint'];

const cases: Case[] = [
  {
    name: 'after a request is sent, "thanks" is answered under the reference, not a new flow',
    turns: [
      ...toSummary,
      press('choices.send', 'intake.recorded'),
      { act: { sayWord: 'ended.words.thanks' }, expect: [], absent: NOT_RESTARTED },
    ],
    check: (c) => {
      expect(c.transcript()).toMatch(/HD-TEST-0001/);
      expect(c.escalations.drafts).toHaveLength(1);
    },
  },
  {
    name: 'after a request is sent, a second "Send it" is no longer active and sends nothing',
    turns: [...toSummary, press('choices.send', 'intake.recorded')],
    check: async (c) => {
      // The summary card's own button, pressed again (Teams keeps the card; Web Chat types the title).
      const again = c.channel === 'msteams' ? { type: 'message', value: { choice: 'send' } } : { type: 'message', text: c.t('choices.send') };
      await c.send(again);
      expect(c.said('ended.staleButtonRequest')).toBe(true);
      expect(c.transcript()).toContain('HD-TEST-0001');
      for (const key of NOT_RESTARTED) expect(c.said(key)).toBe(false);
      expect(c.escalations.drafts).toHaveLength(1);
      await c.say('hi');
      expect(c.said('start.hello')).toBe(true);
    },
  },
  {
    name: 'an old card button after the conversation ended says it is no longer active',
    turns: [
      reach('personal'),
      press('choices.no'),
      press('choices.yes'),
      press('choices.yes', 'personal.noMethod.wayForward'),
      { act: { send: { type: 'message', value: { choice: 'done' } } }, expect: ['ended.staleButton'], absent: NOT_RESTARTED },
      { act: { sayWord: 'ended.words.thanks' }, expect: ['ended.thanks'], absent: NOT_RESTARTED },
    ],
  },
  {
    name: 'a button from an earlier question, mid-conversation, says it is no longer active and asks again',
    turns: [
      reach('personal'),
      press('choices.no', 'personal.noMethod.askCode'),
      { act: { send: { type: 'message', value: { choice: 'send' } } }, expect: ['prompt.staleButton', 'personal.noMethod.askCode'], absent: ['prompt.retry'] },
      press('choices.no', 'personal.noMethod.askPassword'),
    ],
  },
  {
    name: '"No" to "a way forward?" points to Microsoft support, not "just say hi"',
    turns: [reach('personal'), press('choices.no'), press('choices.no'), press('choices.no', 'personal.noMethod.form'), press('choices.no', 'personal.noMethod.honest')],
    check: (c) => expect(c.transcript()).toContain('https://support.microsoft.com'),
  },
  {
    name: 'an open request that is not the person\'s own: no reference, no asterisks',
    before: (c) => {
      c.escalations.failWith = new EscalationRefused('open-request-for-target');
    },
    turns: [...toSummary, press('choices.send', 'intake.limit.open-request-for-target')],
    check: (c) => expect(c.transcript()).not.toContain('****'),
  },
  {
    name: 'an open request of the person\'s own: its reference, in bold, no empty asterisks',
    before: (c) => {
      c.escalations.failWith = new EscalationRefused('open-request-for-target', 'HD-7K3M-Q9XD');
    },
    turns: [...toSummary, press('choices.send', 'intake.limit.openOwn')],
    check: (c) => {
      expect(c.transcript()).toContain('**HD-7K3M-Q9XD**');
      expect(c.transcript()).not.toContain('****');
    },
  },
  {
    name: 'the summary shows the person their own new number in full',
    turns: toSummary,
    check: (c) => {
      expect(c.transcript()).toContain('+44 7400 123456');
      expect(c.transcript()).toContain('+44 ••••••••22');
    },
  },
];

runTable('endings', cases);
