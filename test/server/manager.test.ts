/**
 * The manager's confirmation and "was this you?" end to end over loopback: one bot, one loopback
 * connector. The manager's card arrives in a NEW 1:1 conversation the bot creates through the
 * connector (POST /v3/conversations) for the manager's object id; the manager's "No" disputes the
 * request; after a change the owner and the manager are told, and the owner's "This wasn't me"
 * revokes the sessions in the sandbox and alerts the helpdesk channel.
 */
import en from '../../locales/en.json';
import type { Ticket } from '../../src/core/tickets';
import { ticketKey } from '../../src/infra/ticketStore';
import { LoopbackConnector, type ConnectorCall } from '../fakes/connector';
import { FixedClock } from '../fakes/ports';
import { HttpConversation, postCardAction, readable, startBot, type RunningBot } from '../helpers/botServer';
import { ALEX, HELPDESK_SUITE_ENV, ISAIAH, LEE, MEGAN, NEW_NUMBER, PATTI, helpdeskChannel } from '../helpers/demoTenant';

const HELPDESK = '19:helpdesk-manager0123456789@thread.tacv2';
const JOHANNA = '824ddde4-be32-4fd3-8951-b3d5817272d2';

let connector: LoopbackConnector;
let bot: RunningBot;

beforeAll(async () => {
  connector = new LoopbackConnector();
  await connector.start();
  bot = await startBot(
    { ...helpdeskChannel(HELPDESK, connector.url), ...HELPDESK_SUITE_ENV },
    { clock: new FixedClock(new Date('2026-11-25T10:00:00Z')) },
  );
});
afterAll(async () => {
  await bot.stop();
  await connector.stop();
});

const refOf = (text: string) => /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(text)![0];
const ticketOf = async (reference: string) => ((await bot.app.storage.read([ticketKey(reference)]))[ticketKey(reference)] as { ticket: Ticket }).ticket;
const audit = (reference: string) => bot.app.helpdesk.audit(reference);
const json = (call: ConnectorCall | undefined) => JSON.stringify(call?.activity ?? null);
/** A text as it appears inside JSON.stringify of a card. */
const inJson = (text: string) => JSON.stringify(text).slice(1, -1);
const channelTexts = () => connector.inConversation(HELPDESK).map((c) => String(c.activity.text ?? ''));

/** The 1:1 conversations created for a person whose activities mention this request. */
function directFor(objectId: string, reference: string): { conversationId: string; posts: ConnectorCall[] }[] {
  return connector
    .createdFor(objectId)
    .map((c) => ({ conversationId: c.id, posts: connector.inConversation(c.id) }))
    .filter((c) => c.posts.some((p) => json(p).includes(reference)));
}

/** A click on a 1:1 card, from that person's own conversation. */
async function personalClick(objectId: string, verb: string, reference: string, conversationId: string) {
  const { status, body } = await postCardAction(bot.url, { serviceUrl: connector.url, conversationId, approver: objectId, verb, data: { reference } });
  expect(status).toBe(body.statusCode);
  return body;
}

async function webRequest(conversation: string, address: string): Promise<{ reference: string; said: string }> {
  const c = new HttpConversation(bot.url, conversation, 'webchat', { serviceUrl: connector.url });
  for (const text of ['hi', 'work', 'old phone gone', 'no', address, 'skip', NEW_NUMBER, 'Register my new number']) await c.say(text);
  const said = readable(await c.say('Send it'));
  expect(said).toContain('sent your request to the helpdesk');
  return { reference: refOf(said), said };
}

