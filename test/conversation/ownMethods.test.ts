/**
 * Where the conversation uses the directory: in Teams the work path shows the person their own
 * methods (masked, with the Authenticator's device name) and asks which of them they can still
 * use, because a registration says what exists, not what the person still holds. Web chat never
 * looks anyone up.
 */
import { DirectoryError } from '../../src/core/directory';
import { FakeDirectory, summary } from '../fakes/directory';
import { AFTER_RETIREMENT, Conversation } from './harness';

const OBJECT_ID = '0a0d0e00-0000-4000-8000-000000000001';
const oldMobile = { type: 'mobile' as const, e164: '+447400123456', masked: '+44 ••••••••56' };
const alternate = { type: 'alternateMobile' as const, e164: '+447400654321', masked: '+44 ••••••••21' };

/** Alex: Authenticator on his old iPhone 13, plus his mobile. */
function alex(): FakeDirectory {
  const s = summary(OBJECT_ID, [oldMobile], ['microsoftAuthenticator']);
  s.methods.find((m) => m.kind === 'microsoftAuthenticator')!.label = 'iPhone 13';
  return new FakeDirectory().withMethods(s);
}

/** In Teams, to the point where the old phone is gone and the bot needs another way in. */
async function reachWorkInTeams(c: Conversation): Promise<void> {
  await c.say('hi');
  expect(c.said('account.teamsConfirm')).toBe(true);
  await c.press('choices.yes');
  expect(c.said('diagnosis.ask')).toBe(true);
  await c.press('diagnosis.choices.old-phone-gone');
}

test('Teams, Authenticator registered: shown with its device name, and never assumed to work', async () => {
  const c = new Conversation('msteams', 'en-GB', { directory: alex() });
  await reachWorkInTeams(c);
  expect(c.said('diagnosis.methodsFound')).toBe(true);
  expect(c.transcript()).toContain('Microsoft Authenticator app (iPhone 13)');
  expect(c.transcript()).toContain('Mobile phone +44 ••••••••56');
  expect(c.transcript()).not.toContain('7400123456');
  expect(c.said('diagnosis.whichUsable')).toBe(true);
  expect(c.buttons().map((b) => b.title)).toEqual([c.t('diagnosis.use.phone'), c.t('diagnosis.use.microsoftAuthenticator'), c.t('diagnosis.use.none')]);
  expect(c.said('work.canSignIn')).toBe(false);
  expect(c.said('work.steps.open.title')).toBe(false);
});

test('Teams, Alex: the Authenticator is on the old iPhone, so "none of these" goes to the helpdesk', async () => {
  const c = new Conversation('msteams', 'en-GB', { directory: alex() });
  await reachWorkInTeams(c);
  await c.press('diagnosis.use.none');
  expect(c.said('work.noMethodIntro')).toBe(true);
  expect(c.said('intake.teamsAccount')).toBe(true);
  expect(c.said('work.steps.open.title')).toBe(false);
});

test('Teams: a method the person still holds leads to the self-service steps', async () => {
  const c = new Conversation('msteams', 'en-GB', { directory: alex() });
  await reachWorkInTeams(c);
  await c.press('diagnosis.use.microsoftAuthenticator');
  expect(c.said('work.steps.open.title')).toBe(true);
});

test('Teams, typed answer to "which can you still use?"', async () => {
  const c = new Conversation('msteams', 'en-GB', { directory: alex() });
  await reachWorkInTeams(c);
  await c.say('none of them');
  expect(c.said('work.noMethodIntro')).toBe(true);
});

test('Teams, only phones: "none" → intake without asking for the old number', async () => {
  const c = new Conversation('msteams', 'en-GB', { directory: new FakeDirectory().withMethods(summary(OBJECT_ID, [oldMobile, alternate])) });
  await reachWorkInTeams(c);
  expect(c.transcript()).toContain('Alternate mobile phone +44 ••••••••21');
  expect(c.said('diagnosis.whichUsable')).toBe(true);
  await c.press('diagnosis.use.none');
  expect(c.said('intake.teamsAccount')).toBe(true);
  expect(c.said('intake.askOldNumber')).toBe(false);
  expect(c.said('intake.askNewNumber')).toBe(true);
  // A number already registered on the account is not a new number.
  await c.say('+44 7400 654321');
  expect(c.said('phone.same_as_old')).toBe(true);
  await c.say('+44 7400 111222');
  expect(c.said('intake.askFix')).toBe(true);
});

