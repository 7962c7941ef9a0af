/**
 * Several instances behind a load balancer, for real: two (later three) bot processes on their
 * own ports share one Azurite blob container, one Graph sandbox tenant and one Bot Framework
 * connector (all in this test process, on loopback). Turns alternate between the instances;
 * instances are killed with SIGKILL in the middle of conversations and with requests pending;
 * SIGTERM drains. Nothing may be lost, and nothing may be done twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import en from '../../locales/en.json';
import type { AuditRecord } from '../../src/core/audit';
import type { Ticket } from '../../src/core/tickets';
import { BlobStorage } from '../../src/infra/blobStorage';
import { StoredAudit } from '../../src/infra/storedAudit';
import { ticketKey } from '../../src/infra/ticketStore';
import { startGraphSandbox, type GraphSandbox } from '../../src/local/graphSandbox/graphSandbox';
import { loadTenantSeed } from '../../src/local/graphSandbox/tenant';
import { LoopbackConnector } from '../fakes/connector';
import { RecordingLog } from '../fakes/ports';
import { startAzurite, type Azurite } from '../helpers/azurite';
import { BotProcess, ensureBuilt, freePort } from '../helpers/botProcess';
import { HttpConversation, postCardAction, readable } from '../helpers/botServer';
import { ADELE, ALEX, ISAIAH, LEE, NEW_NUMBER, PATTI, fileWebRequest } from '../helpers/demoTenant';

jest.setTimeout(60_000);

const HELPDESK = '19:scaleHelpdesk0123456789@thread.tacv2';

let azurite: Azurite;
let sandbox: GraphSandbox;
let connector: LoopbackConnector;
let store: BlobStorage;
let env: Record<string, string>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-'));
const bots: BotProcess[] = [];

async function launch(name: string, extra: Record<string, string> = {}): Promise<BotProcess> {
  const bot = new BotProcess(name, await freePort(), { ...env, ...extra });
  bots.push(bot);
  await bot.start();
  return bot;
}

beforeAll(async () => {
  ensureBuilt();
  [azurite, sandbox] = await Promise.all([startAzurite(), startGraphSandbox({ seed: loadTenantSeed('sandbox/demo-tenant.json') })]);
  connector = new LoopbackConnector();
  await connector.start();
  const caFile = path.join(dir, 'sandbox-ca.pem');
  fs.writeFileSync(caFile, sandbox.caPem);
  const container = `scale-${Date.now().toString(36)}`;
  env = {
    STATE_STORE: 'blob',
    BLOB_CONNECTION_STRING: azurite.connectionString,
    BLOB_CONTAINER: container,
    SANDBOX_GRAPH_URL: sandbox.origin,
    SANDBOX_GRAPH_CA_FILE: caFile,
    SANDBOX_GRAPH_TOKEN: sandbox.token,
    HELPDESK_CONVERSATION_ID: HELPDESK,
    HELPDESK_SERVICE_URL: connector.url,
    REQUESTS_PER_REQUESTER_PER_HOUR: '100',
    REQUESTS_PER_CONVERSATION_PER_HOUR: '100',
    // Every test visitor posts from loopback with ids the portal never issued: one "unknown" client.
    REQUESTS_PER_CLIENT_ADDRESS_PER_HOUR: '1000',
    REQUESTS_PER_TARGET_DOMAIN_PER_HOUR: '1000',
    EXPIRY_SWEEP_SECONDS: '1',
    GRAPH_MAX_RETRY_SECONDS: '3',
    // About instances sharing a store; the evidence policy is tested in test/server/evidence.test.ts.
    REQUIRE_MANAGER_CONFIRMATION: 'never',
    LOG_LEVEL: 'info',
    SHUTDOWN_DRAIN_SECONDS: '0',
  };
  store = await BlobStorage.open({ connectionString: azurite.connectionString, container });
}, 60_000);

afterAll(async () => {
  await Promise.all(bots.filter((b) => b.running).map((b) => b.kill('SIGKILL')));
  await connector?.stop();
  await sandbox?.close();
  await azurite?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A conversation whose turns a load balancer spreads over the given instances in turn. */
class Spread {
  private turn = 0;
  constructor(
    private readonly instances: () => BotProcess[],
    readonly id: string,
    private readonly channelId = 'webchat',
    private readonly extra: Record<string, unknown> = {},
  ) {}

  say(text: string) {
    const live = this.instances();
    const bot = live[this.turn++ % live.length]!;
    return new HttpConversation(bot.url, this.id, this.channelId, { serviceUrl: connector.url, ...this.extra }).say(text);
  }
}

/** The personal-account walk, each answer checked. */
async function personalWalk(c: Spread): Promise<void> {
  await c.say('hi');
  expect(readable(await c.say('personal'))).toContain(en.diagnosis.ask.slice(0, 40));
  expect(readable(await c.say('old phone gone'))).toContain(en.personal.canSignIn.slice(0, 40));
  expect(readable(await c.say('yes'))).toContain(en.personal.intro.slice(0, 30));
}

