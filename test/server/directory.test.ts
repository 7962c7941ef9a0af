/**
 * The whole chain, for real: the bot server, the Graph adapter with the real graph client, and
 * the sandbox tenant over HTTPS on loopback, all started by `createApp` exactly as `npm start`
 * does. A Teams user sees their own methods; a web-chat visitor causes no directory lookup.
 */
import en from '../../locales/en.json';
import { HttpConversation, readable, startBot, type RunningBot } from '../helpers/botServer';
import { ADELE, ALEX } from '../helpers/demoTenant';


let bot: RunningBot;
beforeAll(async () => {
  // Adele's only method is her mobile: with the organisation's own phone provider it can still
  // sign her in on any date the suite runs, so she is asked which of her methods still work.
  bot = await startBot({ PHONE_SIGN_IN: 'own-provider' });
});
afterAll(async () => {
  await bot.stop();
});

function teams(objectId: string, conversation: string): HttpConversation {
  return new HttpConversation(bot.url, conversation, 'msteams', {
    from: { id: `29:${objectId}`, aadObjectId: objectId },
    conversation: { id: conversation, conversationType: 'personal', tenantId: 'contoso' },
  });
}

test('npm start defaults use the sandbox tenant and say so plainly', () => {
  expect(bot.app.sandbox).toBeDefined();
  const line = bot.logs.find((l) => l.includes('SANDBOX tenant in use'));
  expect(line).toBeDefined();
  expect(line).toContain('no real account is read or changed');
  expect(line).not.toContain(bot.app.sandbox!.token);
});

test('Teams, Alex (Authenticator on his old iPhone): shown with the device name, asked which still works, never assumed', async () => {
  const c = teams(ALEX, 'a:1alex');
  await c.say('hi');
  expect(readable(await c.say('Yes'))).toContain(en.diagnosis.ask);
  const replies = readable(await c.say('old phone gone'));
  expect(replies).toContain(en.diagnosis.methodsFound);
  expect(replies).toContain('Microsoft Authenticator app (iPhone 13)');
  expect(replies).toMatch(/Mobile phone \+44 •+34/);
  expect(replies).not.toContain('7700900234');
  expect(replies).toContain(en.diagnosis.whichUsable);
  expect(replies).not.toContain(en.work.steps.open.title);
  expect(readable(await c.say('None of these'))).toContain(en.intake.teamsAccount);
  const reads = bot.app.sandbox!.requests.filter((r) => r.path.includes(ALEX));
  expect(reads.map((r) => `${r.method} ${r.status}`)).toContain('GET 200');
  expect(reads.every((r) => r.method === 'GET')).toBe(true);
});

test('Teams, only the old mobile: asked whether it still works; no → the intake, and the registered number is refused as new', async () => {
  const c = teams(ADELE, 'a:1adele');
  await c.say('hi');
  await c.say('Yes');
  const replies = readable(await c.say('old phone gone'));
  expect(replies).toContain(en.diagnosis.whichUsable);
  expect(readable(await c.say('None of these'))).toContain(en.intake.teamsAccount);
  expect(readable(await c.say('+44 7400 123456'))).toContain(en.intake.askFix);
});

test('web chat: no directory lookup whatever is typed, even an existing address', async () => {
  const before = bot.app.sandbox!.requests.length;
  const c = new HttpConversation(bot.url, 'web-no-lookup');
  for (const text of ['hi', 'work', 'old phone gone', 'no', 'adele.vance@contoso.example', 'skip', '+44 7400 123456']) await c.say(text);
  expect(bot.app.sandbox!.requests.length).toBe(before);
});
