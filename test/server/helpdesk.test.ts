/**
 * The helpdesk end to end, over real HTTP on loopback: a request from chat, the card posted to
 * the helpdesk channel (captured by a loopback connector), admins clicking Action.Execute
 * buttons as Teams invokes, the Graph action performed by the real adapter on the sandbox
 * tenant, the card updated in place, the requester notified, the audit trail kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import en from '../../locales/en.json';
import es from '../../locales/es.json';
import type { AuditRecord } from '../../src/core/audit';
import type { EscalationDraft } from '../../src/core/ports';
import { applyEvent, type Ticket } from '../../src/core/tickets';
import { createGraphCredential } from '../../src/graph/credentials';
import { createGraphClient } from '../../src/graph/graphClient';
import { GraphDirectory } from '../../src/graph/graphDirectory';
import { TicketStore, ticketKey } from '../../src/infra/ticketStore';
import { LoopbackConnector } from '../fakes/connector';
import { FailingAuditStore } from '../fakes/failingAudit';
import { FixedClock, RecordingLog } from '../fakes/ports';
import { HttpConversation, postCardAction, readable, startBot, type RunningBot } from '../helpers/botServer';
import { ADELE, ALEX, HELPDESK_SUITE_ENV, ISAIAH, LEE, MEGAN, NEW_NUMBER, PATTI, fileWebRequest, helpdeskChannel } from '../helpers/demoTenant';

const HELPDESK = '19:helpdesk0123456789abcdef@thread.tacv2';
const JOHANNA = '824ddde4-be32-4fd3-8951-b3d5817272d2';

let connector: LoopbackConnector;
let bot: RunningBot;
let clock: FixedClock;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-'));

beforeAll(async () => {
  connector = new LoopbackConnector();
  await connector.start();
});
afterAll(async () => {
  await connector.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(sqliteFile?: string, channelEnv?: Record<string, string>): Promise<RunningBot> {
  const env: Record<string, string> = {
    ...(channelEnv ?? helpdeskChannel(HELPDESK, connector.url)),
    ...HELPDESK_SUITE_ENV,
    // These tests are about the Graph actions; the evidence policy has its own (evidence.test.ts).
    REQUIRE_MANAGER_CONFIRMATION: 'never',
  };
  if (sqliteFile) Object.assign(env, { STATE_STORE: 'sqlite', SQLITE_PATH: sqliteFile });
  return startBot(env, { clock });
}

beforeEach(async () => {
  clock = new FixedClock(new Date('2026-11-25T10:00:00Z'));
  bot = await start();
});
afterEach(async () => {
  await bot.stop();
});

/** A web-chat visitor files a request; returns its reference. */
function webRequest(conversation: string, address: string, fix?: string): Promise<string> {
  const c = new HttpConversation(bot.url, conversation, 'webchat', { serviceUrl: connector.url });
  return fileWebRequest((text) => c.say(text), address, fix);
}

/** An admin clicks an Action.Execute button on the card in the helpdesk channel. */
async function click(approver: string, verb: string, reference: string, extra: Record<string, unknown> = {}, conversation = `${HELPDESK};messageid=1700000000000`) {
  const { status, body } = await postCardAction(bot.url, { serviceUrl: connector.url, conversationId: conversation, approver, verb, data: { reference, ...extra } });
  // botbuilder answers the invoke with the response's own status code.
  expect(status).toBe(body.statusCode);
  return body;
}

const mobileOf = (userId: string) =>
  bot.app.sandbox!.user(userId)!.methods.find((m) => m.phoneType === 'mobile')?.phoneNumber as string | undefined;
const writesTo = (userId: string) => bot.app.sandbox!.requests.filter((r) => r.method !== 'GET' && r.path.includes(userId));
const audit = (reference: string): Promise<AuditRecord[]> => bot.app.helpdesk.audit(reference);
/** The target's manager (Johanna Lorenz, for Adele, Alex and Megan) answered "Yes": applied to the stored ticket. */
async function managerSaysYes(reference: string, manager = JOHANNA): Promise<void> {
  const store = new TicketStore(bot.app.storage, clock, { perRequesterPerHour: 1000, perConversationPerHour: 1000 });
  await store.update(reference, (t) => applyEvent(t, { type: 'manager-asked', managerObjectId: manager, at: clock.now() }));
  await store.update(reference, (t) => applyEvent(t, { type: 'manager-answer', by: manager, answer: 'yes', at: clock.now() }));
}
const requesterPosts = (conversation: string) => connector.inConversation(conversation).map((c) => String(c.activity.text ?? ''));

test('a request reaches the helpdesk channel as a card with the number masked', async () => {
  const reference = await webRequest('web-card', 'adele.vance@contoso.example');
  const [post] = connector.inConversation(HELPDESK).filter((c) => JSON.stringify(c.activity).includes(reference));
  expect(post!.method).toBe('POST');
  const card = JSON.stringify(post!.activity);
  expect(card).toContain('application/vnd.microsoft.card.adaptive');
  expect(card).toContain('+44 ••••••••56');
  expect(card).not.toMatch(/7400\s?123\s?456/);
  expect(card).toContain('Unverified (web chat)');
  expect(card).toContain('"verb":"details"');
  expect(card).not.toContain('"verb":"replaceMobile"'); // actions live in the approver's own view
});

test('refusals change nothing: a non-approver, an AA on an admin, clicks from elsewhere', async () => {
  const reference = await webRequest('web-refuse', 'adele.vance@contoso.example');
  const before = mobileOf(ADELE);
  const nobody = await click(ALEX, 'replaceMobile', reference);
  // A 200 card for the person who clicked, saying why: a bare 403 shows nothing in Teams.
  expect(nobody).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  expect(JSON.stringify(nobody.value)).toContain(en.helpdesk.refusal['not-an-approver']);
  const elsewhere = await click(LEE, 'replaceMobile', reference, {}, '19:another-team-channel@thread.tacv2');
  expect(JSON.stringify(elsewhere.value)).toContain(en.helpdesk.refusal['not-helpdesk-channel']);

  // An "approval" claimed from web chat (Direct Line clients can set `from` freely) is refused.
  const fromWeb = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'invoke', name: 'adaptiveCard/action', channelId: 'webchat', serviceUrl: connector.url,
      conversation: { id: HELPDESK }, from: { id: 'x', aadObjectId: PATTI }, recipient: { id: 'bot' },
      value: { action: { type: 'Action.Execute', verb: 'replaceMobile', data: { reference } }, trigger: 'manual' },
    }),
  });
  expect(JSON.stringify(await fromWeb.json())).toContain(en.helpdesk.refusal['not-teams']);

  const adminRef = await webRequest('web-refuse-admin', 'megan.bowen@contoso.example');
  const aaOnAdmin = await click(LEE, 'replaceMobile', adminRef);
  expect(JSON.stringify(aaOnAdmin.value)).toContain(en.helpdesk.refusal['admin-target-needs-privileged-role']);

  expect(mobileOf(ADELE)).toBe(before);
  expect(writesTo(ADELE)).toEqual([]);
  expect(writesTo(MEGAN)).toEqual([]);
  const kinds = (await audit(reference)).map((r) => `${r.kind}:${r.detail.refusal ?? ''}`);
  expect(kinds).toEqual(expect.arrayContaining(['refusal:not-an-approver', 'refusal:not-helpdesk-channel', 'refusal:not-teams']));
});

