/**
 * The table runner for truth.test.ts and endings.test.ts: each case is a list of turns (what the
 * person does, which catalog messages must or must not answer) played in Teams and Web Chat, in
 * English and Spanish, with the clock and the operator's settings the case names. Every turn is
 * also held to the conversation's limits: at most 3 messages, and no message other than a step
 * card longer than about 60 words.
 */
import { LANGUAGES } from '../../locales';
import type { Activity } from 'botbuilder';
import type { PhoneSignInSetting } from '../../src/core/phoneSignIn';
import { Conversation, type Channel } from './harness';

export type Act = { say: string } | { press: string } | { send: Partial<Activity> } | { reach: 'personal' | 'work' };
export interface Turn {
  act: Act;
  expect?: string[];
  absent?: string[];
  buttons?: string[];
  noButtons?: string[];
}
export interface Setting {
  now?: Date;
  phoneSignIn?: PhoneSignInSetting;
  entraAccountRecovery?: boolean;
}
export interface Case extends Setting {
  name: string;
  channels?: Channel[];
  turns: Turn[];
  check?: (c: Conversation) => void | Promise<void>;
  before?: (c: Conversation) => void;
}

export const say = (text: string, ...expect: string[]): Turn => ({ act: { say: text }, expect });
export const press = (key: string, ...expect: string[]): Turn => ({ act: { press: key }, expect });
export const reach = (kind: 'personal' | 'work'): Turn => ({ act: { reach: kind } });
export const doneSteps = (n: number): Turn[] => Array.from({ length: n }, () => press('choices.done', 'step.progress'));

export const CHANNELS: Channel[] = ['msteams', 'webchat'];
/** One activity locale per language of locales/index.ts. */
export const LOCALES = LANGUAGES.map((l) => l.intl);

const MAX_MESSAGES = 3;
const MAX_WORDS = 60;

export async function play(c: Conversation, turn: Turn): Promise<void> {
  const act = turn.act;
  if ('reach' in act) {
    await checked(c, () => c.say('hi'));
    if (c.channel === 'msteams') {
      if (act.reach === 'work') await checked(c, () => c.press('choices.yes'));
      else {
        await checked(c, () => c.press('choices.no'));
        await checked(c, () => c.press('account.choices.personal'));
      }
    } else {
      await checked(c, () => c.press(act.reach === 'work' ? 'account.choices.work' : 'account.choices.personal'));
    }
    // What changed: a new number and the old phone gone, the case that asks for another way in.
    await checked(c, () => c.press('diagnosis.choices.old-phone-gone'));
    return;
  }
  if ('say' in act) await checked(c, () => c.say(act.say));
  else if ('press' in act) await checked(c, () => c.press(act.press));
  else await checked(c, () => c.send(act.send));
  for (const key of turn.expect ?? []) {
    if (!c.said(key)) throw new Error(`Expected "${key}" after ${JSON.stringify(act)} (${c.lang}); got:\n${c.transcript()}`);
  }
  for (const key of turn.absent ?? []) {
    if (c.said(key)) throw new Error(`Did not expect "${key}" after ${JSON.stringify(act)} (${c.lang}); got:\n${c.transcript()}`);
  }
  const titles = c.buttons().map((b) => b.title);
  for (const key of turn.buttons ?? []) expect(titles).toContain(c.t(key));
  for (const key of turn.noButtons ?? []) expect(titles).not.toContain(c.t(key));
}

async function checked(c: Conversation, turn: () => Promise<Partial<Activity>[]>): Promise<void> {
  const replies = await turn();
  expect(replies.length).toBeLessThanOrEqual(MAX_MESSAGES);
  for (const reply of replies) {
    if (reply.attachments?.some((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')) continue; // a step card
    const text = [reply.text ?? '', ...(reply.attachments ?? []).map((a) => String((a.content as { text?: string }).text ?? ''))].join(' ');
    const words = text.split(/\s+/).filter(Boolean).length;
    if (words > MAX_WORDS) throw new Error(`A message of ${words} words (${c.lang}):\n${text}`);
  }
}

/** Runs every case in both channels and both languages. */
export function runTable(title: string, cases: Case[]): void {
  describe.each(CHANNELS)(`${title} in %s`, (channel) => {
    describe.each(LOCALES)('%s', (locale) => {
      const mine = cases.filter((k) => !k.channels || k.channels.includes(channel));
      test.each(mine.map((k) => [k.name, k] as const))('%s', async (_name, k) => {
        const c = new Conversation(channel, locale, { now: k.now, phoneSignIn: k.phoneSignIn, entraAccountRecovery: k.entraAccountRecovery });
        k.before?.(c);
        for (const turn of k.turns) await play(c, turn);
        await k.check?.(c);
        expect(c.log.text()).not.toMatch(/\d{7,}/);
      });
    });
  });
}
