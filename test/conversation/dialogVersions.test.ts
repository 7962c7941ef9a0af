/**
 * The shape of the dialog stack: every part of the conversation runs one component level deep
 * (MainDialog's), and a conversation saved by an older version of the bot, whose stack no longer
 * matches the dialogs, starts again politely instead of failing or misreading an answer.
 */
import { Conversation, type Channel } from './harness';

const CHANNELS: Channel[] = ['msteams', 'webchat'];

/** From "hi" to the first guided step of the personal walk ("New number, old phone gone", can sign in). */
async function toFirstStep(c: Conversation): Promise<void> {
  await c.say('hi');
  if (c.channel === 'msteams') {
    await c.press('choices.no');
  }
  await c.press('account.choices.personal');
  await c.press('diagnosis.choices.old-phone-gone');
  await c.press('choices.yes');
  expect(c.said('personal.steps.open.title')).toBe(true);
}

type StackInstance = { id: string; state?: { dialogs?: { dialogStack: StackInstance[] } } & Record<string, unknown>; version?: string };
/** botbuilder-testing's DialogTestClient keeps the stack under this property (the bot: dialogState). */
type Stored = { DialogState: { dialogStack: StackInstance[] } };

describe.each(CHANNELS)('dialog stack (%s)', (channel) => {
  test('a guided step runs two stacks deep: the root\'s and MainDialog\'s, with the account path, the steps and the prompt side by side', async () => {
    const c = new Conversation(channel);
    await toFirstStep(c);
    expect(c.levels()).toBe(2);
    expect(c.activeDialogs().map((d) => d.id)).toEqual(['main', 'main.flow', 'personal.selfService', 'guidedSteps', 'guidedSteps.answer']);
    await c.press('choices.done');
    expect(c.said('personal.steps.manage.title')).toBe(true);
    expect(c.levels()).toBe(2);
  });

  test('what broke runs at the same level too', async () => {
    const c = new Conversation(channel);
    await c.say('hi');
    if (channel === 'msteams') await c.press('choices.yes');
    else await c.press('account.choices.work');
    expect(c.said('diagnosis.ask')).toBe(true);
    expect(c.levels()).toBe(2);
    expect(c.activeDialogs().map((d) => d.id)).toEqual(['main', 'main.flow', 'workAccount', 'diagnosis', 'diagnosis.problem']);
  });

  test('a conversation saved by an older version starts again at the first question, saying why, and nothing fails', async () => {
    const c = new Conversation(channel);
    await toFirstStep(c);
    // What the version before the flattening saved at this point: the personal path as a
    // component of its own, holding its stack, MainDialog's version of its dialog set, and no
    // version on the flow (nothing stamped it then).
    c.editStoredState((state) => {
      const main = (state as Stored).DialogState.dialogStack[0]!;
      const inner = main.state!.dialogs!.dialogStack;
      const [flow, ...personal] = inner;
      delete flow!.version;
      main.state!.dialogs!.dialogStack = [flow!, { id: 'personalAccount', state: { dialogs: { dialogStack: personal } } }];
      main.version = 'an older version';
    });
    await c.press('choices.done');
    expect(c.said('errors.updated')).toBe(true);
    expect(c.said(channel === 'msteams' ? 'account.teamsConfirm' : 'account.ask')).toBe(true);
    expect(c.said('personal.steps.manage.title')).toBe(false);
    expect(c.said('errors.turn')).toBe(false);
    expect(c.log.lines.filter((line) => line.level === 'error')).toEqual([]);
    // The new version's stack from here on, and the conversation goes on normally.
    expect(c.levels()).toBe(2);
    expect(c.activeDialogs().map((d) => d.id).slice(0, 3)).toEqual(['main', 'main.flow', 'accountKind']);
    if (channel === 'msteams') await c.press('choices.no');
    await c.press('account.choices.personal');
    expect(c.said('diagnosis.ask')).toBe(true);
  });

  test('an unchanged version carries on where it was: the check does not fire on every turn', async () => {
    const c = new Conversation(channel);
    await toFirstStep(c);
    await c.press('choices.done');
    expect(c.said('errors.updated')).toBe(false);
    expect(c.said('personal.steps.manage.title')).toBe(true);
  });
});
