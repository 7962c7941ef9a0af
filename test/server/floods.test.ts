/**
 * Floods over real HTTP on loopback: one client rotating user ids, conversation ids and even its
 * IPv6 interface id gets exactly the per-address cap of new helpdesk requests, then a clear
 * refusal, and the helpdesk channel one summary line; TRUSTED_PROXY_HOPS decides whose address
 * counts; and a second visitor asking about an account with an open request cannot tell.
 * Tokens come from the portal's endpoint, as Web Chat gets them; the turns go to /api/messages
 * with the user id the token was bound to (what Direct Line would deliver).
 */
import en from '../../locales/en.json';
import { LoopbackConnector } from '../fakes/connector';
import { HttpConversation, readable, startBot, type ActivityJson, type RunningBot } from '../helpers/botServer';
import { NEW_NUMBER } from '../helpers/demoTenant';

const HELPDESK = '19:floods0helpdesk@thread.tacv2';
const STEPS = ['hi', 'work', 'old phone gone', 'no', '<address>', 'skip', NEW_NUMBER, 'Register my new number', 'Send it'];
const REFERENCE = /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/g;

let connector: LoopbackConnector;
/** Behind one trusted proxy (App Service): the client is the last X-Forwarded-For entry. */
let proxied: RunningBot;

beforeAll(async () => {
  connector = new LoopbackConnector();
  await connector.start();
  proxied = await startBot({
    HELPDESK_CONVERSATION_ID: HELPDESK,
    HELPDESK_SERVICE_URL: connector.url,
    TRUSTED_PROXY_HOPS: '1',
    TOKEN_REQUESTS_PER_MINUTE: '30',
    EXPIRY_SWEEP_SECONDS: '0',
    LOG_LEVEL: 'info',
  });
});
afterAll(async () => {
  await proxied.stop();
  await connector.stop();
});

async function token(bot: RunningBot, forwardedFor?: string): Promise<{ status: number; userId?: string; conversationId?: string }> {
  const res = await fetch(`${bot.url}/api/directline/token`, { method: 'POST', headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
  const body = (await res.json()) as { userId?: string; conversationId?: string };
  return { status: res.status, ...body };
}

/** A new visitor (fresh token, so a fresh user id and conversation) files a request; returns every reply. */
async function visitor(forwardedFor: string, address: string): Promise<ActivityJson[]> {
  const issued = await token(proxied, forwardedFor);
  expect(issued.status).toBe(200);
  const chat = new HttpConversation(proxied.url, issued.conversationId!, 'webchat', { from: { id: issued.userId }, serviceUrl: connector.url });
  const replies: ActivityJson[] = [];
  for (const step of STEPS) replies.push(...(await chat.say(step === '<address>' ? address : step)));
  return replies;
}

const helpdeskPosts = () => connector.inConversation(HELPDESK).filter((c) => c.method === 'POST');

test('one client rotating user, conversation and interface ids in its /64: exactly the cap is created, the rest refused, one summary line', async () => {
  const answers: string[] = [];
  // A bounded loop: the default cap (20) and a few more.
  for (let i = 1; i <= 24; i += 1) answers.push(readable(await visitor(`2001:db8:7:7::${i.toString(16)}`, `person${i}@flood${i}.example`)));

  expect(answers.slice(0, 20).every((a) => a.includes('sent your request to the helpdesk'))).toBe(true);
  for (const refused of answers.slice(20)) {
    expect(refused).toContain(en.intake.limit['client-address-hourly-cap']);
    expect(refused).not.toMatch(REFERENCE);
  }
  const cards = helpdeskPosts().filter((c) => Array.isArray(c.activity.attachments));
  expect(cards).toHaveLength(20);
  const summaries = helpdeskPosts().filter((c) => String(c.activity.text ?? '').startsWith('Request cap reached'));
  expect(summaries).toHaveLength(1);
  expect(summaries[0]!.activity.text).toMatch(/^Request cap reached: 20 requests in the last hour from one web-chat address or Teams user; further requests from it are refused until \d\d:\d\d UTC\.$/);

  // Another client is not affected.
  expect(readable(await visitor('198.51.100.20', 'someone@elsewhere.example'))).toContain('sent your request to the helpdesk');
}, 60_000);

test('behind one trusted proxy, what a client writes into X-Forwarded-For does not make it someone else', async () => {
  // The client claims a fresh address; the proxy appends the one it saw (inside the flooded /64).
  const answer = readable(await visitor('192.0.2.77, 2001:db8:7:7::abcd', 'late@flood.example'));
  expect(answer).toContain(en.intake.limit['client-address-hourly-cap']);
  // Only one summary line per cap per hour, however many are refused.
  expect(helpdeskPosts().filter((c) => String(c.activity.text ?? '').startsWith('Request cap reached'))).toHaveLength(1);
}, 30_000);

test('TRUSTED_PROXY_HOPS=1 gives each forwarded client its own token allowance', async () => {
  for (let i = 0; i < 30; i += 1) expect((await token(proxied, '192.0.2.31')).status).toBe(200);
  expect((await token(proxied, '192.0.2.31')).status).toBe(429);
  expect((await token(proxied, '192.0.2.32')).status).toBe(200);
});

test('TRUSTED_PROXY_HOPS=0 (the default): a forged X-Forwarded-For is ignored, the socket address counts', async () => {
  const direct = await startBot({ TOKEN_REQUESTS_PER_MINUTE: '1', LOG_LEVEL: 'info' });
  try {
    expect((await token(direct, '198.51.100.1')).status).toBe(200);
    expect((await token(direct, '198.51.100.2')).status).toBe(429);
  } finally {
    await direct.stop();
  }
});

test('two web visitors asking about the same account get indistinguishable answers; the helpdesk sees the duplicate', async () => {
  const shape = (replies: ActivityJson[]) =>
    JSON.stringify(replies.map((a) => ({ type: a.type, text: a.text, attachments: a.attachments, suggestedActions: a.suggestedActions, inputHint: a.inputHint }))).replace(
      REFERENCE,
      'HD-….',
    );
  const first = await visitor('192.0.2.101', 'pat.doe@indistinct.example');
  const second = await visitor('192.0.2.102', 'pat.doe@indistinct.example');
  expect(shape(second)).toEqual(shape(first));

  const [firstRef, secondRef] = [readable(first).match(REFERENCE)!.at(-1)!, readable(second).match(REFERENCE)!.at(-1)!];
  expect(secondRef).not.toBe(firstRef);
  const card = (ref: string) => JSON.stringify(helpdeskPosts().find((c) => JSON.stringify(c.activity).includes(`Sign-in help request ${ref}`))?.activity ?? {});
  expect(card(secondRef)).toContain('Duplicate of');
  expect(card(secondRef)).toContain(firstRef);
  expect(card(firstRef)).not.toContain('Duplicate of');
}, 30_000);
