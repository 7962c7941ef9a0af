/**
 * The bot's own turn (SupportBot through botbuilder's TestAdapter, as production runs it): the
 * conversation's stack is MainDialog's own, at the root of the stored state, with no component
 * level around it (MainDialog.runTurn), and a stack saved by another version of the dialogs is
 * dropped with a word to the person instead of being run or failing the turn. Both channels.
 */
import { ConversationState, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { Voice } from '../../dialogs/voice';
import { SupportBot } from '../../src/bot';
import { FakeDirectory } from '../fakes/directory';
import { FakeEscalations, RecordingLog } from '../fakes/ports';
import { localizer, mainDialogOnFakes, type Channel } from './harness';

type Instance = { id: string; version?: string; state?: Record<string, unknown> };
type Stored = { dialogState?: { dialogStack: Instance[] } };

function setUp(channel: Channel) {
  const memory: Record<string, string> = {};
  const conversationState = new ConversationState(new MemoryStorage(memory));
  const log = new RecordingLog();
  const escalations = new FakeEscalations();
  const dialog = mainDialogOnFakes(conversationState, { log, escalations, directory: new FakeDirectory() });
  const bot = new SupportBot(conversationState, dialog, new Voice(localizer), { maxTextChars: 2000 });
  const adapter = new TestAdapter(async (context) => bot.run(context));
  /** The one conversation document in the store. */
  const conversationKey = (): string => {
    const keys = Object.keys(memory).filter((key) => key.includes('/conversations/'));
    expect(keys).toHaveLength(1);
    return keys[0]!;
  };
  const stored = (): Stored => JSON.parse(memory[conversationKey()]!) as Stored;
  const rewrite = (edit: (state: Stored) => void) => {
    const state = stored();
    edit(state);
    memory[conversationKey()] = JSON.stringify(state);
  };
  /** Sends a message (text, or a button's title as Web Chat and Teams hero cards send it) and returns the replies' text. */
  const send = async (text: string): Promise<string> => {
    const activity: Partial<Activity> = { type: 'message', channelId: channel, locale: 'en-GB', text, from: { id: 'user-1', name: 'Pat', aadObjectId: '0a0d0e00-0000-4000-8000-000000000001' }, conversation: { id: `conversation-${channel}`, conversationType: 'personal', isGroup: false, name: '' } };
    await adapter.processActivity(activity);
    const replies: string[] = [];
    for (let next = adapter.getNextReply(); next; next = adapter.getNextReply()) replies.push(JSON.stringify(next));
    return replies.join('\n');
  };
  return { send, stored, rewrite, log, dialog };
}

const t = (key: string) => localizer.t('en', key);
/** The fixed start of a catalog message, JSON-escaped as it appears in a serialised reply. */
const said = (replies: string, key: string) => replies.includes(JSON.stringify(t(key).split('{{')[0]!).slice(1, -1));

/** "hi" → personal → old phone gone → can sign in: the first guided step. */
async function toFirstStep(env: ReturnType<typeof setUp>, channel: Channel): Promise<string> {
  await env.send('hi');
  if (channel === 'msteams') await env.send(t('choices.no'));
  await env.send(t('account.choices.personal'));
  await env.send(t('diagnosis.choices.old-phone-gone'));
  return env.send(t('choices.yes'));
}

describe.each(['msteams', 'webchat'] as Channel[])('the bot\'s turn (%s)', (channel) => {
  test('MainDialog\'s stack is the conversation\'s root stack, stamped with the version of its dialogs', async () => {
    const env = setUp(channel);
    expect(said(await toFirstStep(env, channel), 'personal.steps.open.title')).toBe(true);
    const stack = env.stored().dialogState!.dialogStack;
    expect(stack.map((d) => d.id)).toEqual(['main.flow', 'personal.selfService', 'guidedSteps', 'guidedSteps.answer']);
    expect(stack.some((d) => d.state && 'dialogs' in d.state)).toBe(false);
    expect(stack[0]!.version).toBe(env.dialog.dialogs.getVersion());
    expect(said(await env.send(t('choices.done')), 'personal.steps.manage.title')).toBe(true);
  });

  test.each([
    [
      'the component-shaped stack of the version before',
      (state: Stored) => {
        const stack = state.dialogState!.dialogStack;
        state.dialogState!.dialogStack = [{ id: 'main', version: 'its set then', state: { dialogs: { dialogStack: stack } } }];
      },
    ],
    ['a stack stamped by other dialogs', (state: Stored) => void (state.dialogState!.dialogStack[0]!.version = 'another version')],
    ['a stack with no stamp', (state: Stored) => void delete state.dialogState!.dialogStack[0]!.version],
  ])('%s: the person is told, asked the first question again, and nothing fails', async (_name, edit) => {
    const env = setUp(channel);
    await toFirstStep(env, channel);
    env.rewrite(edit);
    const replies = await env.send(t('choices.done'));
    expect(said(replies, 'errors.updated')).toBe(true);
    expect(said(replies, channel === 'msteams' ? 'account.teamsConfirm' : 'account.ask')).toBe(true);
    expect(said(replies, 'personal.steps.manage.title')).toBe(false);
    expect(said(replies, 'errors.turn')).toBe(false);
    expect(env.log.lines.filter((line) => line.level === 'error')).toEqual([]);
    const stack = env.stored().dialogState!.dialogStack;
    expect(stack[0]).toMatchObject({ id: 'main.flow', version: env.dialog.dialogs.getVersion() });
    // And the conversation goes on from there.
    if (channel === 'msteams') await env.send(t('choices.no'));
    expect(said(await env.send(t('account.choices.personal')), 'diagnosis.ask')).toBe(true);
  });
});
