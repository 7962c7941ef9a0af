/**
 * In a Teams channel or group chat everyone reads the bot's answers: the bot only points to a
 * 1:1 chat there. One table of conversation kinds drives the real SupportBot (state, dialogs,
 * mention handling) through botbuilder's TestAdapter (what botbuilder-testing builds on).
 */
import { ConversationState, MemoryStorage, TestAdapter, type Activity, type ConversationAccount } from 'botbuilder';
import { Voice } from '../../dialogs/voice';
import { SupportBot, personalChatLink } from '../../src/bot';
import { FakeDirectory, summary } from '../fakes/directory';
import { FakeEscalations, RecordingLog } from '../fakes/ports';
import { localizer, mainDialogOnFakes } from './harness';

const OBJECT_ID = '0a0d0e00-0000-4000-8000-000000000001';
const BOT_APP_ID = '00000000-0000-0000-0000-00000000b07a';
const mobile = { type: 'mobile' as const, e164: '+447400123456', masked: '+44 ••••••••56' };

interface Kind {
  name: string;
  conversation: Partial<ConversationAccount>;
  shared: boolean;
}

const KINDS: Kind[] = [
  { name: 'channel', conversation: { id: '19:general@thread.tacv2;messageid=1700000000000', conversationType: 'channel', isGroup: true }, shared: true },
  { name: 'groupChat', conversation: { id: '19:group@thread.v2', conversationType: 'groupChat', isGroup: true }, shared: true },
  { name: 'isGroup without a type', conversation: { id: 'group-1', isGroup: true }, shared: true },
  { name: 'personal', conversation: { id: 'a:1personal', conversationType: 'personal' }, shared: false },
];

function setUp() {
  const storage = new MemoryStorage();
  const writes: string[] = [];
  const recording = {
    read: (keys: string[]) => storage.read(keys),
    write: async (changes: Record<string, unknown>) => {
      writes.push(...Object.keys(changes));
      await storage.write(changes);
    },
    delete: (keys: string[]) => storage.delete(keys),
  };
  const conversationState = new ConversationState(recording);
  const directory = new FakeDirectory().withMethods(summary(OBJECT_ID, [mobile], ['microsoftAuthenticator']));
  const escalations = new FakeEscalations();
  const dialog = mainDialogOnFakes(conversationState, { log: new RecordingLog(), escalations, directory });
  const bot = new SupportBot(conversationState, dialog, new Voice(localizer), { maxTextChars: 2000, botAppId: BOT_APP_ID });
  const adapter = new TestAdapter(async (context) => bot.run(context));
  return { adapter, storage, writes, directory };
}

async function say(env: ReturnType<typeof setUp>, kind: Kind, text: string, locale = 'en-GB'): Promise<string> {
  const activity: Partial<Activity> = {
    type: 'message',
    channelId: 'msteams',
    locale,
    text: `<at>Support bot</at> ${text}`,
    entities: [{ type: 'mention', mentioned: { id: `28:${BOT_APP_ID}`, name: 'Support bot' }, text: '<at>Support bot</at>' }],
    from: { id: '29:pat', name: 'Pat', aadObjectId: OBJECT_ID },
    recipient: { id: `28:${BOT_APP_ID}`, name: 'Support bot' },
    conversation: { ...kind.conversation, tenantId: 'contoso' } as ConversationAccount,
  };
  await env.adapter.processActivity(activity);
  const replies: string[] = [];
  for (let next = env.adapter.getNextReply(); next; next = env.adapter.getNextReply()) {
    replies.push(JSON.stringify({ text: next.text, attachments: next.attachments, suggestedActions: next.suggestedActions }));
  }
  return replies.join('\n');
}

describe.each(KINDS)('msteams $name', (kind) => {
  test(kind.shared ? 'a mention gets the 1:1 pointer only: no methods, no dialog, no state written' : 'the personal flow runs and shows the person their own methods', async () => {
    const env = setUp();
    const first = await say(env, kind, 'hi');
    const second = await say(env, kind, 'Yes');
    const third = await say(env, kind, 'old phone gone');
    const transcript = `${first}\n${second}\n${third}`;
    const link = `https://teams.microsoft.com/l/chat/0/0?users=28:${BOT_APP_ID}`;
    if (kind.shared) {
      for (const reply of [first, second, third]) expect(reply).toContain(localizer.t('en', 'shared.oneToOne', { link }, ['link']).replace(/"/g, '\\"'));
      expect(transcript).not.toContain('Mobile phone');
      expect(transcript).not.toContain('Authenticator');
      expect(transcript).not.toContain(localizer.t('en', 'account.teamsConfirm'));
      expect(env.directory.lookups).toEqual([]);
      expect(env.writes).toEqual([]);
      expect(Object.keys((env.storage as unknown as { memory: object }).memory)).toEqual([]);
    } else {
      expect(transcript).not.toContain(link);
      expect(transcript).toContain(localizer.t('en', 'account.teamsConfirm'));
      expect(transcript).toContain('Mobile phone +44 ••••••••56');
      expect(env.writes.some((key) => key.startsWith('msteams/conversations/'))).toBe(true);
    }
  });
});

test('the pointer is in the person’s language', async () => {
  const env = setUp();
  const reply = await say(env, KINDS[0]!, 'hola', 'es-ES');
  expect(reply).toContain(localizer.template('es', 'shared.oneToOne').split('[')[0]!);
});

test('the deep link is built only from a bot id', () => {
  expect(personalChatLink('abc-123', undefined)).toBe('https://teams.microsoft.com/l/chat/0/0?users=28:abc-123');
  expect(personalChatLink(undefined, '28:abc-123')).toBe('https://teams.microsoft.com/l/chat/0/0?users=28:abc-123');
  expect(personalChatLink(undefined, 'bot')).toBeUndefined();
  expect(personalChatLink(undefined, '28:x&message=hello')).toBeUndefined();
});