test("web chat: Johanna gets Adele's card in a new 1:1 chat; her \"No\" disputes the request and alerts the channel", async () => {
  const { reference, said } = await webRequest('web-manager-adele', 'adele.vance@contoso.example');
  expect(said).toContain(en.intake.ownerTold);

  const [created] = connector.createdFor(JOHANNA);
  expect(created).toMatchObject({ isGroup: false, members: [{ id: JOHANNA }] });
  const [chat] = directFor(JOHANNA, reference);
  expect(chat?.conversationId).toBe(created!.id);
  expect(chat!.conversationId).not.toBe(HELPDESK);
  const card = json(chat!.posts[0]);
  expect(card).toContain('application/vnd.microsoft.card.adaptive');
  expect(card).toContain('Has Adele Vance told you they changed phones?');
  expect(card).toContain(en.helpdesk.managerCard.askedByWeb);
  expect(card).toContain('"verb":"managerNo"');
  expect(card).not.toMatch(/7400\s?123\s?456/);
  // Nobody else was asked: the requester cannot choose the manager.
  expect(connector.created.filter((c) => connector.inConversation(c.id).some((p) => json(p).includes(reference)))).toHaveLength(1);

  // Someone else clicking the forwarded card changes nothing.
  const stranger = await personalClick(LEE, 'managerNo', reference, chat!.conversationId);
  expect(JSON.stringify(stranger.value)).toContain(en.helpdesk.managerCard.notAsked);
  expect((await ticketOf(reference)).manager?.status).toBe('asked');

  const no = await personalClick(JOHANNA, 'managerNo', reference, chat!.conversationId);
  expect(no).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  expect(JSON.stringify(no.value)).not.toContain('"verb":"managerYes"');
  const ticket = await ticketOf(reference);
  expect(ticket.manager).toMatchObject({ status: 'answered', answer: 'no', managerObjectId: JOHANNA });
  expect(channelTexts().some((t) => t.includes(reference) && t.includes('No, or I don'))).toBe(true);
  const kinds = (await audit(reference)).map((r) => `${r.kind}:${r.detail.answer ?? r.detail.refusal ?? ''}`);
  expect(kinds).toEqual(expect.arrayContaining(['manager-asked:', 'refusal:not-the-manager-asked', 'manager-answer:no', 'alert:']));

  const twice = await personalClick(JOHANNA, 'managerYes', reference, chat!.conversationId);
  expect(JSON.stringify(twice.value)).toContain(en.helpdesk.managerCard.alreadyAnswered);
});