test('the requester cannot approve their own request', async () => {
  const c = new HttpConversation(bot.url, 'a:1isaiah', 'msteams', {
    serviceUrl: connector.url,
    from: { id: `29:${ISAIAH}`, aadObjectId: ISAIAH },
    conversation: { id: 'a:1isaiah', conversationType: 'personal' },
  });
  await c.say('hi');
  await c.say('Yes');
  expect(readable(await c.say('old phone gone'))).toContain(en.diagnosis.whichUsable); // his Authenticator is registered…
  expect(readable(await c.say('talk to a person'))).toContain(en.intake.teamsAccount); // …but wants the helpdesk
  for (const text of [NEW_NUMBER, 'Register my new number']) await c.say(text);
  const reference = /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(readable(await c.say('Send it')))![0];
  const own = await click(ISAIAH, 'replaceMobile', reference);
  expect(JSON.stringify(own.value)).toContain(en.helpdesk.refusal['own-request']);
  expect(writesTo(ISAIAH)).toEqual([]);
});

test('an approver id that is not a GUID is refused before any lookup (Graph would resolve a sign-in address to the requester)', async () => {
  const c = new HttpConversation(bot.url, 'a:1isaiah-upn', 'msteams', {
    serviceUrl: connector.url,
    from: { id: `29:${ISAIAH}`, aadObjectId: ISAIAH },
    conversation: { id: 'a:1isaiah-upn', conversationType: 'personal' },
  });
  await c.say('hi');
  await c.say('Yes');
  await c.say('talk to a person');
  for (const text of [NEW_NUMBER, 'Register my new number']) await c.say(text);
  const reference = /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(readable(await c.say('Send it')))![0];
  const lookupsBefore = bot.app.sandbox!.requests.length;
  // Isaiah again, by his sign-in address: not equal to his object id, so it got past the
  // own-request check, and the helpdesk group lookup then found him as an approver.
  const spoofed = await click('isaiah.langer@contoso.example', 'replaceMobile', reference);
  expect(JSON.stringify(spoofed.value)).toContain(en.helpdesk.refusal['bad-identity']);
  expect(bot.app.sandbox!.requests.length).toBe(lookupsBefore);
  expect(writesTo(ISAIAH)).toEqual([]);
  const refusal = (await audit(reference)).find((r) => r.kind === 'refusal')!;
  expect(refusal.detail).toMatchObject({ refusal: 'bad-identity', actorInvalid: true });
  // Whatever a forged activity claims as the approver is not written as the actor.
  expect(refusal.actor).toBeUndefined();
  expect(JSON.stringify(await audit(reference))).not.toContain('isaiah.langer@contoso.example');
});

test('a requester id that is not a GUID is no Teams identity: the bot asks for the account, as it would a web visitor', async () => {
  const c = new HttpConversation(bot.url, 'a:1upn-requester', 'msteams', {
    serviceUrl: connector.url,
    from: { id: '29:upn-requester', aadObjectId: 'isaiah.langer@contoso.example' },
    conversation: { id: 'a:1upn-requester', conversationType: 'personal' },
  });
  await c.say('hi');
  await c.say('Yes');
  const replies = readable(await c.say('talk to a person'));
  expect(replies).toContain(en.intake.askAddress);
  expect(replies).not.toContain(en.intake.teamsAccount);
});

test('an approver replaces the number: Graph changed, card updated for everyone, requester told, all audited', async () => {
  const reference = await webRequest('web-replace', 'adele.vance@contoso.example');
  const details = await click(LEE, 'details', reference);
  expect(details.type).toBe('application/vnd.microsoft.card.adaptive');
  expect(JSON.stringify(details.value)).toContain('+447400123456'); // full number: the approver's own view
  expect(JSON.stringify(details.value)).toContain('"verb":"replaceMobile"');

  const done = await click(LEE, 'replaceMobile', reference);
  expect(done.type).toBe('application/vnd.microsoft.card.adaptive');
  expect(JSON.stringify(done.value)).toContain('mobile number replaced');
  expect(mobileOf(ADELE)).toBe('+44 7400123456');
  expect(writesTo(ADELE).map((r) => r.method)).toEqual(['PATCH']);

  // The last update: an earlier one showed the manager's confirmation being asked for (issue 12).
  const update = connector.inConversation(HELPDESK).filter((c) => c.method === 'PUT' && JSON.stringify(c.activity).includes(reference)).at(-1);
  expect(JSON.stringify(update!.activity)).toContain('Done by');
  expect(JSON.stringify(update!.activity)).not.toMatch(/7400123456/);
  expect(requesterPosts('web-replace').join('\n')).toContain(`Update on your request ${reference}`);

  const trail = (await audit(reference)).map((r) => r.kind);
  // Issue 12: Adele's manager was asked, and after the change Adele and her manager were told ("was this you?").
  expect(trail).toEqual(['request', 'posted', 'manager-asked', 'approval', 'graph-call', 'completed', 'notification', 'owner-notice', 'owner-notice']);
  const graphCall = (await audit(reference)).find((r) => r.kind === 'graph-call')!;
  expect(String(graphCall.detail.requestIds)).toMatch(/^[0-9a-f-]{36}$/);

  // A stale card clicked again shows the current state; Graph is not called twice.
  const again = await click(PATTI, 'replaceMobile', reference);
  expect(JSON.stringify(again.value)).toContain('Done by');
  expect(writesTo(ADELE)).toHaveLength(1);
  expect(bot.logs.join('')).not.toMatch(/7400\s?123\s?456/);
});

test('two approvals at the same moment produce exactly one Graph write; the other admin sees who won', async () => {
  const reference = await webRequest('web-race', 'adele.vance@contoso.example');
  const [a, b] = await Promise.all([click(LEE, 'replaceMobile', reference), click(PATTI, 'replaceMobile', reference)]);
  expect(writesTo(ADELE).filter((r) => r.method === 'PATCH')).toHaveLength(1);
  for (const answer of [a, b]) expect(JSON.stringify(answer.value)).toMatch(/Done by|Being carried out/);
  expect((await audit(reference)).filter((r) => r.kind === 'approval')).toHaveLength(1);
});

