/**
 * `npm run bench`: how fast and how lean the real bot is, measured against the floor the
 * framework sets. See bench/README.md for what each figure means.
 *
 * This process is only the load generator and the bot's surroundings (the Graph sandbox tenant
 * and a loopback Bot Framework connector, both observable here). The real bot, the bare echo bot
 * and Azurite run as child processes, so they never share this process's CPU time.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { startGraphSandbox, type GraphSandbox } from '../src/local/graphSandbox/graphSandbox';
import { loadTenantSeed } from '../src/local/graphSandbox/tenant';
import { TimedConnector } from './connector';
import { IDLE_MIDWAY, PERSONAL_WALK, WORK_WALK, escalationIntake, fixedPart, readable, type ActivityJson } from './conversation';
import { BotClient, Errors, driveConversations, driveEcho, openConversations, playTurn, type ChatOptions, type PhaseResult } from './load';
import { collectGarbage, openInspector } from './inspector';
import { measureColdStart, type ColdStartResult } from './coldStart';
import { Child, accepts, answers200, cpuTimeMs, freePort, projectRoot, startOptions } from './processes';
import { summarise } from './profileSummary';
import { median, percentile, round, sum } from './stats';

// ---- targets the project set itself -------------------------------------------------------------
const TARGETS = {
  fullToEchoRatio: 0.6,
  fullP99Ms: 30,
  kibPerIdleConversation: 3,
  approveToNotifyP50Ms: 150,
  /** Spawn of `node dist/src/index.js` to its first 200 from /healthz. */
  coldStartMs: 2000,
};

// ---- the sandbox tenant (sandbox/README.md) -----------------------------------------------------
const HELPDESK = '19:benchhelpdesk0123456789@thread.tacv2';
/** Lee Gu, Authentication Administrator: may approve for the non-admin users below. */
const APPROVER = '40614aca-a9c8-4628-9699-d36ea2979204';
/** Non-admin accounts other than the approver; each request is approved, so the account is free again. */
const ESCALATION_TARGETS = [
  { id: 'cd4fd39b-6bec-4cfd-b123-003ac4aab3fa', upn: 'adele.vance@contoso.example' },
  { id: '9480522c-6ff4-4afa-ab69-cff57a0e3c83', upn: 'alex.wilber@contoso.example' },
  { id: '9a308e76-6cb8-4bf3-bb41-274a7025dc02', upn: 'diego.siciliani@contoso.example' },
  { id: '824ddde4-be32-4fd3-8951-b3d5817272d2', upn: 'johanna.lorenz@contoso.example' },
  { id: 'c5ab1e4c-dabf-4f7c-923c-9386a627cd04', upn: 'isaiah.langer@contoso.example' },
];
/** Azurite's published development account (https://github.com/Azure/Azurite#default-storage-account). */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const BLOB_CONTAINER = 'bench-state';
/** An unreachable service URL: expectReplies answers in the HTTP response and needs none. */
const NOWHERE = 'http://127.0.0.1:9';

type Store = 'sqlite' | 'blob';
type Phase = 'coldstart' | 'throughput' | 'memory' | 'escalation';
const PHASES: Phase[] = ['coldstart', 'throughput', 'memory', 'escalation'];

interface Options {
  quick: boolean;
  connections: number;
  stores: Store[];
  phases: Phase[];
  warmupSeconds: number;
  rounds: number;
  roundSeconds: number;
  /** Per store: Azurite slows as its in-memory container grows, so blob opens fewer by default. */
  idleConversations: Record<Store, number>;
  settleSeconds: number;
  escalations: number;
  coldStarts: number;
  cpuProfDir?: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      connections: { type: 'string', default: '10' },
      store: { type: 'string', default: 'sqlite' },
      phases: { type: 'string', default: PHASES.join(',') },
      rounds: { type: 'string' },
      'round-seconds': { type: 'string' },
      idle: { type: 'string' },
      escalations: { type: 'string' },
      'cold-starts': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'cpu-prof-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm run bench -- [--quick] [--connections=10] [--store=sqlite|blob|both] [--phases=coldstart,throughput,memory,escalation]',
        '                 [--rounds=N] [--round-seconds=S] [--idle=N] [--escalations=N] [--cold-starts=N] [--cpu-prof [--cpu-prof-dir=DIR]]',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const positive = (name: string, value: string | undefined, fallback: number): number => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
    return n;
  };
  const stores: Store[] = values.store === 'both' ? ['sqlite', 'blob'] : values.store === 'blob' ? ['blob'] : values.store === 'sqlite' ? ['sqlite'] : [];
  if (stores.length === 0) throw new Error(`--store must be sqlite, blob or both, got ${values.store}`);
  const phases = values.phases.split(',').map((p) => p.trim()) as Phase[];
  for (const p of phases) if (!PHASES.includes(p)) throw new Error(`unknown phase ${p}`);
  const quick = values.quick;
  return {
    quick,
    connections: Math.round(positive('connections', values.connections, 10)),
    stores,
    phases,
    warmupSeconds: quick ? 0.5 : 3,
    rounds: Math.round(positive('rounds', values.rounds, quick ? 1 : 5)),
    roundSeconds: positive('round-seconds', values['round-seconds'], quick ? 1.5 : 5),
    idleConversations: {
      sqlite: Math.round(positive('idle', values.idle, quick ? 200 : 5000)),
      blob: Math.round(positive('idle', values.idle, quick ? 200 : 2000)),
    },
    settleSeconds: quick ? 0.5 : 3,
    escalations: Math.round(positive('escalations', values.escalations, quick ? 3 : 20)),
    coldStarts: Math.round(positive('cold-starts', values['cold-starts'], quick ? 2 : 7)),
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof-dir'] ?? path.join(os.tmpdir(), `bench-prof-${Date.now()}`)) : undefined,
  };
}

