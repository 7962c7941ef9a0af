/**
 * Durability: the server is stopped in the middle of conversations and started again on the
 * same SQLite file; every person continues exactly where they were, and recorded requests
 * are still there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import en from '../../locales/en.json';
import { ticketKey } from '../../src/infra/ticketStore';
import type { Ticket } from '../../src/core/tickets';
import { HttpConversation, readable, startBot } from '../helpers/botServer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-restart-'));
const env = { STATE_STORE: 'sqlite', SQLITE_PATH: path.join(dir, 'nested', 'bot.sqlite') };

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a restart in the middle of conversations continues each where it was', async () => {
  const first = await startBot(env);
  const walker = new HttpConversation(first.url, 'restart-walker');
  const intake = new HttpConversation(first.url, 'a:1restartTeamsPersonalChat', 'msteams', {
    from: { id: '29:user', aadObjectId: '11111111-2222-3333-4444-555555555555' },
    conversation: { id: 'a:1restartTeamsPersonalChat', conversationType: 'personal', tenantId: 'tenant-1' },
  });
  let reference = '';
  try {
    await walker.say('hi');
    await walker.say('personal');
    await walker.say('old phone gone');
    await walker.say('yes');
    expect(readable(await walker.post({ value: { choice: 'done' } }))).toContain(en.personal.steps.manage.title);

    await intake.say('hi');
    await intake.say('yes');
    await intake.say('old phone gone');
    expect(readable(await intake.say('no'))).toContain(en.intake.askOldNumber);
    expect(readable(await intake.say('skip'))).toContain('new mobile number');
  } finally {
    await first.stop();
  }

  const second = await startBot(env);
  try {
    const walker2 = new HttpConversation(second.url, walker.conversationId);
    expect(readable(await walker2.post({ value: { choice: 'done' } }))).toContain(en.personal.steps.add.title);

    const intake2 = new HttpConversation(second.url, intake.conversationId, 'msteams', intake.extra);
    expect(readable(await intake2.say('+44 7400 123456'))).toContain(en.intake.askFix);
    await intake2.say('One-time pass to set up Authenticator');
    const sent = readable(await intake2.say('Send it'));
    reference = /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(sent)?.[0] ?? '';
    expect(reference).not.toBe('');
  } finally {
    await second.stop();
  }

  const third = await startBot(env);
  try {
    const stored = ((await third.app.storage.read([ticketKey(reference)]))[ticketKey(reference)] as { ticket: Ticket }).ticket;
    expect(stored).toMatchObject({
      reference,
      state: 'pending',
      // Local mode: the Teams ids are claims, never 'verified by Teams sign-in'.
      requester: { channelId: 'msteams', assurance: 'teams-unauthenticated', replyTo: { conversationId: 'a:1restartTeamsPersonalChat', channelId: 'msteams' } },
      target: { objectId: '11111111-2222-3333-4444-555555555555' },
      newMobileE164: '+447400123456',
      requestedFix: 'temporary-access-pass',
    });
  } finally {
    await third.stop();
  }
});