test('a Temporary Access Pass is shown only to the approving admin', async () => {
  const reference = await webRequest('web-tap', 'megan.bowen@contoso.example', 'One-time pass to set up Authenticator');
  // An admin target always needs the manager's "Yes" (the evidence policy; evidence.test.ts).
  await managerSaysYes(reference);
  const answer = await click(PATTI, 'issueTap', reference);
  const pass = /\*\*([^*]+)\*\* \(valid 60 minutes/.exec(JSON.stringify(answer.value))?.[1];
  expect(pass).toBeDefined();
  expect(pass!.length).toBeGreaterThanOrEqual(8);
  const everythingElse = [JSON.stringify(connector.calls), bot.logs.join(''), JSON.stringify(await audit(reference)), JSON.stringify(await bot.app.storage.read([`tickets/${reference}`]))];
  for (const place of everythingElse) expect(place).not.toContain(pass);
  expect(requesterPosts('web-tap').join('\n')).toContain('never through this chat');
  // The facts, in a second short message: expiry from the clock and the pass's lifetime, the
  // one-time window, where to use it, and to delete the old phone once the new method works.
  const facts = requesterPosts('web-tap').find((t) => t.startsWith('Your pass works until'))!;
  expect(facts).toBe(
    'Your pass works until 25 November 2026 at 11:00 UTC. Sign in with it at https://aka.ms/mysecurityinfo and add the Microsoft Authenticator app or a passkey. ' +
      'It works for one sign-in, and after you sign in you have about 10 minutes to finish. Once the new method works, delete your old phone there.',
  );
  expect(facts.split(/\s+/).length).toBeLessThanOrEqual(60);
});

test('the pass facts reach a Spanish-speaking requester in Spanish, with the date written the Spanish way', async () => {
  const { reference } = await bot.app.helpdesk.submit({
    channelId: 'webchat',
    assurance: 'unverified',
    targetSignInAddress: 'adele.vance@contoso.example',
    newMobileE164: '+447400123456',
    fix: 'temporary-access-pass',
    locale: 'es-ES',
    replyTo: { channelId: 'webchat', serviceUrl: connector.url, conversationId: 'web-tap-es', userId: 'visitor' },
  });
  await click(LEE, 'issueTap', reference);
  const [outcome, facts] = requesterPosts('web-tap-es').filter((t) => !t.includes('ya ha llegado'));
  expect(outcome).toBe(es.notify.completed['temporary-access-pass'].replace('{{reference}}', reference));
  expect(facts).toContain('Tu pase funciona hasta el 25 de noviembre de 2026 a las 11:00 UTC.');
  expect(facts).toContain(es.notify.tap.once);
  expect(facts).toContain(es.notify.tap.deleteOld);
  for (const text of [outcome!, facts!]) expect(text.split(/\s+/).length).toBeLessThanOrEqual(60);
});

test('deny needs a reason, and the requester hears it', async () => {
  const reference = await webRequest('web-deny', 'adele.vance@contoso.example');
  const noReason = await click(LEE, 'deny', reference, { reason: '   ' });
  expect(noReason.statusCode).toBe(400);
  const denied = await click(LEE, 'deny', reference, { reason: 'Call-back to the HR number failed.' });
  expect(JSON.stringify(denied.value)).toContain('Denied by');
  expect(requesterPosts('web-deny').join('\n')).toContain('Their reason: Call-back to the HR number failed.');
  expect(writesTo(ADELE)).toEqual([]);
});

test('Graph throttled once then succeeding: Retry-After honoured, the change made once', async () => {
  const reference = await webRequest('web-throttle', 'adele.vance@contoso.example');
  bot.app.sandbox!.injectFault({ status: 429, retryAfterSeconds: 1, times: 1, method: 'PATCH' });
  const done = await click(LEE, 'replaceMobile', reference);
  expect(JSON.stringify(done.value)).toContain('mobile number replaced');
  expect(writesTo(ADELE).map((r) => r.status)).toEqual([429, 204]);
});

test('Graph failing: request marked failed, admin and requester told, nothing half-done', async () => {
  const reference = await webRequest('web-fail', 'adele.vance@contoso.example');
  const before = mobileOf(ADELE);
  bot.app.sandbox!.injectFault({ status: 503, times: 20, method: 'PATCH' });
  const failed = await click(LEE, 'replaceMobile', reference);
  expect(JSON.stringify(failed.value)).toContain('Failed after');
  expect(mobileOf(ADELE)).toBe(before);
  expect(requesterPosts('web-fail').join('\n')).toContain('nothing was changed on your account');
  expect((await audit(reference)).map((r) => r.kind)).toContain('failed');
});

test('a number written but not confirmed (the read-back fails): the requester is not told "nothing was changed"', async () => {
  const reference = await webRequest('web-unconfirmed', 'adele.vance@contoso.example');
  // The first read (the current mobile) goes through, the PATCH applies, the read-back meets an outage.
  bot.app.sandbox!.injectFault({ status: 503, retryAfterSeconds: 0, times: 200, method: 'GET', pathIncludes: 'phoneMethods', after: 1 });
  const failed = await click(LEE, 'replaceMobile', reference);
  expect(JSON.stringify(failed.value)).toContain('could not be confirmed');
  expect(mobileOf(ADELE)).toBe('+44 7400123456');
  const told = requesterPosts('web-unconfirmed').filter((t) => t.includes(`Update on your request ${reference}`));
  expect(told).toEqual([en.notify.unclear.replace('{{reference}}', reference)]);
});

test('a pending request expires after its time; the requester is told once', async () => {
  const reference = await webRequest('web-expire', 'adele.vance@contoso.example');
  expect(await bot.app.helpdesk.expireDue()).toBe(0);
  clock.current = new Date(clock.current.getTime() + 25 * 60 * 60 * 1000);
  const [first, second] = await Promise.all([bot.app.helpdesk.expireDue(), bot.app.helpdesk.expireDue()]);
  expect(first + second).toBe(1);
  expect(requesterPosts('web-expire').filter((t) => t.includes('expired'))).toHaveLength(1);
  const late = await click(LEE, 'replaceMobile', reference);
  expect(JSON.stringify(late.value)).toContain('Expired');
  expect(writesTo(ADELE)).toEqual([]);
});

test('a second web visitor for an account with an open request is answered as usual; the helpdesk sees the duplicate', async () => {
  const reference = await webRequest('web-first', 'adele.vance@contoso.example');
  const second = await webRequest('web-second', 'adele.vance@contoso.example');
  expect(second).not.toBe(reference);
  const posted = (ref: string) => connector.inConversation(HELPDESK).filter((c) => c.method === 'POST').map((c) => JSON.stringify(c.activity)).filter((a) => a.includes(ref));
  const [duplicate, ...more] = posted(second);
  expect(more).toEqual([]);
  expect(duplicate).toContain('Duplicate of');
  expect(duplicate).toContain(reference);
  expect(posted(reference).filter((a) => !a.includes(second)).map((a) => a.includes('Duplicate of'))).toEqual([false]);

  // The first one's card in the channel, updated in place, warns whoever decides it.
  const title = JSON.stringify(en.helpdesk.title.replace('{{reference}}', reference)).slice(1, -1);
  const warned = connector.inConversation(HELPDESK).filter((c) => c.method === 'PUT' && JSON.stringify(c.activity).includes(title)).at(-1);
  expect(JSON.stringify(warned?.activity)).toContain(`account (${second})`);
  expect((await audit(reference)).find((r) => r.kind === 'duplicate-received')?.detail).toEqual({ duplicate: second });

  // It waits for the first: an approver's click on it changes nothing and says why.
  const writes = writesTo(ADELE).length;
  const refused = await click(LEE, 'issueTap', second);
  expect(JSON.stringify(refused.value)).toContain(JSON.stringify(en.helpdesk.refusal['duplicate-original-open']).slice(1, -1));
  expect(writesTo(ADELE)).toHaveLength(writes);
  expect((await audit(second)).at(-1)).toMatchObject({ kind: 'refusal', detail: { refusal: 'duplicate-original-open', openOriginal: reference } });
});

test('a restart with a request pending: still actionable afterwards', async () => {
  await bot.stop();
  const file = path.join(dir, `restart-${Date.now()}.sqlite`);
  bot = await start(file);
  const reference = await webRequest('web-restart', 'adele.vance@contoso.example');
  await bot.stop();
  bot = await start(file);
  const done = await click(LEE, 'replaceMobile', reference);
  expect(JSON.stringify(done.value)).toContain('mobile number replaced');
  expect(mobileOf(ADELE)).toBe('+44 7400123456');
});

test('the requester cancels: the card shows it, and a later approval changes nothing', async () => {
  const reference = await webRequest('web-cancel', 'adele.vance@contoso.example');
  const c = new HttpConversation(bot.url, 'web-cancel', 'webchat', { serviceUrl: connector.url });
  expect(readable(await c.say('cancel my request'))).toContain(`I've cancelled your request ${reference}`);
  const update = connector.inConversation(HELPDESK).filter((call) => call.method === 'PUT' && JSON.stringify(call.activity).includes(reference)).at(-1);
  expect(JSON.stringify(update!.activity)).toContain('Cancelled by the requester');
  const late = await click(LEE, 'replaceMobile', reference);
  expect(JSON.stringify(late.value)).toContain('Cancelled by the requester');
  expect(writesTo(ADELE)).toEqual([]);
  expect((await audit(reference)).map((r) => r.kind)).toContain('cancellation');
});

describe('the helpdesk channel captured from the team installation', () => {
  const TEAM = '19:helpdeskteamGeneral0000@thread.tacv2';

  async function install(team: string): Promise<void> {
    const res = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'installationUpdate',
        action: 'add',
        channelId: 'msteams',
        serviceUrl: connector.url,
        conversation: { id: team, conversationType: 'channel', isGroup: true },
        from: { id: `29:${LEE}`, aadObjectId: LEE },
        recipient: { id: 'bot' },
        channelData: { team: { id: team }, tenant: { id: 'contoso' } },
      }),
    });
    expect(res.status).toBeLessThan(300);
  }

  beforeEach(async () => {
    await bot.stop();
    bot = await start(undefined, { HELPDESK_TEAM_ID: TEAM, HELPDESK_APPROVER_IDS: `${LEE},${PATTI}` });
  });

  test('before installation requests are only recorded; installing in another team changes nothing; the right team captures it', async () => {
    const c = new HttpConversation(bot.url, 'web-capture-1', 'webchat', { serviceUrl: connector.url });
    for (const text of ['hi', 'work', 'old phone gone', 'no', 'adele.vance@contoso.example', 'skip', NEW_NUMBER, 'Register my new number']) await c.say(text);
    const stored = readable(await c.say('Send it'));
    expect(stored).toContain(en.intake.recordedNext);
    expect(stored).not.toContain('sent your request');
    const early = /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(stored)![0];
    expect((await audit(early)).map((r) => [r.kind, r.detail.ok ?? null])).toEqual([['request', null], ['posted', false]]);

    await install('19:someotherteam@thread.tacv2');
    await install(TEAM);
    const reference = await webRequest('web-capture-2', 'megan.bowen@contoso.example');
    const post = connector.inConversation(TEAM).find((call) => JSON.stringify(call.activity).includes(reference));
    expect(post).toBeDefined();
    expect(connector.inConversation('19:someotherteam@thread.tacv2')).toEqual([]);
    // Approver ids ask Teams to refresh: approvers get their own view automatically.
    expect(JSON.stringify(post!.activity)).toContain(`"userIds":["${LEE}","${PATTI}"]`);
    const mine = await click(PATTI, 'refresh', reference, {}, TEAM);
    expect(JSON.stringify(mine.value)).toContain('"verb":"issueTap"');
    const notMine = await click(ALEX, 'refresh', reference, {}, TEAM);
    expect(JSON.stringify(notMine.value)).not.toContain('"verb":"issueTap"');

    // The request stored before the installation reaches the channel with the next sweep.
    clock.current = new Date(clock.current.getTime() + 3 * 60_000);
    expect((await bot.app.helpdesk.sweep()).posted).toBe(1);
    expect(connector.inConversation(TEAM).some((call) => JSON.stringify(call.activity).includes(early))).toBe(true);
    expect(requesterPosts('web-capture-1').join('\n')).toContain(`Update on your request ${early}: it has now reached your helpdesk`);
  });
});