// ---- results ----------------------------------------------------------------------------------------
interface Throughput {
  turns: number;
  conversations: number;
  seconds: number;
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  perRound: number[];
}

interface StoreResult {
  store: Store;
  echo?: Throughput;
  full?: Throughput;
  ratio?: number;
  ratioPerRound?: number[];
  /**
   * CPU time (user + system, /proc) each target's process spent per turn over the measured rounds,
   * in µs, and echo's over full's per round: what each turn costs, which other work on a shared
   * machine moves far less than it moves turns per second. Absent where there is no /proc.
   */
  cpuPerTurn?: { echoUs: number; fullUs: number; ratio: number; ratioPerRound: number[] };
  memory?: {
    conversations: number;
    turnsEach: number;
    settleSeconds: number;
    /** VmRSS after a forced full GC, before the conversations were opened. */
    rssBeforeKiB: number;
    /** VmRSS after the settle, no GC forced: what `ps` would show. */
    rssAfterSettleKiB: number;
    /** VmRSS after a forced full GC: what the conversations really hold. */
    rssAfterGcKiB: number;
    heapUsedBeforeKiB: number;
    heapUsedAfterKiB: number;
    /** Heap V8 keeps committed, and memory outside it (Buffers, native addons' own allocations are not counted). */
    heapTotalBeforeKiB: number;
    heapTotalAfterKiB: number;
    externalBeforeKiB: number;
    externalAfterKiB: number;
    /** (rssAfterGc - rssBefore) / conversations: the figure held against the target. */
    kibPerConversation: number;
    kibPerConversationNoGc: number;
    heapKibPerConversation: number;
  };
  escalation?: {
    requests: number;
    clickToGraphWriteMs: { p50: number; p90: number; max: number };
    clickToNotificationMs: { p50: number; p90: number; max: number };
    clickToInvokeResponseMs: { p50: number; p90: number; max: number };
    graphWrites: string[];
  };
  storeCheck: string;
  botErrorLogLines: number;
  profile?: string;
}