/** A web visitor's escalation for a work account; returns the reference. */
function fileRequest(c: Spread, address: string): Promise<string> {
  return fileWebRequest((text) => c.say(text), address);
}

async function click(bot: BotProcess, approver: string, verb: string, reference: string): Promise<string> {
  const { body } = await postCardAction(bot.url, { serviceUrl: connector.url, conversationId: `${HELPDESK};messageid=1700000000000`, approver, verb, data: { reference } });
  return JSON.stringify(body);
}

const patches = (userId: string) => sandbox.requests.filter((r) => r.method === 'PATCH' && r.path.includes(userId));
const audit = (reference: string): Promise<AuditRecord[]> => new StoredAudit(store, new RecordingLog()).list(reference);
const posts = (conversation: string) => connector.inConversation(conversation).map((c) => String(c.activity.text ?? ''));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('two instances sharing one Azurite container', () => {
  let a: BotProcess;
  let b: BotProcess;
  const pair = () => [a, b].filter((x) => x.running);

  beforeAll(async () => {
    [a, b] = await Promise.all([launch('bot-a'), launch('bot-b')]);
  }, 60_000);

  test('many conversations, every turn on the other instance, all complete correctly', async () => {
    const conversations = Array.from({ length: 12 }, (_, i) => new Spread(pair, `alt-${i}-${Date.now()}`));
    await Promise.all(conversations.map((c) => personalWalk(c)));
    // Teams personal chats too: their ids are long and full of ':' and '@'.
    const teams = Array.from({ length: 4 }, (_, i) => {
      const id = `a:1${'Xy9-_'.repeat(24)}${i}${Date.now()}`;
      return new Spread(pair, id, 'msteams', {
        conversation: { id, conversationType: 'personal', tenantId: 'tenant-1' },
        from: { id: `29:user${i}`, aadObjectId: `11111111-2222-3333-4444-00000000000${i}` },
      });
    });
    await Promise.all(
      teams.map(async (c) => {
        await c.say('hi');
        await c.say('yes');
        await c.say('old phone gone');
        expect(readable(await c.say('no'))).toContain(en.intake.askOldNumber);
        expect(readable(await c.say('skip'))).toContain('new mobile number');
        expect(readable(await c.say(NEW_NUMBER))).toContain(en.intake.askFix);
      }),
    );
    // Both instances served turns.
    for (const bot of [a, b]) expect(bot.jsonLogs().length).toBeGreaterThan(0);
  });

  test('two approvals clicked on different instances at the same moment: one Graph write, one "already handled"', async () => {
    const requester = new Spread(pair, `race-${Date.now()}`);
    const reference = await fileRequest(requester, 'adele.vance@contoso.example');
    const before = patches(ADELE).length;
    const answers = await Promise.all([click(a, LEE, 'replaceMobile', reference), click(b, PATTI, 'replaceMobile', reference)]);
    expect(patches(ADELE).length - before).toBe(1);
    // Both admins are shown the one outcome, naming the one admin who carried it out.
    const winners = new Set(answers.flatMap((x) => [.../(?:Done by|approved by) (Admin [0-9a-f]{4})/.exec(x)?.slice(1) ?? []]));
    expect(winners.size).toBe(1);
    const trail = await audit(reference);
    expect(trail.filter((r) => r.kind === 'approval')).toHaveLength(1);
    await until(() => posts(requester.id).some((t) => t.includes(`Update on your request ${reference}`)));
    expect(posts(requester.id).filter((t) => t.includes(`Update on your request ${reference}`))).toHaveLength(1);
  });
});

