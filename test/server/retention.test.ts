/**
 * Privacy over real HTTP, against the composed app (src/app.ts) on loopback: what the bot says
 * in shared Teams conversations, and what the retention sweep leaves in the store after the days
 * pass (an injected clock, which the SQLite store also stamps its writes with).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import en from '../../locales/en.json';
import { loadConfig } from '../../src/config';
import { SqliteStorage } from '../../src/infra/sqliteStorage';
import { FixedClock } from '../fakes/ports';
import { HttpConversation, readable, startBot, type RunningBot } from '../helpers/botServer';
import { ADELE } from '../helpers/demoTenant';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const BOT_ID = '28:00000000-0000-0000-0000-00000000b07a';

let bot: RunningBot;
let storage: SqliteStorage;
let dir: string;
const clock = new FixedClock(new Date());
const later = (ms: number) => {
  clock.current = new Date(clock.current.getTime() + ms);
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-server-'));
  storage = new SqliteStorage(path.join(dir, 'state.db'), { clock });
  bot = await startBot({ RETENTION_SWEEP_MINUTES: '0' }, { storage, clock });
});
afterAll(async () => {
  await bot?.stop();
  storage.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const stored = async (key: string) => (await storage.read([key]))[key];

describe('Teams shared conversations', () => {
  const table = [
    { kind: 'channel', conversation: { id: '19:helpdesk@thread.tacv2;messageid=1700000000001', conversationType: 'channel', isGroup: true }, shared: true },
    { kind: 'groupChat', conversation: { id: '19:friends@thread.v2', conversationType: 'groupChat', isGroup: true }, shared: true },
    { kind: 'personal', conversation: { id: 'a:1adele-privacy', conversationType: 'personal' }, shared: false },
  ];

  test.each(table)('$kind: a mention by someone with only phones registered', async ({ conversation, shared }) => {
    const c = new HttpConversation(bot.url, conversation.id, 'msteams', {
      from: { id: `29:${ADELE}`, aadObjectId: ADELE },
      recipient: { id: BOT_ID, name: 'Support bot' },
      conversation: { ...conversation, tenantId: 'contoso' },
      entities: [{ type: 'mention', mentioned: { id: BOT_ID, name: 'Support bot' }, text: '<at>Support bot</at>' }],
    });
    const lookupsBefore = bot.app.sandbox!.requests.length;
    const replies = readable([...(await c.say('<at>Support bot</at> hi')), ...(await c.say('<at>Support bot</at> Yes')), ...(await c.say('<at>Support bot</at> old phone gone'))]);
    const key = `msteams/conversations/${conversation.id}/`; // botbuilder: channel/conversations/id/namespace
    if (shared) {
      expect(replies).toContain(`https://teams.microsoft.com/l/chat/0/0?users=${BOT_ID}`);
      expect(replies).not.toContain(en.account.teamsConfirm);
      expect(replies).not.toContain(en.diagnosis.methodsFound);
      expect(replies).not.toMatch(/Mobile phone/);
      expect(bot.app.sandbox!.requests.length).toBe(lookupsBefore);
      expect(await stored(key)).toBeUndefined();
    } else {
      expect(replies).toContain(en.account.teamsConfirm);
      expect(replies).toContain(en.diagnosis.methodsFound);
      expect(replies).toMatch(/Mobile phone/);
      expect(await stored(key)).toBeDefined();
    }
  });
});

describe('retention sweep', () => {
  /** A web-chat intake filled in up to the summary, never sent. */
  async function abandonIntake(id: string): Promise<HttpConversation> {
    const c = new HttpConversation(bot.url, id);
    for (const text of ['I changed my phone and get no codes', 'Work or school', 'old phone gone', 'No', 'pat@contoso.com', '+44 7400 111222', '+44 7400 123456']) await c.say(text);
    expect(readable(await c.say('One-time pass to set up Authenticator'))).toContain('+44 7400 123456');
    return c;
  }

  test('an abandoned intake loses both numbers after ABANDONED_INTAKE_HOURS; its conversation goes after RETENTION_DAYS; a fresh one stays', async () => {
    const abandoned = await abandonIntake('abandoned-intake');
    const key = 'webchat/conversations/abandoned-intake/';
    expect(JSON.stringify(await stored(key))).toContain('7400123456');

    later(23 * HOUR);
    await bot.app.retention.sweep();
    expect(JSON.stringify(await stored(key))).toContain('7400123456');

    later(2 * HOUR);
    const report = await bot.app.retention.sweep();
    expect(report.abandonedIntakes).toBeGreaterThanOrEqual(1);
    const after = JSON.stringify(await stored(key));
    expect(after).not.toContain('7400123456');
    expect(after).not.toContain('7400111222');
    // Coming back starts afresh rather than failing.
    expect(readable(await abandoned.say('hi'))).toContain(en.account.ask.split('**')[0]!);

    later(29 * DAY);
    await new HttpConversation(bot.url, 'fresh-one').say('hi');
    later(2 * DAY);
    await bot.app.retention.sweep();
    expect(await stored(key)).toBeUndefined();
    expect(await stored('webchat/conversations/fresh-one/')).toBeDefined();
  });
});

test('the portal’s privacy note states the running app’s retention periods', async () => {
  // The page is filled from the config the sweep uses (the browser suite checks non-default ones).
  const page = await (await fetch(`${bot.url}/`, { headers: { 'accept-language': 'en' } })).text();
  const note = /<p id="retention">([\s\S]*?)<\/p>/.exec(page)?.[1]?.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ') ?? '';
  const { retention } = loadConfig({});
  expect(note).toContain(`after ${retention.abandonedIntakeHours} hours`);
  expect(note).toContain(`deleted ${retention.days} days after your last message`);
  expect(note).toContain(`${retention.auditDays} days after the request is closed`);
});
