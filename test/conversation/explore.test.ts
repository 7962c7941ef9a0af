/**
 * Every path of the conversation, walked by the explorer (explorer.ts) in Teams and Web Chat,
 * English and Spanish, with the clock on both sides of 1 Feb 2027 and 1 Jul 2027: no turn sends
 * more than 3 messages, no message but a step card is longer than 60 words, and Spanish takes
 * exactly the steps English takes. Paths other parts add are walked without changing this file.
 */
import { FakeDirectory, summary } from '../fakes/directory';
import type { Channel } from './harness';
import { AFTER_ADMIN_RETIREMENT, AFTER_RETIREMENT, BEFORE_RETIREMENT } from './harness';
import { LANGUAGES } from '../../locales';
import { explore, keysOf, TEXT_ANSWERS, readableText, RecordedConversation, wordCount, type ExploredPath, type ExploreOptions, type Input } from './explorer';

/** The harness's Teams user (its default aadObjectId). */
const TEAMS_USER = '0a0d0e00-0000-4000-8000-000000000001';

const MAX_MESSAGES = 3;
const MAX_WORDS = 60;


interface Setup {
  name: string;
  conversation: NonNullable<ExploreOptions['conversation']>;
}

/** Every path on every date; the operator's settings where they change what is said. */
const SETUPS: Setup[] = [
  { name: 'before 1 Feb 2027', conversation: { now: BEFORE_RETIREMENT } },
  { name: 'after 1 Feb 2027', conversation: { now: AFTER_RETIREMENT } },
  { name: 'after 1 Jul 2027', conversation: { now: AFTER_ADMIN_RETIREMENT } },
  { name: 'after 1 Feb 2027, PHONE_SIGN_IN=off, ENTRA_ACCOUNT_RECOVERY=true', conversation: { now: AFTER_RETIREMENT, phoneSignIn: 'off', entraAccountRecovery: true } },
  { name: 'after 1 Feb 2027, PHONE_SIGN_IN=own-provider', conversation: { now: AFTER_RETIREMENT, phoneSignIn: 'own-provider' } },
  // In Teams the directory's view of the account picks branches (web chat never looks it up).
  { name: 'before 1 Feb 2027, the directory shows only a phone', conversation: { now: BEFORE_RETIREMENT, directory: directoryWith([]) } },
  { name: 'after 1 Feb 2027, the directory shows only a phone', conversation: { now: AFTER_RETIREMENT, directory: directoryWith([]) } },
  { name: 'after 1 Feb 2027, the directory shows Authenticator and a phone', conversation: { now: AFTER_RETIREMENT, directory: directoryWith(['microsoftAuthenticator']) } },
];

/** The Teams user's registered methods: an old mobile (not a number the walk types) and `other`. */
function directoryWith(other: Parameters<typeof summary>[2]): FakeDirectory {
  const oldMobile = { type: 'mobile' as const, e164: '+447400999888', masked: '+44 ••••••••88' };
  return new FakeDirectory().withMethods(summary(TEAMS_USER, [oldMobile], other));
}

const CHANNELS: Channel[] = ['msteams', 'webchat'];
/** One activity locale per language of locales/index.ts, English first. */
const LOCALES = LANGUAGES.map((l) => l.intl);

/** The language-free shape of a path: each turn's answer, where the dialogs wait, what was said. */
const steps = (p: ExploredPath) => p.turns.map((t) => `${t.input} -> [${t.stack}] ${t.keys.join(' ')}`);

interface Offence {
  rule: 'messages' | 'words';
  key: string;
  detail: string;
}

function offences(paths: ExploredPath[], locale: string): Offence[] {
  const found: Offence[] = [];
  for (const path of paths) {
    const where = `${locale} ${path.inputs.join(' ')}`;
    path.turns.forEach((turn, i) => {
      if (turn.messages.length > MAX_MESSAGES) {
        const key = turn.messages.flatMap((m) => keysOf(m, turn))[0] ?? turn.keys[0] ?? '?';
        found.push({ rule: 'messages', key, detail: `${where} (turn ${i}): ${turn.messages.length} messages` });
      }
      for (const message of turn.messages) {
        const words = wordCount(readableText(message));
        if (words > MAX_WORDS) {
          const key = keysOf(message, turn).join('+') || '?';
          found.push({ rule: 'words', key, detail: `${where} (turn ${i}): ${words} words` });
        }
      }
    });
  }
  return found;
}