describe('an instance killed with SIGKILL', () => {
  test('conversations and a pending request continue on the survivor and on the restarted instance; nothing runs twice', async () => {
    const doomed = await launch('bot-doomed');
    const survivor = await launch('bot-survivor');
    let live: BotProcess[] = [doomed, survivor];
    const spread = () => live;

    // Mid-conversation on both, and a request pending, when the first instance dies.
    const walkers = Array.from({ length: 6 }, (_, i) => new Spread(spread, `kill-${i}-${Date.now()}`));
    await Promise.all(walkers.map(async (c) => {
      await c.say('hi');
      expect(readable(await c.say('personal'))).toContain(en.diagnosis.ask.slice(0, 40));
    }));
    const requester = new Spread(spread, `kill-request-${Date.now()}`);
    const reference = await fileRequest(requester, 'alex.wilber@contoso.example');

    expect(await doomed.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    live = [survivor];

    await Promise.all(walkers.map(async (c) => {
      expect(readable(await c.say('old phone gone'))).toContain(en.personal.canSignIn.slice(0, 30));
      expect(readable(await c.say('yes'))).toContain(en.personal.intro.slice(0, 30));
    }));
    const before = patches(ALEX).length;
    expect(await click(survivor, LEE, 'replaceMobile', reference)).toContain('mobile number replaced');
    expect(patches(ALEX).length - before).toBe(1);

    // The killed instance comes back (same settings) and picks up where anyone left off.
    const reborn = await launch('bot-doomed-restarted');
    live = [reborn, survivor];
    const late = new Spread(spread, `kill-late-${Date.now()}`);
    await personalWalk(late);
    expect(await click(reborn, PATTI, 'replaceMobile', reference)).toMatch(/Done by/);
    expect(patches(ALEX).length - before).toBe(1);
    await until(() => posts(requester.id).some((t) => t.includes(`Update on your request ${reference}`)));
    expect(posts(requester.id).filter((t) => t.includes(`Update on your request ${reference}`))).toHaveLength(1);
    await Promise.all([reborn.kill('SIGKILL'), survivor.kill('SIGKILL')]);
  });

  test('a request whose instance is gone still expires, and the requester is told exactly once', async () => {
    const taker = await launch('bot-taker', { EXPIRY_SWEEP_SECONDS: '0' });
    const requester = new Spread(() => [taker], `expire-${Date.now()}`);
    const reference = await fileRequest(requester, 'adele.vance@contoso.example');
    await taker.kill('SIGKILL');

    // Time passes: the request is now overdue (written the way the instances write it, eTag-checked).
    const key = ticketKey(reference);
    const stored = (await store.read([key]))[key] as { ticket: Ticket; eTag: string };
    await store.write({ [key]: { ticket: { ...stored.ticket, expiresAt: new Date(Date.now() - 60_000).toISOString() }, eTag: stored.eTag } });

    // Two instances sweep every second; each sees the overdue request.
    const sweepers = await Promise.all([launch('bot-sweep-1'), launch('bot-sweep-2')]);
    const expiredNotice = (t: string) => t.includes(reference) && t.includes('expired');
    await until(() => posts(requester.id).some(expiredNotice));
    await new Promise((resolve) => setTimeout(resolve, 2500)); // a few more sweeps by both
    expect(posts(requester.id).filter(expiredNotice)).toHaveLength(1);
    const trail = await audit(reference);
    expect(trail.filter((r) => r.kind === 'expiry')).toHaveLength(1);
    expect(trail.filter((r) => r.kind === 'notification')).toHaveLength(1);
    await Promise.all(sweepers.map((s) => s.kill('SIGKILL')));
  });
});

describe('operations', () => {
  test('SIGTERM: /readyz 503 and new turns refused while draining, the turn in flight answers, exit 0', async () => {
    const bot = await launch('bot-term', { SHUTDOWN_DRAIN_SECONDS: '1' });
    const id = `a:1term${Date.now()}`;
    const teams = new HttpConversation(bot.url, id, 'msteams', {
      serviceUrl: connector.url,
      from: { id: `29:${ISAIAH}`, aadObjectId: ISAIAH },
      conversation: { id, conversationType: 'personal' },
    });
    await teams.say('hi');
    await teams.say('Yes');
    // Graph makes the next turn wait (429, Retry-After 2 s): it is in flight when SIGTERM arrives.
    sandbox.injectFault({ status: 429, retryAfterSeconds: 2, times: 1, method: 'GET' });
    const inFlight = teams.say('old phone gone');
    // Well inside the 2 s the turn waits on Graph, so it is surely in flight when SIGTERM lands.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const exited = bot.kill('SIGTERM');

    await until(async () => (await fetch(`${bot.url}/readyz`)).status === 503, 3000);
    const refused = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(new HttpConversation(bot.url, `term-new-${Date.now()}`).activity({ text: 'hi' })),
    });
    expect(refused.status).toBe(503);
    expect(readable(await inFlight)).toContain(en.diagnosis.whichUsable.slice(0, 30));
    // An expectReplies turn is answered in its HTTP response: no typing indicator goes to the
    // serviceUrl, however long Graph makes it wait (test/server/typing.test.ts covers the channel case).
    expect(connector.inConversation(id).map((c) => c.activity.type)).not.toContain('typing');
    expect(await exited).toEqual({ code: 0, signal: null });
    const messages = bot.jsonLogs().map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    expect(bot.jsonLogs().every((l) => l.instance === 'bot-term')).toBe(true);
  });

  test('an unreachable store stops start-up with a clear message (and no key in it)', async () => {
    const port = await freePort();
    const bot = new BotProcess('bot-nostore', await freePort(), {
      ...env,
      BLOB_STARTUP_TIMEOUT_SECONDS: '2',
      BLOB_CONNECTION_STRING: azurite.connectionString.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`),
    });
    await expect(bot.start(20_000)).rejects.toThrow(/did not become ready/);
    expect(await bot.waitForExit()).toEqual({ code: 1, signal: null });
    const output = bot.logs.join('');
    expect(output).toContain('Cannot reach Azure Blob Storage');
    expect(output).toContain(`127.0.0.1:${port}`);
    expect(output).not.toContain('AccountKey');
    expect(output).not.toContain(azurite.connectionString.split('AccountKey=')[1]!.slice(0, 20));
  });
});