describe('require re-registration: the pass first, then the methods, and exactly what changed', () => {
  const AUTHENTICATOR = 'de9d8a53-7a60-4c82-8f94-e1f98dd6db7c'; // Alex's, on his old iPhone
  const ticketOf = async (reference: string) => ((await bot.app.storage.read([ticketKey(reference)]))[ticketKey(reference)] as { ticket: Ticket }).ticket;
  const typesOf = (userId: string) => bot.app.sandbox!.user(userId)!.methods.map((m) => m['@odata.type']);
  // The account is named by display name and sign-in address: "Alex Wilber (alex.wilber@…)".
  const passOf = (answer: { value: unknown }) => /Temporary Access Pass for [^*:]*alex\.wilber@contoso\.example[^*:]*: \*\*([^*]+)\*\*/.exec(JSON.stringify(answer.value))?.[1];
  /** The approver's card as text, without the markdown escapes TextBlocks get. */
  const cardText = (answer: { value: unknown }) => JSON.stringify(answer.value).replace(/\\/g, '');
  const graphCall = async (reference: string) => (await audit(reference)).find((r) => r.kind === 'graph-call')!;
  /** The requester's messages about this request: at most 3, each at most 60 words, never the pass. */
  function told(conversation: string, reference: string, pass?: string): string[] {
    const posts = requesterPosts(conversation).filter((t) => !t.includes('has now reached'));
    const about = posts.slice(posts.findIndex((t) => t.startsWith(`Update on your request ${reference}`)));
    expect(about.length).toBeGreaterThan(0);
    expect(about.length).toBeLessThanOrEqual(3);
    for (const text of about) expect(text.split(/\s+/).length).toBeLessThanOrEqual(60);
    if (pass) for (const text of about) expect(text).not.toContain(pass);
    return about;
  }

  test('all done: pass issued first, methods removed, sessions revoked; the requester gets the pass facts, never the pass', async () => {
    const reference = await webRequest('web-rereg', 'alex.wilber@contoso.example');
    const answer = await click(LEE, 'requireReRegistration', reference);
    expect(JSON.stringify(answer.value)).toContain('methods removed for re-registration');
    const pass = passOf(answer);
    expect(pass).toBeDefined();
    // The order on the wire: the pass before any delete, the revocation last.
    const writes = writesTo(ALEX).map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`);
    expect(writes[0]).toMatch(/^POST .*temporaryAccessPassMethods$/);
    expect(writes.at(-1)).toMatch(/^POST .*revokeSignInSessions$/);
    expect(typesOf(ALEX)).toEqual(['#microsoft.graph.temporaryAccessPassAuthenticationMethod']);
    expect(bot.app.sandbox!.user(ALEX)!.sessionsRevokedAt).toBeDefined();

    const [outcome, facts] = told('web-rereg', reference, pass);
    expect(outcome).toBe(en.notify.completed['require-re-registration'].replace('{{reference}}', reference));
    // Expiry from the clock (10:00 UTC) and the pass's 60 minutes; the demo issues one-time passes.
    expect(facts).toContain('Your pass works until 25 November 2026 at 11:00 UTC.');
    expect(facts).toContain('https://aka.ms/mysecurityinfo');
    expect(facts).toContain('about 10 minutes');
    expect(facts).not.toContain('delete your old phone'); // re-registration already removed it
    expect((await graphCall(reference)).detail).toMatchObject({ ok: true, tapIssued: true, tapOneTime: true, tapExpiresAt: '2026-11-25T11:00:00.000Z', removed: 'alternateMobile mobile microsoftAuthenticator', kept: null, sessionsRevoked: true });
  });

  test('TAP policy off: the pass fails, nothing is removed, and everyone is told nothing was changed', async () => {
    bot.app.sandbox!.setTemporaryAccessPassPolicy({ enabled: false });
    const reference = await webRequest('web-rereg-nopolicy', 'alex.wilber@contoso.example');
    const before = typesOf(ALEX);
    const answer = await click(LEE, 'requireReRegistration', reference);
    expect(JSON.stringify(answer.value)).toContain('No Temporary Access Pass could be issued, so no method was removed and nothing was changed.');
    expect(passOf(answer)).toBeUndefined();
    expect(typesOf(ALEX)).toEqual(before);
    expect(writesTo(ALEX).map((r) => `${r.method}:${r.status}`)).toEqual(['POST:403']); // the pass, refused; no delete, no revocation
    expect(bot.app.sandbox!.user(ALEX)!.sessionsRevokedAt).toBeUndefined();
    expect(told('web-rereg-nopolicy', reference)).toEqual([en.notify.failed.replace('{{reference}}', reference)]);
    expect((await graphCall(reference)).detail).toMatchObject({ ok: false, code: 'not_allowed', writesDone: 0 });
  });

  test('a method that cannot be deleted: pass issued, the others removed, that one kept, and everyone told exactly that', async () => {
    bot.app.sandbox!.injectFault({ status: 403, times: 100, method: 'DELETE', pathIncludes: AUTHENTICATOR });
    const reference = await webRequest('web-rereg-kept', 'alex.wilber@contoso.example');
    const answer = await click(LEE, 'requireReRegistration', reference);
    const card = cardText(answer);
    const pass = passOf(answer);
    expect(pass).toBeDefined(); // the approver still gets the pass, once
    expect(card).toContain('Only partly done after');
    expect(card).toContain('Removed: Alternate mobile phone +44 ••••••••45, Mobile phone +44 ••••••••34.');
    expect(card).toContain('Still registered: Microsoft Authenticator app.');
    expect(card).toContain('Sign-in sessions revoked.');
    expect(typesOf(ALEX).sort()).toEqual(['#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', '#microsoft.graph.temporaryAccessPassAuthenticationMethod']);

    const [outcome, facts] = told('web-rereg-kept', reference, pass);
    expect(outcome).toContain("your helpdesk's change was only partly done.");
    expect(outcome).toContain('Removed: Alternate mobile phone +44 ••••••••45, Mobile phone +44 ••••••••34.');
    expect(outcome).toContain('Still on your account: Microsoft Authenticator app.');
    expect(outcome).toContain('You were signed out everywhere.');
    expect(outcome).not.toContain('nothing was changed');
    expect(facts).toContain('Your pass works until');

    const ticket = await ticketOf(reference);
    expect(ticket).toMatchObject({ state: 'failed', result: { code: 'partial', changes: { sessionsRevoked: true, pass: { once: true } } } });
    expect(JSON.stringify(ticket)).not.toContain(pass);
    expect((await graphCall(reference)).detail).toMatchObject({ ok: false, partial: true, code: 'not_allowed', tapIssued: true, removed: 'alternateMobile mobile', kept: 'microsoftAuthenticator', sessionsRevoked: true });
  });

  test('Graph 503 part-way: the writes done are listed and their request-ids audited; the rest is reported as not removed', async () => {
    const reference = await webRequest('web-partial', 'alex.wilber@contoso.example');
    // The pass goes through; the Authenticator (the default) is deferred, the alternate is
    // removed, then the mobile's delete meets an outage that outlasts the retries.
    bot.app.sandbox!.injectFault({ status: 503, retryAfterSeconds: 0, times: 200, method: 'DELETE', pathIncludes: '3179e48a-750b-4051-897c-87b9720928f7' });
    const answer = await click(LEE, 'requireReRegistration', reference);
    const card = cardText(answer);
    expect(passOf(answer)).toBeDefined();
    expect(card).toContain('Only partly done after');
    expect(card).toContain('Removed: Alternate mobile phone +44 ••••••••45.');
    expect(card).toContain('Still registered: Mobile phone +44 ••••••••34, Microsoft Authenticator app.');
    expect(card).toContain('Graph: Could not remove a sign-in method');

    const done = writesTo(ALEX).filter((r) => r.status >= 200 && r.status < 300);
    expect(done.map((r) => r.method)).toEqual(['POST', 'DELETE', 'POST']); // pass, alternate mobile, revocation
    const call = await graphCall(reference);
    expect(call.detail).toMatchObject({ ok: false, partial: true, code: 'unavailable', writesDone: 3, removed: 'alternateMobile', kept: 'mobile microsoftAuthenticator' });
    const ids = String(call.detail.requestIds).split(' ');
    expect(ids).toEqual(done.map((r) => r.requestId));
    const failed = writesTo(ALEX).filter((r) => r.status === 503).map((r) => r.requestId);
    expect(failed).toContain(call.detail.requestId);
    expect((await ticketOf(reference)).result?.requestIds).toEqual(ids);

    const [outcome] = told('web-partial', reference);
    expect(outcome).toContain('Removed: Alternate mobile phone +44 ••••••••45.');
    expect(outcome).toContain('Still on your account: Mobile phone +44 ••••••••34, Microsoft Authenticator app.');
    expect(outcome).toContain('You were signed out everywhere.');
    expect(outcome).not.toContain('nothing was changed');
  });
});

describe('the warning before "Replace mobile number" (PHONE_SIGN_IN and the clock)', () => {
  const BEFORE = new Date('2027-01-20T09:00:00Z');
  const AFTER = new Date('2027-02-03T09:00:00Z');

  /** A bot with this setting and date; a request filed through the port (not the conversation, whose offers depend on the date too). */
  async function approverCard(setting: string | undefined, now: Date, address = 'adele.vance@contoso.example', approver = LEE): Promise<string> {
    await bot.stop();
    clock = new FixedClock(now);
    bot = await startBot(
      {
        ...helpdeskChannel(HELPDESK, connector.url),
        ...HELPDESK_SUITE_ENV,
        REQUIRE_MANAGER_CONFIRMATION: 'never',
        PHONE_SIGN_IN: setting ?? 'microsoft',
      },
      { clock },
    );
    const { reference } = await bot.app.helpdesk.submit({
      channelId: 'webchat',
      assurance: 'unverified',
      targetSignInAddress: address,
      newMobileE164: '+447400123456',
      fix: 'replace-mobile',
      locale: 'en-GB',
      replyTo: { channelId: 'webchat', serviceUrl: connector.url, conversationId: `web-warning-${now.getTime()}-${setting ?? 'default'}`, userId: 'visitor' },
    });
    const shared = connector.inConversation(HELPDESK).find((c) => JSON.stringify(c.activity).includes(reference))!;
    expect(JSON.stringify(shared.activity)).not.toContain('Text and voice codes'); // the channel's card has no actions to warn about
    return JSON.stringify((await click(approver, 'details', reference)).value).replace(/\\/g, '');
  }
  const fill = (text: string, date: string) => text.replace('{{date}}', date);

  test('before 1 Feb 2027 (Microsoft codes): "stop on 1 February 2027", placed before the actions', async () => {
    const card = await approverCard(undefined, BEFORE);
    expect(card).toContain(fill(en.helpdesk.phoneWarning.retiring, '1 February 2027'));
    expect(card.indexOf('Text and voice codes')).toBeLessThan(card.indexOf('"verb":"replaceMobile"'));
  });

  test('after 1 Feb 2027 (Microsoft codes): "stopped on 1 February 2027 … Issue a Temporary Access Pass instead"', async () => {
    const card = await approverCard('microsoft', AFTER);
    expect(card).toContain('Text and voice codes stopped on 1 February 2027 for this organisation: a new mobile number will not let them sign in. Issue a Temporary Access Pass instead.');
  });

  test('a Global Administrator keeps Microsoft codes until 1 July 2027', async () => {
    const card = await approverCard('microsoft', AFTER, 'megan.bowen@contoso.example', PATTI);
    expect(card).toContain(fill(en.helpdesk.phoneWarning.retiring, '1 July 2027'));
  });

  test('own provider: no warning, on either side of the date', async () => {
    for (const now of [BEFORE, AFTER]) expect(await approverCard('own-provider', now)).not.toContain('Text and voice codes');
  });

  test('after the date, the notice for a replaced number promises no codes', async () => {
    await approverCard('microsoft', AFTER);
    const reference = /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(JSON.stringify(connector.inConversation(HELPDESK).at(-1)!.activity))![0];
    await click(LEE, 'replaceMobile', reference);
    const told = connector.inConversation(`web-warning-${AFTER.getTime()}-microsoft`).map((c) => String(c.activity.text ?? ''));
    expect(told.find((t) => t.includes(reference))).toBe(en.notify.completedNoCodes.replace('{{reference}}', reference).replace('{{masked}}', '+44 ••••••••56'));
  });

  test('phone sign-in off: the warning whatever the date', async () => {
    for (const now of [BEFORE, AFTER]) expect(await approverCard('off', now)).toContain(en.helpdesk.phoneWarning.off);
  });
});

describe('an approval cut off by its instance stopping (crash between approval and outcome)', () => {
  /** The ticket as the dead instance left it: approved at `at`, no outcome. */
  async function leaveApproved(reference: string, action: string, at: Date): Promise<void> {
    const key = ticketKey(reference);
    const stored = (await bot.app.storage.read([key]))[key] as { ticket: Ticket; eTag: string };
    const ticket: Ticket = { ...stored.ticket, state: 'approved', decision: { by: LEE, byName: 'Admin 4061', action: action as never, at: at.toISOString() } };
    await bot.app.storage.write({ [key]: { ticket, eTag: stored.eTag } });
  }

  function graphDirectory(): GraphDirectory {
    const sandbox = bot.app.sandbox!;
    const client = createGraphClient({ credential: createGraphCredential({ kind: 'static', token: sandbox.token }), baseUrl: sandbox.origin, trustedCaPem: sandbox.caPem, maxRetryTotalSeconds: 1, log: new RecordingLog() });
    return new GraphDirectory(client, { tapLifetimeMinutes: 60, tapUsableOnce: true }, new RecordingLog());
  }

  test('the number was replaced before the crash: completed, requester told once, nothing written again', async () => {
    const reference = await webRequest('web-crash-done', 'adele.vance@contoso.example');
    await graphDirectory().replaceMobile(ADELE, '+447400123456'); // the dead instance's Graph write
    await leaveApproved(reference, 'replace-mobile', clock.now());
    const writes = writesTo(ADELE).length;

    expect(await bot.app.helpdesk.recoverInterrupted()).toBe(0); // too soon: it may still be running
    clock.current = new Date(clock.current.getTime() + 11 * 60 * 1000);
    const [first, second] = await Promise.all([bot.app.helpdesk.recoverInterrupted(), bot.app.helpdesk.recoverInterrupted()]);
    expect(first + second).toBe(1);
    expect(writesTo(ADELE)).toHaveLength(writes);
    expect((await bot.app.storage.read([ticketKey(reference)]))[ticketKey(reference)]).toMatchObject({ ticket: { state: 'completed' } });
    expect(requesterPosts('web-crash-done').filter((t) => t.includes(`Update on your request ${reference}`))).toHaveLength(1);
    expect((await audit(reference)).filter((r) => r.kind === 'completed')).toEqual([expect.objectContaining({ detail: { recovered: true, action: 'replace-mobile' } })]);
  });

  test('nothing was done before the crash: failed as interrupted, the account is free for a new request', async () => {
    const reference = await webRequest('web-crash-none', 'adele.vance@contoso.example');
    await leaveApproved(reference, 'temporary-access-pass', clock.now());
    clock.current = new Date(clock.current.getTime() + 11 * 60 * 1000);
    expect(await bot.app.helpdesk.recoverInterrupted()).toBe(1);
    expect((await bot.app.storage.read([ticketKey(reference)]))[ticketKey(reference)]).toMatchObject({ ticket: { state: 'failed', result: { code: 'interrupted' } } });
    expect(requesterPosts('web-crash-none').join('\n')).toContain('nothing was changed on your account');
    expect(writesTo(ADELE)).toEqual([]);
    await webRequest('web-crash-again', 'adele.vance@contoso.example'); // not blocked by the stuck one
  });

  test('re-registration cut off: nobody is told "nothing was changed" (a pass and some removals may have happened)', async () => {
    const reference = await webRequest('web-crash-rereg', 'alex.wilber@contoso.example');
    await leaveApproved(reference, 'require-re-registration', clock.now());
    clock.current = new Date(clock.current.getTime() + 11 * 60 * 1000);
    expect(await bot.app.helpdesk.recoverInterrupted()).toBe(1);
    expect((await bot.app.storage.read([ticketKey(reference)]))[ticketKey(reference)]).toMatchObject({ ticket: { state: 'failed', result: { code: 'interrupted-partway' } } });
    const told = requesterPosts('web-crash-rereg').filter((t) => t.includes(`Update on your request ${reference}`) && !t.includes('has now reached'));
    expect(told).toEqual([en.notify.unclear.replace('{{reference}}', reference)]);
  });
});

test('the same activity submitted twice (a re-run turn, a channel retry elsewhere) makes one request', async () => {
  const draft: EscalationDraft = {
    channelId: 'webchat',
    assurance: 'unverified',
    targetSignInAddress: 'adele.vance@contoso.example',
    newMobileE164: '+447400123456',
    fix: 'replace-mobile',
    locale: 'en-GB',
    replyTo: { channelId: 'webchat', serviceUrl: connector.url, conversationId: 'web-twice', userId: 'visitor' },
    submissionId: 'webchat\nweb-twice\nactivity-0001',
  };
  const [first, second] = await Promise.all([bot.app.helpdesk.submit(draft), bot.app.helpdesk.submit(draft)]);
  expect(second.reference).toBe(first.reference);
  const again = await bot.app.helpdesk.submit(draft);
  expect(again).toEqual({ reference: first.reference, delivery: 'helpdesk-notified' });
  expect(connector.inConversation(HELPDESK).filter((c) => c.method === 'POST' && JSON.stringify(c.activity).includes(first.reference))).toHaveLength(1);
  expect((await audit(first.reference)).filter((r) => r.kind === 'request')).toHaveLength(1);

  // A different activity of the same conversation is a new submission: from an unverified visitor,
  // kept as a duplicate of the open one (a refusal would tell strangers a request is pending).
  const next = await bot.app.helpdesk.submit({ ...draft, submissionId: 'webchat\nweb-twice\nactivity-0002' });
  expect(next.reference).not.toBe(first.reference);
  expect((await audit(next.reference)).find((r) => r.kind === 'request')?.detail).toMatchObject({ duplicateOf: first.reference });
});

describe('never telling anyone it worked when it did not', () => {
  /** Files a request from web chat and returns what the bot answered to "Send it". */
  async function fileRequest(conversation: string, address: string): Promise<{ said: string; reference: string; c: HttpConversation }> {
    const c = new HttpConversation(bot.url, conversation, 'webchat', { serviceUrl: connector.url });
    for (const text of ['hi', 'work', 'old phone gone', 'no', address, 'skip', NEW_NUMBER, 'Register my new number']) await c.say(text);
    const said = readable(await c.say('Send it'));
    return { said, reference: /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(said)![0], c };
  }
  const later = (ms: number) => (clock.current = new Date(clock.current.getTime() + ms));
  const ticketOf = async (reference: string) => ((await bot.app.storage.read([ticketKey(reference)]))[ticketKey(reference)] as { ticket: Ticket }).ticket;

  afterEach(() => {
    connector.failNext = 0;
    connector.failStatus = 503;
  });

  test('helpdesk unreachable: the person hears "stored, not reached yet", status says so, audited as not posted; the sweep re-posts with backoff and tells them', async () => {
    connector.failNext = 1000;
    connector.failStatus = 400; // not retried by the connector client, so the test does not wait out its retries
    const { said, reference, c } = await fileRequest('web-unreached', 'adele.vance@contoso.example');
    expect(said).not.toContain('sent your request to the helpdesk');
    expect(said).toContain('The helpdesk has not been reached yet');
    expect(said).toContain(en.intake.retryingNext);
    expect(readable(await c.say('status'))).toContain(en.requests.status.notReached.replace('{{reference}}', reference));

    const trail = await audit(reference);
    // The manager could not be reached either (the same connector): asked again once the card is posted.
    expect(trail.map((r) => r.kind)).toEqual(['request', 'posted', 'manager-asked', 'manager-unavailable']);
    expect(trail[1]!.detail).toMatchObject({ ok: false, attempt: 1 });
    expect(String(trail[1]!.detail.error)).not.toBe('');
    expect(trail.some((r) => r.detail.ok !== false && r.kind === 'posted')).toBe(false);
    expect((await ticketOf(reference)).postRetry).toMatchObject({ attempts: 1 });

    // Backoff: not before the next-attempt time; a failed retry pushes it out further.
    expect((await bot.app.helpdesk.sweep()).posted).toBe(0);
    later(61_000);
    expect((await bot.app.helpdesk.sweep()).posted).toBe(0);
    expect((await ticketOf(reference)).postRetry).toMatchObject({ attempts: 2 });
    later(61_000);
    expect((await bot.app.helpdesk.sweep()).posted).toBe(0); // next try is 2 minutes after the second

    connector.failNext = 0;
    later(61_000);
    expect((await bot.app.helpdesk.sweep()).posted).toBe(1);
    expect(connector.inConversation(HELPDESK).filter((call) => call.method === 'POST' && JSON.stringify(call.activity).includes(reference))).toHaveLength(1);
    // With the channel back, the manager Teams could not reach before is asked now.
    expect((await ticketOf(reference)).manager).toMatchObject({ status: 'asked', managerObjectId: '824ddde4-be32-4fd3-8951-b3d5817272d2' });
    expect(requesterPosts('web-unreached').join('\n')).toContain(`Update on your request ${reference}: it has now reached your helpdesk`);
    expect((await audit(reference)).filter((r) => r.kind === 'posted').map((r) => r.detail.ok)).toEqual([false, false, true]);
    expect(readable(await c.say('status'))).toContain(en.requests.status.pending.replace('{{reference}}', reference));
    expect((await bot.app.helpdesk.sweep()).posted).toBe(0); // posted once, never again
    expect(bot.logs.join('')).not.toContain('AUDIT WRITE FAILED');
  });

  test('a failed requester notification is audited ok:false, keeps their conversation state, and is retried by the sweep', async () => {
    const reference = await webRequest('web-notify-fail', 'adele.vance@contoso.example');
    const c = new HttpConversation(bot.url, 'web-notify-fail', 'webchat', { serviceUrl: connector.url });
    await c.say('hi'); // a new conversation under way in the same chat
    const stateKey = 'webchat/conversations/web-notify-fail/';
    const before = (await bot.app.storage.read([stateKey]))[stateKey];
    expect(before).toBeDefined();

    connector.failNext = 1000;
    connector.failStatus = 400;
    await click(LEE, 'deny', reference, { reason: 'Call-back failed.' });
    connector.failNext = 0;
    expect((await bot.app.storage.read([stateKey]))[stateKey]).toBeDefined();
    const failed = (await audit(reference)).filter((r) => r.kind === 'notification' || r.kind === 'card-update');
    expect(failed.map((r) => [r.kind, r.detail.ok])).toEqual([['card-update', false], ['notification', false]]);
    expect(requesterPosts('web-notify-fail').join('\n')).not.toContain('Call-back failed.');

    expect((await bot.app.helpdesk.sweep()).notified).toBe(0); // not due yet
    later(3 * 60_000);
    expect((await bot.app.helpdesk.sweep()).notified).toBe(1);
    expect(requesterPosts('web-notify-fail').filter((t) => t.includes('Call-back failed.'))).toHaveLength(1);
    later(60 * 60_000);
    expect((await bot.app.helpdesk.sweep()).notified).toBe(0); // delivered once, not again
    expect((await audit(reference)).filter((r) => r.kind === 'notification').map((r) => r.detail.ok)).toEqual([false, true]);
  });

  test('Teams message ids (13 digits) and a digit-heavy sign-in address keep the whole trail', async () => {
    let n = 1712345678901;
    connector.newId = () => String(n++);
    try {
      const { reference } = await fileRequest('web-teams-ids', 's1234567@contoso.example');
      const trail = await audit(reference);
      expect(trail.map((r) => r.kind)).toEqual(['request', 'posted']);
      expect(trail[0]!.detail.target).toBe('s1234567@contoso.example');
      expect(trail[1]!.detail).toMatchObject({ ok: true, activityId: '1712345678901' });
      expect(bot.logs.join('')).not.toContain('AUDIT WRITE FAILED');
    } finally {
      connector.newId = () => `activity-${Math.random().toString(36).slice(2)}`;
    }
  });
});

describe('an audit store that fails (after its own retries)', () => {
  let store: FailingAuditStore;
  beforeEach(async () => {
    await bot.stop();
    store = new FailingAuditStore();
    bot = await startBot(
      { ...helpdeskChannel(HELPDESK, connector.url), ...HELPDESK_SUITE_ENV, REQUIRE_MANAGER_CONFIRMATION: 'never' },
      { clock, storage: store },
    );
  });

  test('no approval record, no Graph action: the request fails with nothing changed', async () => {
    const reference = await webRequest('web-audit-approval', 'adele.vance@contoso.example');
    const before = mobileOf(ADELE);
    store.failing.add('approval');
    const answer = await click(LEE, 'replaceMobile', reference);
    expect(JSON.stringify(answer.value)).toContain(en.helpdesk.auditUnavailable);
    expect(writesTo(ADELE)).toEqual([]);
    expect(mobileOf(ADELE)).toBe(before);
    expect(store.refused.filter((k) => k === 'approval').length).toBeGreaterThan(1); // tried again before giving up
    expect(bot.logs.join('')).toContain('AUDIT WRITE FAILED');
    expect(requesterPosts('web-audit-approval').join('\n')).toContain('nothing was changed on your account');
  });

  test('a Graph change whose record cannot be written is reported to the approver as done but NOT audited', async () => {
    const reference = await webRequest('web-audit-graph', 'adele.vance@contoso.example');
    store.failing.add('graph-call');
    const answer = await click(LEE, 'replaceMobile', reference);
    expect(mobileOf(ADELE)).toBe('+44 7400123456');
    expect(JSON.stringify(answer.value)).toContain(en.helpdesk.notAudited.replace('{{reference}}', reference));
    const errors = bot.logs.filter((line) => line.includes('"level":50') || line.includes('"level":"error"')).join('');
    expect(errors).toContain('NOT audited');
    expect(errors).toContain(reference);
  });

  test('no request record, no request: the person is told it failed, nothing is posted, the account stays free', async () => {
    store.failing.add('request');
    const c = new HttpConversation(bot.url, 'web-audit-request', 'webchat', { serviceUrl: connector.url });
    for (const text of ['hi', 'work', 'old phone gone', 'no', 'adele.vance@contoso.example', 'skip', NEW_NUMBER, 'Register my new number']) await c.say(text);
    const posts = connector.inConversation(HELPDESK).length;
    expect(readable(await c.say('Send it'))).toContain(en.intake.failed);
    expect(connector.inConversation(HELPDESK)).toHaveLength(posts);
    store.failing.clear();
    await webRequest('web-audit-request-2', 'adele.vance@contoso.example');
  });
});