describe.each(CHANNELS)('every path in %s', (channel) => {
  describe.each(SETUPS.map((s) => [s.name, s] as const))('%s', (_name, setup) => {
    const walks: Partial<Record<string, ExploredPath[]>> = {};
    beforeAll(async () => {
      for (const locale of LOCALES) walks[locale] = await explore({ channel, locale, conversation: setup.conversation });
    });

    test('the walk reaches the ends of the conversation: every prompt answered, nothing cut short', () => {
      for (const locale of LOCALES) {
        const paths = walks[locale]!;
        expect(paths.length).toBeGreaterThan(10);
        expect(paths.filter((p) => p.truncated).map((p) => p.inputs.join(' '))).toEqual([]);
        expect(paths.flatMap((p) => p.inputs).filter((i) => i.startsWith('text:unknown-prompt'))).toEqual([]);
        expect(paths.some((p) => p.turns.at(-1)!.keys.includes('outcome.resolved'))).toBe(true);
        // Every answer on offer has a button the person can press.
        const unpressable = paths.flatMap((p) => p.turns.filter((t) => t.input.startsWith('choice:') && !t.pressed).map((t) => `${p.inputs.join(' ')}: ${t.input}`));
        expect(unpressable).toEqual([]);
      }
    });

    test(`no turn sends more than ${MAX_MESSAGES} messages, no message but a step card is over ${MAX_WORDS} words`, () => {
      const all = LOCALES.flatMap((locale) => offences(walks[locale]!, locale));
      // One line per offending key, with the first path that shows it.
      const byKey = new Map(all.map((o) => [`${o.rule} ${o.key}`, o.detail] as const));
      if (byKey.size > 0) console.log(`Offenders (${channel}, ${setup.name}):\n${[...byKey].map(([k, d]) => `  ${k}: ${d}`).join('\n')}`);
      expect([...byKey.keys()]).toEqual([]);
    });

    test.each(LOCALES.slice(1))('%s takes exactly the steps English takes, on every path', (locale) => {
      const en = walks['en-GB']!.map(steps);
      const other = walks[locale]!.map(steps);
      expect(other.map((s) => s.join('\n'))).toEqual(en.map((s) => s.join('\n')));
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Typed answers: every word listed for a button selects that button, in both languages.

/** Choices whose typed words are commands handled before any prompt (start over at a step). */
const COMMANDS = new Set(['startOver']);

describe.each(LOCALES)('typed words in %s', (locale) => {
  test('every synonym of every choice on every path selects that choice, as pressing it does', async () => {
    const paths = await explore({ channel: 'webchat', locale });
    // The shortest way to each distinct prompt on the walk.
    const ways = new Map<string, Input[]>();
    for (const path of paths) {
      const inputs = path.inputs.map(toInput);
      for (let i = 0; i <= inputs.length; i += 1) {
        const at = path.turns[i]!.stack;
        if (at && !ways.has(at)) ways.set(at, inputs.slice(0, i));
      }
    }
    const misses: string[] = [];
    for (const [at, way] of ways) {
      const there = await replay(locale, way);
      for (const choice of there.prompt?.choices ?? []) {
        if (COMMANDS.has(choice.value)) continue;
        const pressed = there.fork();
        const expected = await pressed.play({ choice: choice.value });
        for (const word of choice.synonyms ?? []) {
          const got = await there.fork().play({ text: word, label: word });
          if (got.stack !== expected.stack || got.keys.join() !== expected.keys.join()) misses.push(`[${at}] "${word}" should be ${choice.value}, did: ${got.keys.join(' ')}`);
        }
      }
    }
    expect(ways.size).toBeGreaterThan(8);
    expect(misses).toEqual([]);
  }, 60_000);
});

function toInput(label: string): Input {
  if (label.startsWith('choice:')) return { choice: label.slice('choice:'.length) };
  const id = label.replace(/^text:(valid|invalid)-/, '');
  const fixed = TEXT_ANSWERS[id]!;
  return { text: label.startsWith('text:valid-') ? fixed.valid : fixed.invalid, label: label.slice('text:'.length) };
}

async function replay(locale: string, inputs: Input[], channel: Channel = 'webchat'): Promise<RecordedConversation> {
  const run = new RecordedConversation({ channel, locale });
  await run.play({ greeting: 'hi' });
  for (const input of inputs) await run.play(input);
  return run;
}

// ---------------------------------------------------------------------------------------------
// Regression rows for the parity differences the walk found.

describe.each(['msteams', 'webchat'] as const)('parity regressions in %s', (channel) => {
  /**
   * The shortest walked way to "I'm stuck" on a work step, found by the explorer so that questions
   * added before it (the diagnosis) do not break these rows.
   */
  let wayToStuck: Input[] = [];
  beforeAll(async () => {
    const paths = await explore({ channel, locale: 'en-GB' });
    const isStuck = (stack: string) => stack.includes('work.selfService') && stack.endsWith('guidedSteps.stuck');
    const path = paths.find((p) => p.turns.some((t) => isStuck(t.stack)))!;
    wayToStuck = path.inputs.slice(0, path.turns.findIndex((t) => isStuck(t.stack))).map(toInput);
  });

  async function stuckOnAWorkStep(locale: string): Promise<RecordedConversation> {
    const run = await replay(locale, wayToStuck, channel);
    expect(run.turns.at(-1)!.keys).toContain('step.stuckAsk');
    return run;
  }

  test.each(LOCALES)('%s: "Get help from a person" asks before sending anything to the helpdesk', async (locale) => {
    const run = await stuckOnAWorkStep(locale);
    const turn = await run.play({ choice: 'getHelp' });
    expect(turn.pressed).toBe(true);
    expect(turn.keys).toContain('work.offerHelpdesk');
    expect(turn.keys.filter((k) => k.startsWith('intake.'))).toEqual([]);
  });

  test.each<[string, string]>([
    ['en-GB', 'get help'],
    ['es-ES', 'pedir ayuda'],
  ])('%s: typing %j at "I\'m stuck" is the get-help answer', async (locale, typed) => {
    const run = await stuckOnAWorkStep(locale);
    expect((await run.play({ text: typed, label: typed })).keys).toContain('work.offerHelpdesk');
  });

  test.each<[string, string]>([
    ['en-GB', 'help'],
    ['es-ES', 'ayuda'],
  ])('%s: typing %j alone explains what the bot does and asks again, in both languages', async (locale, typed) => {
    const run = await stuckOnAWorkStep(locale);
    const before = run.turns.at(-1)!;
    const turn = await run.play({ text: typed, label: typed });
    expect(turn.keys).toEqual(['interrupt.help']);
    // The question is asked again (re-sent from the dialog state) and still waits for its answer.
    expect(turn.messages).toHaveLength(2);
    expect(turn.stack).toBe(before.stack);
  });
});