function throughput(phases: PhaseResult[]): Throughput {
  const turns = phases.reduce((n, p) => n + p.turns, 0);
  const seconds = phases.reduce((n, p) => n + p.seconds, 0);
  const latencies = phases.flatMap((p) => p.latenciesMs);
  return {
    turns,
    conversations: phases.reduce((n, p) => n + p.conversations, 0),
    seconds: round(seconds, 2),
    turnsPerSecond: round(turns / seconds, 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    perRound: phases.map((p) => round(p.turns / p.seconds, 1)),
  };
}

const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a ' : ok ? 'PASS' : 'MISS');
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

// ---- the bench ---------------------------------------------------------------------------------------
async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const root = projectRoot();
  const runId = randomBytes(3).toString('hex');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const errors = new Errors();
  const children: Child[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const interrupted = () => {
    process.stderr.write('\ninterrupted: stopping the children\n');
    void Promise.allSettled(children.map((c) => c.stop(2000))).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadavgAtStart: os.loadavg().map((x) => round(x)),
    /** Share of all cores busy during one second before the run, with the bench itself idle. */
    cpuBusyBeforeStart: round(await cpuBusyShare(1000), 2),
    loadavgAtEnd: [] as number[],
  };
  process.stdout.write(
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadavgAtStart.join(' ')}, ${Math.round(machine.cpuBusyBeforeStart * 100)}% CPU busy before the start\n` +
      `Run ${runId}: ${options.quick ? 'QUICK (smoke test of the bench; figures are not meaningful) ' : ''}` +
      `${options.connections} connections, stores ${options.stores.join('+')}, phases ${options.phases.join(',')}\n`,
  );
  // The load average still carries the build that just ran, so idleness is judged by a fresh sample.
  if (machine.cpuBusyBeforeStart > 0.15) {
    process.stdout.write(`WARNING: the machine is not idle (${Math.round(machine.cpuBusyBeforeStart * 100)}% of the CPU busy before the start): throughput and latency will read low; rerun when it is quiet\n`);
  }
  if (options.cpuProfDir) process.stdout.write(`CPU profiles of the bot child go to ${options.cpuProfDir} (profiling slows the bot: read ratios, not absolute figures)\n`);

  const results: StoreResult[] = [];
  let coldStart: ColdStartResult | undefined;
  let failure: Error | undefined;
  try {
    // First, while nothing else of the bench runs yet.
    if (options.phases.includes('coldstart')) {
      process.stdout.write(`\n== cold start: ${options.coldStarts} × (node dist/src/index.js, npm start), alternating\n`);
      coldStart = await measureColdStart(root, work, options.coldStarts, (line) => process.stdout.write(`${line}\n`));
    }
    // The tenant, in this process so every Graph request the bot makes can be timed here.
    const sandbox = await startGraphSandbox({ seed: loadTenantSeed(path.join(root, 'sandbox', 'demo-tenant.json')) });
    cleanups.push(() => sandbox.close());
    const caFile = path.join(work, 'sandbox-ca.pem');
    fs.writeFileSync(caFile, sandbox.caPem);
    const graphWrites = observeSandboxWrites(sandbox);

    const connector = new TimedConnector();
    await connector.start();
    cleanups.push(() => connector.stop());

    const echoPort = await freePort();
    const echo = Child.spawn({
      name: 'echo bot',
      command: process.execPath,
      args: ['--disable-warning=DEP0111', path.join(root, 'dist', 'bench', 'echoBot.js'), `--port=${echoPort}`],
      env: { PATH: process.env.PATH ?? '' },
      cwd: work,
      logFile: path.join(work, 'echo.log'),
    });
    children.push(echo);
    await echo.waitUntil(() => answers200(`http://127.0.0.1:${echoPort}/healthz`), 15_000);
    const echoClient = new BotClient('echo', `http://127.0.0.1:${echoPort}`, options.connections);
    cleanups.push(() => echoClient.close());

    let blobConnection: string | undefined;
    if (options.stores.includes('blob')) {
      const blobPort = await freePort();
      const azurite = Child.spawn({
        name: 'Azurite',
        command: path.join(root, 'node_modules', '.bin', 'azurite-blob'),
        args: ['--blobHost', '127.0.0.1', '--blobPort', String(blobPort), '--inMemoryPersistence', '--disableTelemetry', '--silent', '--skipApiVersionCheck'],
        env: { PATH: process.env.PATH ?? '' },
        cwd: work,
        logFile: path.join(work, 'azurite.log'),
      });
      children.push(azurite);
      await azurite.waitUntil(() => accepts(blobPort), 20_000);
      blobConnection = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT};`;
    }

    let numberSeq = 100000;
    for (const store of options.stores) {
      const port = await freePort();
      const sqlitePath = path.join(work, `bot-${store}.sqlite`);
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        STATE_STORE: store,
        SQLITE_PATH: sqlitePath,
        EXPIRY_SWEEP_SECONDS: '0',
        SANDBOX_GRAPH_URL: sandbox.origin,
        SANDBOX_GRAPH_CA_FILE: caFile,
        SANDBOX_GRAPH_TOKEN: sandbox.token,
        HELPDESK_CONVERSATION_ID: HELPDESK,
        HELPDESK_SERVICE_URL: connector.url,
        // The escalations come from one loopback client with ids the portal never issued.
        REQUESTS_PER_CLIENT_ADDRESS_PER_HOUR: '1000',
        REQUESTS_PER_TARGET_DOMAIN_PER_HOUR: '1000',
        // The escalation phase times approve → Graph → notify, not the evidence policy (issue 12):
        // an unverified web-chat request would otherwise wait for the manager's "Yes".
        REQUIRE_MANAGER_CONFIRMATION: 'never',
      };
      if (store === 'blob') Object.assign(env, { BLOB_CONNECTION_STRING: blobConnection!, BLOB_CONTAINER });
      const profDir = options.cpuProfDir ? path.join(options.cpuProfDir, store) : undefined;
      // Opens nothing until the memory phase sends SIGUSR1 (see inspector.ts).
      const inspectPort = await freePort();
      const bot = Child.spawn({
        name: `bot (${store})`,
        command: process.execPath,
        args: [
          ...startOptions(root),
          `--inspect-port=127.0.0.1:${inspectPort}`,
          ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
          path.join(root, 'dist', 'src', 'index.js'),
        ],
        env,
        cwd: work,
        logFile: path.join(work, `bot-${store}.log`),
      });
      children.push(bot);
      const origin = `http://127.0.0.1:${port}`;
      await bot.waitUntil(() => answers200(`${origin}/readyz`), 30_000);
      const botClient = new BotClient(`bot(${store})`, origin, options.connections);
      const result: StoreResult = { store, storeCheck: '', botErrorLogLines: 0 };
      results.push(result);
      process.stdout.write(`\n== ${store} store: bot pid ${bot.pid} on ${origin}, echo pid ${echo.pid}\n`);

      const webchat = (conversationId: string, userId: string, serviceUrl = NOWHERE): ChatOptions => ({ channelId: 'webchat', conversationId, userId, serviceUrl });
      const full = (label: string, seconds: number) =>
        driveConversations(botClient, {
          connections: options.connections,
          seconds,
          scripts: [PERSONAL_WALK, WORK_WALK],
          chat: (w, seq) => webchat(`full-${runId}-${store}-${label}-${w}-${seq}`, `user-${runId}-${store}-${label}-${w}-${seq}`),
          errors,
        });
      const floor = (label: string, seconds: number) =>
        driveEcho(echoClient, { connections: options.connections, seconds, chat: (w) => webchat(`echo-${runId}-${label}-${w}`, `echo-user-${w}`), errors });
      const assertNoErrors = (phase: string) => {
        if (errors.count > 0) throw new Error(`${errors.count} error(s) during ${phase} (${store}):\n  ${errors.samples.join('\n  ')}`);
      };

      if (options.phases.includes('throughput')) {
        process.stdout.write(`warm-up: ${options.warmupSeconds} s echo + ${options.warmupSeconds} s full conversation (discarded)\n`);
        await floor('warm', options.warmupSeconds);
        await full('warm', options.warmupSeconds);
        assertNoErrors('the warm-up');
        const echoRounds: PhaseResult[] = [];
        const fullRounds: PhaseResult[] = [];
        const echoCpuMs: (number | undefined)[] = [];
        const fullCpuMs: (number | undefined)[] = [];
        const cpuOf = async (pid: number, phase: Promise<PhaseResult>, into: (number | undefined)[]): Promise<PhaseResult> => {
          const before = cpuTimeMs(pid);
          const result = await phase;
          const after = cpuTimeMs(pid);
          into.push(before === undefined || after === undefined ? undefined : after - before);
          return result;
        };
        for (let r = 0; r < options.rounds; r += 1) {
          echoRounds.push(await cpuOf(echo.pid, floor(`r${r}`, options.roundSeconds), echoCpuMs));
          fullRounds.push(await cpuOf(bot.pid, full(`r${r}`, options.roundSeconds), fullCpuMs));
          const e = echoRounds.at(-1)!;
          const f = fullRounds.at(-1)!;
          const perTurn = (ms: number | undefined, turns: number) => (ms === undefined ? '' : `, ${fmt((ms * 1000) / turns, 0)} µs CPU a turn`);
          process.stdout.write(
            `  round ${r + 1}/${options.rounds}: echo ${fmt(e.turns / e.seconds, 0)} turns/s${perTurn(echoCpuMs.at(-1), e.turns)}, full ${fmt(f.turns / f.seconds, 0)} turns/s${perTurn(fullCpuMs.at(-1), f.turns)}\n`,
          );
          assertNoErrors(`round ${r + 1}`);
        }
        result.echo = throughput(echoRounds);
        result.full = throughput(fullRounds);
        result.ratio = round(result.full.turnsPerSecond / result.echo.turnsPerSecond, 3);
        result.ratioPerRound = fullRounds.map((f, i) => round(f.turns / f.seconds / (echoRounds[i]!.turns / echoRounds[i]!.seconds), 3));
        if (echoCpuMs.every((x) => x !== undefined) && fullCpuMs.every((x) => x !== undefined)) {
          const us = (ms: number[], phases: PhaseResult[]) => (sum(ms) * 1000) / sum(phases.map((p) => p.turns));
          const echoUs = us(echoCpuMs as number[], echoRounds);
          const fullUs = us(fullCpuMs as number[], fullRounds);
          result.cpuPerTurn = {
            echoUs: round(echoUs, 1),
            fullUs: round(fullUs, 1),
            ratio: round(echoUs / fullUs, 3),
            ratioPerRound: fullRounds.map((f, i) => round((echoCpuMs[i]! / echoRounds[i]!.turns) / (fullCpuMs[i]! / f.turns), 3)),
          };
        }
      }

      if (options.phases.includes('escalation')) {
        const timings: { graph: number; notify: number; response: number; write: string }[] = [];
        // The first request warms the bot's Graph connection and code paths; it is not counted.
        for (let i = 0; i <= options.escalations; i += 1) {
          const target = ESCALATION_TARGETS[i % ESCALATION_TARGETS.length]!;
          numberSeq += 1;
          const digits = `447400${numberSeq}`;
          const t = await escalate({
            bot: botClient,
            connector,
            sandbox,
            graphWrites,
            target,
            newNumber: `+44 7400 ${numberSeq}`,
            digits,
            chat: webchat(`esc-${runId}-${store}-${i}`, `visitor-${runId}-${store}-${i}`, connector.url),
          });
          if (i > 0) timings.push(t);
        }
        const stat = (xs: number[]) => ({ p50: round(median(xs)), p90: round(percentile(xs, 90)), max: round(Math.max(...xs)) });
        result.escalation = {
          requests: timings.length,
          clickToGraphWriteMs: stat(timings.map((t) => t.graph)),
          clickToNotificationMs: stat(timings.map((t) => t.notify)),
          clickToInvokeResponseMs: stat(timings.map((t) => t.response)),
          graphWrites: [...new Set(timings.map((t) => t.write))],
        };
      }

      // Last, because it opens the bot's inspector (to force a full GC), which nothing else should run beside.
      if (options.phases.includes('memory')) {
        const inspector = await openInspector(bot.pid, inspectPort);
        await sleep(options.settleSeconds * 1000);
        const heapBefore = await collectGarbage(inspector);
        const before = bot.rssKiB();
        const t0 = performance.now();
        const opened = await openConversations(botClient, {
          connections: options.connections,
          count: options.idleConversations[store],
          script: IDLE_MIDWAY,
          chat: (i) => webchat(`idle-${runId}-${store}-${i}`, `idle-user-${runId}-${store}-${i}`),
          errors,
        });
        assertNoErrors('the idle conversations');
        const openSeconds = (performance.now() - t0) / 1000;
        await sleep(options.settleSeconds * 1000);
        const afterSettle = bot.rssKiB();
        const heapAfter = await collectGarbage(inspector);
        const afterGc = bot.rssKiB();
        const per = (delta: number) => round(delta / opened, 3);
        result.memory = {
          conversations: opened,
          turnsEach: IDLE_MIDWAY.length,
          settleSeconds: options.settleSeconds,
          rssBeforeKiB: before,
          rssAfterSettleKiB: afterSettle,
          rssAfterGcKiB: afterGc,
          heapUsedBeforeKiB: Math.round(heapBefore.heapUsed / 1024),
          heapUsedAfterKiB: Math.round(heapAfter.heapUsed / 1024),
          heapTotalBeforeKiB: Math.round(heapBefore.heapTotal / 1024),
          heapTotalAfterKiB: Math.round(heapAfter.heapTotal / 1024),
          externalBeforeKiB: Math.round(heapBefore.external / 1024),
          externalAfterKiB: Math.round(heapAfter.external / 1024),
          kibPerConversation: per(afterGc - before),
          kibPerConversationNoGc: per(afterSettle - before),
          heapKibPerConversation: per((heapAfter.heapUsed - heapBefore.heapUsed) / 1024),
        };
        process.stdout.write(`  opened ${opened} idle conversations in ${fmt(openSeconds)} s (${fmt((opened * IDLE_MIDWAY.length) / openSeconds, 0)} turns/s)\n`);
      }

      await botClient.close();
      await bot.stop();
      result.storeCheck = await checkStoreUsed(store, sqlitePath, blobConnection);
      const log = fs.readFileSync(bot.logFile, 'utf8');
      result.botErrorLogLines = log.split('\n').filter((l) => /"level":(5\d|60)/.test(l)).length;
      if (result.botErrorLogLines > 0) errors.add(`bot (${store}) log`, `${result.botErrorLogLines} error-level line(s), first: ${log.split('\n').find((l) => /"level":(5\d|60)/.test(l))!.slice(0, 300)}`);
      if (profDir) {
        const files = fs.existsSync(profDir) ? fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
        result.profile = files.length ? path.join(profDir, files[0]!) : undefined;
      }
    }
  } catch (error) {
    failure = error as Error;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await Promise.allSettled(children.map((c) => c.stop()));
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  machine.loadavgAtEnd = os.loadavg().map((x) => round(x));

  report(results, coldStart, machine, options);
  const ok = !failure && errors.count === 0;
  const summary = { when: new Date().toISOString(), runId, machine, options, targets: TARGETS, coldStart, results, errors: { count: errors.count, samples: errors.samples }, failure: failure?.message, ok };
  // A profiled or quick run is not a figure to compare, so it never replaces latest.json.
  const out = path.join(root, 'bench', 'results', options.quick ? 'quick.json' : options.cpuProfDir ? 'profiled.json' : 'latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`\nSummary written to ${path.relative(process.cwd(), out)}\n`);

  if (!ok) {
    process.stderr.write(`\nBENCH FAILED${failure ? `: ${failure.message}` : ''}\n`);
    if (errors.count > 0) process.stderr.write(`${errors.count} error(s); first ones:\n  ${errors.samples.join('\n  ')}\n`);
    process.stderr.write(`Child logs kept in ${work}\n`);
    return 1;
  }
  fs.rmSync(work, { recursive: true, force: true });
  return 0;
}

// ---- escalation: approve → Graph → notify ---------------------------------------------------------
interface SandboxWrite {
  at: number;
  method: string;
  url: string;
}

/**
 * Every non-GET request the sandbox receives, stamped when its request line arrives. The sandbox
 * has no hook of its own; Node's `http.server.request.start` diagnostics channel sees every
 * request of every server in this process, and the sandbox's are told apart by local port.
 */
function observeSandboxWrites(sandbox: GraphSandbox): SandboxWrite[] {
  const writes: SandboxWrite[] = [];
  diagnosticsChannel.subscribe('http.server.request.start', (message) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    if (socket.localPort === sandbox.port && request.method !== 'GET') writes.push({ at: performance.now(), method: request.method ?? '', url: request.url ?? '' });
  });
  return writes;
}