test("web chat: after the manager's \"No\", no approver acts without two overrides, each with a reason", async () => {
  const { reference } = await webRequest('web-manager-alex', 'alex.wilber@contoso.example');
  const [chat] = directFor(JOHANNA, reference);
  await personalClick(JOHANNA, 'managerNo', reference, chat!.conversationId);
  const sandboxWrites = () => bot.app.sandbox!.requests.filter((r) => r.method !== 'GET').length;
  const writesBefore = sandboxWrites();
  const helpdeskClick = (approver: string, verb: string, data: Record<string, unknown> = {}) =>
    postCardAction(bot.url, { serviceUrl: connector.url, conversationId: `${HELPDESK};messageid=1700000000002`, approver, verb, data: { reference, ...data } });

  // A refused click is answered to the clicking approver with a card that says why (not a bare 403).
  const refused = await helpdeskClick(LEE, 'replaceMobile');
  expect(refused.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  expect(JSON.stringify(refused.body.value)).toContain(inJson(en.helpdesk.refusal.disputed));
  // An override needs a reason; one override is not enough while the request is disputed.
  expect(JSON.stringify((await helpdeskClick(LEE, 'override', { overrideReason: '' })).body.value)).toContain(inJson(en.helpdesk.refusal['override-reason-missing']));
  await helpdeskClick(LEE, 'override', { overrideReason: 'Called Alex on his desk phone from the directory; he confirmed.' });
  expect(JSON.stringify((await helpdeskClick(LEE, 'override', { overrideReason: 'again' })).body.value)).toContain(inJson(en.helpdesk.refusal['override-already-given']));
  expect(JSON.stringify((await helpdeskClick(LEE, 'replaceMobile')).body.value)).toContain(inJson(en.helpdesk.refusal.disputed));
  expect(sandboxWrites()).toBe(writesBefore);
  expect((await ticketOf(reference)).state).toBe('pending');

  // A second, different approver overrides with a reason: now an approver can act, once.
  await helpdeskClick(ISAIAH, 'override', { overrideReason: 'Video call with Alex against his directory photo.' });
  const done = await helpdeskClick(LEE, 'replaceMobile');
  expect(done.body.statusCode).toBe(200);
  expect((await ticketOf(reference)).state).toBe('completed');
  const trail = (await audit(reference)).map((r) => r.kind);
  expect(trail.filter((k) => k === 'override')).toHaveLength(2);
  expect(trail).toEqual(expect.arrayContaining(['manager-answer', 'refusal', 'approval', 'graph-call', 'completed']));
});

test("Teams: Alex's manager says \"No\" to his own Teams request; no approver acts without two overrides", async () => {
  const c = new HttpConversation(bot.url, 'a:1alex-manager', 'msteams', {
    serviceUrl: connector.url,
    from: { id: `29:${ALEX}`, aadObjectId: ALEX },
    conversation: { id: 'a:1alex-manager', conversationType: 'personal' },
  });
  // Not NEW_NUMBER: an earlier test already made that Alex's mobile, and the intake refuses a number he has.
  for (const text of ['hi', 'Yes', 'old phone gone', 'talk to a person', '+44 7400 654321', 'Register my new number']) await c.say(text);
  const reference = refOf(readable(await c.say('Send it')));
  const [chat] = directFor(JOHANNA, reference);
  expect(json(chat!.posts[0])).toContain('Has Alex Wilber told you they changed phones?');
  expect(json(chat!.posts[0])).not.toContain(en.helpdesk.managerCard.askedByWeb);
  await personalClick(JOHANNA, 'managerNo', reference, chat!.conversationId);
  const helpdeskClick = (approver: string, verb: string, data: Record<string, unknown> = {}) =>
    postCardAction(bot.url, { serviceUrl: connector.url, conversationId: `${HELPDESK};messageid=1700000000004`, approver, verb, data: { reference, ...data } });
  expect(JSON.stringify((await helpdeskClick(LEE, 'replaceMobile')).body.value)).toContain(inJson(en.helpdesk.refusal.disputed));
  await helpdeskClick(LEE, 'override', { overrideReason: 'Called Alex back on his desk phone from the directory.' });
  expect(JSON.stringify((await helpdeskClick(LEE, 'replaceMobile')).body.value)).toContain(inJson(en.helpdesk.refusal.disputed));
  expect((await ticketOf(reference)).state).toBe('pending');
  await helpdeskClick(ISAIAH, 'override', { overrideReason: 'Video call against his directory photo.' });
  expect((await helpdeskClick(LEE, 'replaceMobile')).body.statusCode).toBe(200);
  expect((await ticketOf(reference)).state).toBe('completed');
});

test("web chat, an admin target: it takes the manager's \"Yes\" from her card AND a Privileged Authentication Administrator", async () => {
  const { reference } = await webRequest('web-manager-megan', 'megan.bowen@contoso.example');
  const helpdeskClick = (approver: string, verb: string, data: Record<string, unknown> = {}) =>
    postCardAction(bot.url, { serviceUrl: connector.url, conversationId: `${HELPDESK};messageid=1700000000003`, approver, verb, data: { reference, ...data } });
  // Before the manager answers, not even the Privileged Authentication Administrator may act, and no override replaces her.
  expect(JSON.stringify((await helpdeskClick(PATTI, 'issueTap')).body.value)).toContain(inJson(en.helpdesk.refusal['admin-target-needs-manager-confirmation']));
  const [chat] = directFor(JOHANNA, reference);
  expect(json(chat!.posts[0])).toContain('Has Megan Bowen told you they changed phones?');
  await personalClick(JOHANNA, 'managerYes', reference, chat!.conversationId);
  // The manager's Yes is not a role: an Authentication Administrator still may not act on an admin.
  expect(JSON.stringify((await helpdeskClick(LEE, 'issueTap')).body.value)).toContain(inJson(en.helpdesk.refusal['admin-target-needs-privileged-role']));
  expect((await ticketOf(reference)).state).toBe('pending');
  const issued = await helpdeskClick(PATTI, 'issueTap');
  expect(issued.body.statusCode).toBe(200);
  expect((await ticketOf(reference)).state).toBe('completed');
  expect(bot.app.sandbox!.user(MEGAN)!.methods.some((m) => m['@odata.type'] === '#microsoft.graph.temporaryAccessPassAuthenticationMethod')).toBe(true);
});

test("Teams: Patti gets Isaiah's card in a new 1:1 chat; after the change Isaiah's \"This wasn't me\" revokes his sessions and alerts the channel", async () => {
  const c = new HttpConversation(bot.url, 'a:1isaiah-manager', 'msteams', {
    serviceUrl: connector.url,
    from: { id: `29:${ISAIAH}`, aadObjectId: ISAIAH },
    conversation: { id: 'a:1isaiah-manager', conversationType: 'personal' },
  });
  for (const text of ['hi', 'Yes', 'old phone gone', 'talk to a person', NEW_NUMBER, 'Register my new number']) await c.say(text);
  const said = readable(await c.say('Send it'));
  const reference = refOf(said);
  expect(said).not.toContain(en.intake.ownerTold); // Teams vouches for him; the web-chat sentence is for strangers

  const [chat] = directFor(PATTI, reference);
  expect(chat).toBeDefined();
  expect(json(chat!.posts[0])).toContain('Has Isaiah Langer told you they changed phones?');
  const yes = await personalClick(PATTI, 'managerYes', reference, chat!.conversationId);
  expect(JSON.stringify(yes.value)).toContain('is recorded for the helpdesk');
  expect((await ticketOf(reference)).manager).toMatchObject({ status: 'answered', answer: 'yes' });

  const approved = await postCardAction(bot.url, { serviceUrl: connector.url, conversationId: `${HELPDESK};messageid=1700000000001`, approver: LEE, verb: 'replaceMobile', data: { reference } });
  expect(approved.body.statusCode).toBe(200);
  expect((await ticketOf(reference)).state).toBe('completed');

  // "Was this you?" to Isaiah (with the button) and to Patti, each in their own 1:1 chat.
  const owner = directFor(ISAIAH, reference);
  expect(owner).toHaveLength(1);
  expect(json(owner[0]!.posts[0])).toContain('"verb":"notMe"');
  expect(json(owner[0]!.posts[0])).toContain(en.helpdesk.ownerNotice.what['replace-mobile']);
  const toManager = directFor(PATTI, reference).flatMap((d) => d.posts).filter((p) => json(p).includes(en.helpdesk.ownerNotice.title));
  expect(toManager).toHaveLength(1);
  expect(json(toManager[0])).not.toContain('"verb":"notMe"');

  // Anyone else (here the manager) is refused; the owner's click revokes at once.
  const before = bot.app.sandbox!.user(ISAIAH)!.sessionRevocations;
  const byManager = await personalClick(PATTI, 'notMe', reference, owner[0]!.conversationId);
  expect(JSON.stringify(byManager.value)).toContain(en.helpdesk.ownerNotice.notOwner);
  expect(bot.app.sandbox!.user(ISAIAH)!.sessionRevocations).toBe(before);

  const notMe = await personalClick(ISAIAH, 'notMe', reference, owner[0]!.conversationId);
  expect(JSON.stringify(notMe.value)).toContain('signed out everywhere');
  expect(bot.app.sandbox!.user(ISAIAH)!.sessionRevocations).toBe(before + 1);
  expect(channelTexts().some((t) => t.includes('URGENT') && t.includes(reference))).toBe(true);
  expect((await ticketOf(reference)).dispute).toMatchObject({ byObjectId: ISAIAH });
  const kinds = (await audit(reference)).map((r) => r.kind);
  expect(kinds).toEqual(expect.arrayContaining(['owner-notice', 'dispute', 'sessions-revoked', 'alert']));
  expect((await audit(reference)).filter((r) => r.kind === 'owner-notice').map((r) => r.detail.to)).toEqual(['owner', 'manager']);
});

test('Diego has no manager: nobody is asked, the evidence says so and the card is updated', async () => {
  const { reference } = await webRequest('web-manager-diego', 'diego.siciliani@contoso.example');
  expect(connector.created.filter((c) => connector.inConversation(c.id).some((p) => json(p).includes(reference)))).toEqual([]);
  expect((await ticketOf(reference)).manager).toMatchObject({ status: 'unavailable', reason: 'no-manager' });
  expect((await audit(reference)).find((r) => r.kind === 'manager-unavailable')?.detail.reason).toBe('no-manager');
  // The shared card was replaced after the evidence changed (H13 renders the evidence on it).
  const cardPosts = connector.inConversation(HELPDESK).filter((p) => json(p).includes(reference));
  expect(cardPosts.map((p) => p.method)).toEqual(['POST', 'PUT']);
});