test('Teams, only phones: a phone that still gets codes → the self-service steps', async () => {
  const c = new Conversation('msteams', 'en-GB', { directory: new FakeDirectory().withMethods(summary(OBJECT_ID, [oldMobile, alternate])) });
  await reachWorkInTeams(c);
  await c.press('diagnosis.use.phone');
  expect(c.said('work.steps.open.title')).toBe(true);
});

test('Teams, only phones after the SMS/voice retirement: no phone is offered as usable, the helpdesk is offered', async () => {
  const c = new Conversation('msteams', 'en-GB', { now: AFTER_RETIREMENT, directory: new FakeDirectory().withMethods(summary(OBJECT_ID, [oldMobile, alternate])) });
  await reachWorkInTeams(c);
  expect(c.said('diagnosis.methodsFound')).toBe(true);
  expect(c.said('diagnosis.noneUsable')).toBe(true);
  expect(c.said('diagnosis.whichUsable')).toBe(false);
  expect(c.said('work.offerHelpdesk')).toBe(true);
  await c.press('choices.yes');
  expect(c.said('intake.teamsAccount')).toBe(true);
});

test('Teams, nothing registered: the helpdesk is offered, without a pointless question', async () => {
  const c = new Conversation('msteams', 'en-GB', { directory: new FakeDirectory().withMethods(summary(OBJECT_ID, [])) });
  await reachWorkInTeams(c);
  expect(c.said('work.noMethods')).toBe(true);
  expect(c.said('work.canSignIn')).toBe(false);
  expect(c.said('work.offerHelpdesk')).toBe(true);
  await c.press('choices.yes');
  expect(c.said('intake.teamsAccount')).toBe(true);
});

test('Teams, nothing usable, with Entra account recovery: recovery is offered before the helpdesk', async () => {
  const c = new Conversation('msteams', 'en-GB', { entraAccountRecovery: true, directory: new FakeDirectory().withMethods(summary(OBJECT_ID, [])) });
  await reachWorkInTeams(c);
  expect(c.said('work.noMethods')).toBe(true);
  expect(c.said('work.accountRecovery.offer')).toBe(true);
  expect(c.said('work.offerHelpdesk')).toBe(false);
});

test('Teams, directory unavailable: the bot asks instead, and the person is not stuck', async () => {
  const directory = new FakeDirectory().withMethods(summary(OBJECT_ID, [oldMobile], ['fido2']));
  directory.failWith = new DirectoryError('unavailable', 'Graph is unavailable');
  const c = new Conversation('msteams', 'en-GB', { directory });
  await reachWorkInTeams(c);
  expect(c.said('work.canSignIn')).toBe(true);
  expect(c.log.lines.some((l) => l.msg === 'could not read own sign-in methods')).toBe(true);
});

test('Spanish labels for the methods and the question', async () => {
  const c = new Conversation('msteams', 'es-ES', { directory: new FakeDirectory().withMethods(summary(OBJECT_ID, [oldMobile], ['fido2'])) });
  await reachWorkInTeams(c);
  expect(c.transcript()).toContain('Clave de acceso o llave de seguridad');
  expect(c.transcript()).toContain('Teléfono móvil +44 ••••••••56');
  expect(c.said('diagnosis.whichUsable')).toBe(true);
  await c.say('ninguno');
  expect(c.said('work.noMethodIntro')).toBe(true);
});

test('web chat never looks anyone up, whatever address or id is typed', async () => {
  const directory = alex();
  const c = new Conversation('webchat', 'en-GB', { directory });
  await c.say('hi');
  await c.press('account.choices.work');
  await c.press('diagnosis.choices.old-phone-gone');
  expect(c.said('work.canSignIn')).toBe(true);
  expect(c.said('diagnosis.methodsFound')).toBe(false);
  await c.press('choices.no');
  await c.say(`${OBJECT_ID}@contoso.example`);
  await c.say('skip');
  await c.say('+44 7400 123456');
  expect(directory.lookups).toEqual([]);
});