async function escalate(args: {
  bot: BotClient;
  connector: TimedConnector;
  sandbox: GraphSandbox;
  graphWrites: SandboxWrite[];
  target: { id: string; upn: string };
  newNumber: string;
  digits: string;
  chat: ChatOptions;
}): Promise<{ graph: number; notify: number; response: number; write: string }> {
  const { bot, connector, sandbox, graphWrites, target, chat } = args;
  let previous: readonly ActivityJson[] = [];
  for (const turn of escalationIntake(target.upn, args.newNumber)) previous = (await playTurn(bot, chat, turn, previous)).activities;
  const reference = /HD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(readable(previous))?.[0];
  if (!reference) throw new Error(`no request reference in the intake's last replies for ${target.upn}`);
  const card = await connector.waitFor((c) => c.conversationId === HELPDESK && c.method === 'POST' && JSON.stringify(c.activity).includes(reference), 5000);
  if (!card) throw new Error(`the request card for ${reference} never reached the helpdesk channel`);

  const writesBefore = graphWrites.length;
  const clickedAt = performance.now();
  const answer = await bot.post({
    type: 'invoke',
    name: 'adaptiveCard/action',
    channelId: 'msteams',
    serviceUrl: connector.url,
    conversation: { id: `${HELPDESK};messageid=${Date.now()}`, conversationType: 'channel', isGroup: true },
    from: { id: `29:${APPROVER}`, aadObjectId: APPROVER, name: 'Lee Gu' },
    recipient: { id: 'bot' },
    channelData: { tenant: { id: 'contoso' } },
    value: { action: { type: 'Action.Execute', verb: 'replaceMobile', data: { reference } }, trigger: 'manual' },
  });
  const answeredAt = performance.now();
  const body = answer.body as { statusCode?: number; type?: string; value?: unknown } | undefined;
  const done = fixedPart('helpdesk.status.completed');
  if (answer.status !== 200 || body?.statusCode !== 200 || !JSON.stringify(body.value).includes(done)) {
    throw new Error(`approving ${reference} for ${target.upn}: HTTP ${answer.status}, ${JSON.stringify(body).slice(0, 400)}`);
  }
  const notified = await connector.waitFor((c) => c.conversationId === chat.conversationId && c.method === 'POST' && c.arrivedAt >= clickedAt, 5000);
  const expected = `Update on your request ${reference}`;
  if (!notified || !String(notified.activity.text ?? '').includes(expected)) {
    throw new Error(`the requester of ${reference} was not notified: ${JSON.stringify(notified?.activity).slice(0, 300)}`);
  }
  const write = graphWrites.slice(writesBefore).find((w) => w.url.includes(target.id) || w.url.includes(encodeURIComponent(target.upn)));
  if (!write) throw new Error(`no Graph write for ${target.upn} reached the sandbox after approving ${reference}`);
  const mobile = sandbox.user(target.id)?.methods.find((m) => m.phoneType === 'mobile')?.phoneNumber;
  if (String(mobile ?? '').replace(/\D/g, '') !== args.digits) throw new Error(`${target.upn}'s mobile is ${String(mobile)} after ${reference}, expected ${args.newNumber}`);
  return {
    graph: write.at - clickedAt,
    notify: notified.arrivedAt - clickedAt,
    response: answeredAt - clickedAt,
    write: `${write.method} ${write.url.replace(target.id, '{id}')}`,
  };
}

