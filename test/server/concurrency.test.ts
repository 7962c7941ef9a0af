/**
 * Turns of one conversation handled at the same moment — a double click on one instance, or two
 * instances behind a load balancer — must not overwrite each other's progress (botbuilder's own
 * state writes are last-writer-wins). Over real HTTP, on one SQLite file; writes of conversation
 * state are held back a little so both turns surely read before either writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import en from '../../locales/en.json';
import { SqliteStorage } from '../../src/infra/sqliteStorage';
import { SlowWrites } from '../fakes/slowWrites';
import { HttpConversation, readable, startBot, type RunningBot } from '../helpers/botServer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-concurrency-'));
const file = path.join(dir, 'bot.sqlite');
const opened: SqliteStorage[] = [];
const running: RunningBot[] = [];

function instance(): Promise<RunningBot> {
  const sqlite = new SqliteStorage(file);
  opened.push(sqlite);
  return startBot({}, { storage: new SlowWrites(sqlite, 150) }).then((bot) => {
    running.push(bot);
    return bot;
  });
}

afterAll(async () => {
  await Promise.all(running.map((b) => b.stop()));
  opened.forEach((s) => s.close());
  fs.rmSync(dir, { recursive: true, force: true });
});

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe.each([
  ['the same instance (a double click)', async () => [await instance()].flatMap((b) => [b, b])],
  ['two instances sharing the store', async () => [await instance(), await instance()]],
])('two turns of one conversation at once, on %s', (_name, start) => {
  let a: RunningBot;
  let b: RunningBot;
  beforeAll(async () => {
    [a, b] = (await start()) as [RunningBot, RunningBot];
  });

  test('the second turn runs on the first one\'s state, and the conversation goes on', async () => {
    const id = `double-${Math.random().toString(36).slice(2)}`;
    const onA = new HttpConversation(a.url, id);
    const onB = new HttpConversation(b.url, id);
    await onA.say('hi');

    // Last-writer-wins would answer both as the first "personal" and save one of them.
    const replies = (await Promise.all([onA.say('personal'), onB.say('personal')])).map(readable);
    expect(replies.reduce((n, r) => n + count(r, en.diagnosis.ask), 0)).toBeGreaterThanOrEqual(1);
    expect(replies[0]).not.toEqual(replies[1]);

    // Whichever turn won, the conversation is on the personal path and continues from there.
    expect(readable(await onB.say('old phone gone'))).toContain(en.personal.canSignIn.slice(0, 30));
    expect(readable(await onB.say('yes'))).toContain(en.personal.intro.slice(0, 30));
  });

  test('two welcomes at once (conversationUpdate and installationUpdate) greet once', async () => {
    const id = `welcome-${Math.random().toString(36).slice(2)}`;
    const onA = new HttpConversation(a.url, id, 'msteams', { conversation: { id, conversationType: 'personal' } });
    const onB = new HttpConversation(b.url, id, 'msteams', { conversation: { id, conversationType: 'personal' } });
    const replies = await Promise.all([
      onA.post({ type: 'conversationUpdate', membersAdded: [{ id: 'bot' }] }),
      onB.post({ type: 'installationUpdate', action: 'add' }),
    ]);
    expect(count(replies.map(readable).join('\n'), en.welcome)).toBe(1);
  });
});

test('the instance that lost the race says so in its log, with the conversation hash only', async () => {
  const logs = running.flatMap((bot) => bot.logs).join('');
  expect(logs).toMatch(/running this one again on its state/);
  expect(logs).not.toMatch(/double-[a-z0-9]+/);
});
