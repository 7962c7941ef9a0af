/**
 * The approver's evidence and the policy at the click, end to end over loopback with the default
 * REQUIRE_MANAGER_CONFIRMATION (unverified): one bot for the whole file, the sandbox tenant, clicks
 * as Teams invokes. The approver view names the directory's phones as the call-back numbers, never
 * the number in the request; a refused click is a 200 card with the reason.
 */
import en from '../../locales/en.json';
import { LoopbackConnector } from '../fakes/connector';
import { FixedClock } from '../fakes/ports';
import { HttpConversation, postCardAction, startBot, type RunningBot } from '../helpers/botServer';
import { ALEX, HELPDESK_SUITE_ENV, LEE, fileWebRequest, helpdeskChannel } from '../helpers/demoTenant';

const HELPDESK = '19:evidence0123456789abcdef@thread.tacv2';
const IN_CHANNEL = `${HELPDESK};messageid=1700000000000`;

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

function webRequest(conversation: string, address: string): Promise<string> {
  const c = new HttpConversation(bot.url, conversation, 'webchat', { serviceUrl: connector.url });
  return fileWebRequest((text) => c.say(text), address);
}

async function click(approver: string, verb: string, reference: string, extra: Record<string, unknown> = {}) {
  const { status, body } = await postCardAction(bot.url, { serviceUrl: connector.url, conversationId: IN_CHANNEL, approver, verb, data: { reference, ...extra } });
  expect(status).toBe(body.statusCode);
  return body;
}

/** The card as text, without the markdown escapes TextBlocks get. */
const cardText = (value: unknown) => JSON.stringify(value).replace(/\\/g, '');
const writesTo = (userId: string) => bot.app.sandbox!.requests.filter((r) => r.method !== 'GET' && r.path.includes(userId));

test("the approver view: the directory's phones to call back on, the request's number labelled as not for it, presence, no object id", async () => {
  const reference = await webRequest('web-evidence-view', 'alex.wilber@contoso.example');

  const shared = cardText(connector.inConversation(HELPDESK).find((c) => JSON.stringify(c.activity).includes(reference))!.activity);
  expect(shared).toContain(en.helpdesk.facts.callBack);
  expect(shared).not.toContain('+44 20 7946 0102'); // masked in the channel
  expect(shared).not.toMatch(/7400\s?123\s?456/);

  const view = await click(LEE, 'details', reference);
  expect(view).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  const card = cardText(view.value);
  expect(card).toContain(`"title":"${en.helpdesk.facts.callBack}","value":"+44 20 7946 0102 (business)"`);
  expect(card).toContain(`"title":"${en.helpdesk.facts.requestedNumber}","value":"+447400123456"`);
  expect(card).not.toMatch(/call-back check/);
  expect(card).toContain('Alex Wilber (alex.wilber@contoso.example)');
  expect(card).not.toContain(ALEX); // the Account field never shows the object id
  expect(card).toContain(en.helpdesk.presence.signedIn); // Alex is Available in Teams, the request came from web chat
  expect(card).toContain(en.helpdesk.level.unverified);
  expect(card).toContain('"verb":"override"');

  // Closed, so the next test's request for Alex is not a duplicate of this one (which waits for it).
  const denied = await click(LEE, 'deny', reference, { reason: 'Only looked at, in a test' });
  expect(cardText(denied.value)).toContain('Denied');
});

test('a refused click is a 200 card with the reason; an override with a reason lets the approver act; the card then shows the new number', async () => {
  const reference = await webRequest('web-evidence-refuse', 'alex.wilber@contoso.example');

  const refused = await click(LEE, 'replaceMobile', reference);
  expect(refused).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  expect(cardText(refused.value)).toContain(en.helpdesk.refusal['needs-manager-confirmation']);
  expect(writesTo(ALEX)).toEqual([]);

  const overridden = await click(LEE, 'override', reference, { overrideReason: 'Called back on +44 20 7946 0102, matched voice' });
  expect(cardText(overridden.value)).toContain('Called back on +44 20 7946 0102, matched voice'); // the approver's own view
  const trail = await bot.app.helpdesk.audit(reference);
  const override = trail.find((r) => r.kind === 'override')!;
  expect(override).toMatchObject({ actor: LEE, detail: { reasonLength: 46 } });
  expect(JSON.stringify(override)).not.toContain('7946 0102'); // digit runs masked by the audit's redaction
  expect(trail.filter((r) => r.kind === 'refusal').map((r) => r.detail.refusal)).toEqual(['needs-manager-confirmation']);

  const done = await click(LEE, 'replaceMobile', reference);
  const after = cardText(done.value);
  expect(after).toContain('Done by');
  expect(writesTo(ALEX).filter((r) => r.method === 'PATCH')).toHaveLength(1);
  // Re-read after the change: the replaced number (…34) is no longer listed as a registered method.
  const methods = after.slice(after.indexOf(en.helpdesk.methodsTitle));
  expect(methods).toContain('••56');
  expect(methods).not.toContain('••••••••34');
});