/** Busy share of all cores over `ms`, from /proc/stat (Linux); NaN elsewhere. */
async function cpuBusyShare(ms: number): Promise<number> {
  const sample = () => {
    try {
      const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal: idle and iowait are the idle time.
      return { idle: fields[3]! + fields[4]!, total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
    } catch {
      return undefined;
    }
  };
  const a = sample();
  await sleep(ms);
  const b = sample();
  if (!a || !b || b.total === a.total) return Number.NaN;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

// ---- was the store really used? -------------------------------------------------------------------
async function checkStoreUsed(store: Store, sqlitePath: string, blobConnection: string | undefined): Promise<string> {
  if (store === 'sqlite') {
    const size = ['', '-wal'].map((s) => (fs.existsSync(sqlitePath + s) ? fs.statSync(sqlitePath + s).size : 0)).reduce((a, b) => a + b, 0);
    if (size === 0) throw new Error(`STATE_STORE=sqlite but ${sqlitePath} is empty or missing`);
    return `sqlite file ${fmt(size / 1024 / 1024, 1)} MB`;
  }
  const container = BlobServiceClient.fromConnectionString(blobConnection!).getContainerClient(BLOB_CONTAINER);
  let blobs = 0;
  if (await container.exists()) {
    for await (const page of container.listBlobsFlat().byPage({ maxPageSize: 5000 })) blobs += page.segment.blobItems.length;
  }
  if (blobs === 0) {
    throw new Error(`STATE_STORE=blob but the bot wrote nothing to Azurite (container "${BLOB_CONTAINER}"): blob storage is not wired into the app, so these figures are not the blob store's`);
  }
  return `${blobs} blobs in Azurite container ${BLOB_CONTAINER}`;
}

// ---- the report ------------------------------------------------------------------------------------
function report(results: StoreResult[], coldStart: ColdStartResult | undefined, machine: { cpu: string; cores: number; node: string; loadavgAtStart: number[]; loadavgAtEnd: number[]; cpuBusyBeforeStart: number }, options: Options): void {
  const lines: string[] = ['', '================ RESULTS ================'];
  lines.push(
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; load average ${machine.loadavgAtStart.join(' ')} at start (${Math.round(machine.cpuBusyBeforeStart * 100)}% CPU busy just before), ${machine.loadavgAtEnd.join(' ')} at end`,
  );
  if (coldStart) {
    const signed = (ms: number) => `${ms < 0 ? '−' : '+'}${fmt(Math.abs(ms), 0)}`;
    const c = (f: ColdStartResult['node']) => `median ${fmt(f.medianMs, 0)} ms (range ${fmt(f.minMs, 0)}–${fmt(f.maxMs, 0)} ms over ${f.runs} runs)`;
    lines.push(
      '',
      '[cold start] spawn -> first 200 from /healthz',
      `  ${verdict(coldStart.node.medianMs < TARGETS.coldStartMs)}  node dist/src/index.js   ${c(coldStart.node)}   target < ${fmt(TARGETS.coldStartMs, 0)} ms`,
      ...(coldStart.nodeCpu ? [`        its CPU time             ${c(coldStart.nodeCpu)}   (steadier than wall time when the machine is shared)`] : []),
      `        second npm start         ${c(coldStart.npmStart)}   (${signed(coldStart.npmStart.medianMs - coldStart.node.medianMs)} ms against node: npm and the stale check)${coldStart.npmStartBuilt ? '   !! npm start rebuilt: the build was not fresh' : ''}`,
    );
  }
  lines.push(`Load: ${options.connections} connections, keep-alive, expectReplies; ${options.rounds} alternating rounds of ${options.roundSeconds} s per target after a ${options.warmupSeconds} s warm-up each`);
  for (const r of results) {
    lines.push('', `[${r.store}] ${r.storeCheck}`);
    if (r.echo && r.full) {
      lines.push(`  echo floor          ${fmt(r.echo.turnsPerSecond, 0).padStart(7)} turns/s   p50 ${fmt(r.echo.p50Ms)} ms   p99 ${fmt(r.echo.p99Ms)} ms   (${r.echo.turns} turns)`);
      lines.push(`  full conversation   ${fmt(r.full.turnsPerSecond, 0).padStart(7)} turns/s   p50 ${fmt(r.full.p50Ms)} ms   p99 ${fmt(r.full.p99Ms)} ms   (${r.full.turns} turns, ${r.full.conversations} whole conversations)`);
      lines.push(`  ${verdict(r.ratio! >= TARGETS.fullToEchoRatio)}  full/echo ratio ${fmt(r.ratio!, 2)} (rounds: ${r.ratioPerRound!.map((x) => fmt(x, 2)).join(' ')})   target >= ${TARGETS.fullToEchoRatio}`);
      if (r.cpuPerTurn) {
        const c = r.cpuPerTurn;
        lines.push(
          `        CPU a turn: echo ${fmt(c.echoUs, 0)} µs, full ${fmt(c.fullUs, 0)} µs: echo ÷ full ${fmt(c.ratio, 2)} (rounds: ${c.ratioPerRound.map((x) => fmt(x, 2)).join(' ')}), the same ratio measured in CPU time`,
        );
      }
      lines.push(`  ${verdict(r.full.p99Ms <= TARGETS.fullP99Ms)}  full-turn p99 ${fmt(r.full.p99Ms)} ms   target <= ${TARGETS.fullP99Ms} ms`);
    }
    if (r.memory) {
      const m = r.memory;
      const mb = (kib: number) => `${fmt(kib / 1024)} MB`;
      lines.push(
        `  ${verdict(m.kibPerConversation <= TARGETS.kibPerIdleConversation)}  idle conversations: ${m.conversations} left mid-dialog (${m.turnsEach} turns each): ${fmt(m.kibPerConversation, 2)} KB RSS per conversation (${fmt(m.kibPerConversation * 1000, 0)} KB per 1,000) after a full GC   target <= ${TARGETS.kibPerIdleConversation} KB`,
        `        bot RSS ${mb(m.rssBeforeKiB)} (after full GC) -> ${mb(m.rssAfterSettleKiB)} after ${m.settleSeconds} s settle, no GC (${fmt(m.kibPerConversationNoGc, 1)} KB per conversation) -> ${mb(m.rssAfterGcKiB)} after full GC; V8 heap used ${mb(m.heapUsedBeforeKiB)} -> ${mb(m.heapUsedAfterKiB)} (${fmt(m.heapKibPerConversation, 2)} KB per conversation), committed ${mb(m.heapTotalBeforeKiB)} -> ${mb(m.heapTotalAfterKiB)}, external ${mb(m.externalBeforeKiB)} -> ${mb(m.externalAfterKiB)}`,
      );
    }
    if (r.escalation) {
      const e = r.escalation;
      lines.push(
        `  ${verdict(e.clickToNotificationMs.p50 <= TARGETS.approveToNotifyP50Ms)}  approve -> Graph -> notify over ${e.requests} requests: click->Graph write p50 ${fmt(e.clickToGraphWriteMs.p50)} ms (p90 ${fmt(e.clickToGraphWriteMs.p90)}, max ${fmt(e.clickToGraphWriteMs.max)}); click->requester notified p50 ${fmt(e.clickToNotificationMs.p50)} ms (p90 ${fmt(e.clickToNotificationMs.p90)}, max ${fmt(e.clickToNotificationMs.max)}); invoke answered p50 ${fmt(e.clickToInvokeResponseMs.p50)} ms   target <= ${TARGETS.approveToNotifyP50Ms} ms p50`,
      );
      lines.push(`        Graph writes seen: ${e.graphWrites.join(', ')}`);
    }
    if (r.botErrorLogLines > 0) lines.push(`  !! the bot logged ${r.botErrorLogLines} error-level line(s)`);
    if (r.profile) {
      const s = summarise(JSON.parse(fs.readFileSync(r.profile, 'utf8')) as Parameters<typeof summarise>[0], 15);
      const busy = s.totalMs - s.idleMs;
      lines.push(`  CPU profile ${r.profile}: busy ${fmt(busy / 1000)} s of ${fmt(s.totalMs / 1000)} s, GC ${fmt((s.gcMs / busy) * 100)}% of busy`);
      lines.push('  self time by package / file:', ...s.byModule.map((x) => `    ${fmt(x.share * 100).padStart(5)}%  ${x.name}`));
      lines.push('  self time by function:', ...s.byFunction.map((x) => `    ${fmt(x.share * 100).padStart(5)}%  ${x.name}`));
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
