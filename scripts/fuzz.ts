/**
 * `npm run fuzz -- --cases=N [--seed=S] [--from=I] [--known=all (default)|gzip,form,…|none] [--concurrency=C]`:
 * the long run of the generator the bounded jest test uses (test/fuzz/generate.ts), against the
 * real composed app on loopback (local mode, memory store) and a loopback connector. Prints a
 * summary (cases, statuses, findings with a rerun line each) and exits 1 on any finding.
 *
 * The bot runs in this process so an exception that would end `npm start` is caught here,
 * reported with the cases in flight, and the run goes on.
 */
import { parseArgs } from 'node:util';
import { LoopbackConnector } from '../test/fakes/connector';
import { ALL_KNOWN, KNOWN_FINDINGS, generateCase, type KnownFinding } from '../test/fuzz/generate';
import { formatSummary, leakedSecrets, runFuzz, type Finding } from '../test/fuzz/run';
import { startBot } from '../test/helpers/botServer';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      from: { type: 'string', default: '0' },
      known: { type: 'string', default: 'all' },
      concurrency: { type: 'string', default: '8' },
      timeout: { type: 'string', default: '15000' },
    },
  });
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const known = new Set<KnownFinding>(values.known === 'all' ? ALL_KNOWN : values.known === 'none' ? [] : (values.known.split(',').filter(Boolean) as KnownFinding[]));
  for (const k of known) if (!(k in KNOWN_FINDINGS)) throw new Error(`--known: no such finding "${k}" (one of ${ALL_KNOWN.join(', ')}, or all)`);

  const crashes: Finding[] = [];
  const onCrash = (kind: string) => (error: unknown) => {
    crashes.push({ seed, index: -1, family: 'process', step: 0, problem: `${kind} (would end the process): ${(error as Error)?.name}: ${(error as Error)?.message}`, request: '(see the cases in flight above)' });
    process.stderr.write(`fuzz: ${kind}: ${(error as Error)?.stack ?? String(error)}\n`);
  };
  process.on('uncaughtException', onCrash('uncaught exception'));
  process.on('unhandledRejection', onCrash('unhandled rejection'));

  const connector = new LoopbackConnector();
  const serviceUrl = await connector.start();
  const bot = await startBot({ LOG_LEVEL: 'info' });
  console.log(`fuzz: seed ${seed}, known findings on: ${[...known].join(', ') || 'none'}; bot at ${bot.url}`);
  const secrets: string[] = [];
  const from = Number(values.from);
  const cases = Number(values.cases);
  try {
    const summary = await runFuzz({
      baseUrl: bot.url,
      seed,
      cases,
      from,
      concurrency: Number(values.concurrency),
      timeoutMs: Number(values.timeout),
      batch: 500,
      serviceUrl,
      known,
      afterBatch: (done, s) => {
        process.stdout.write(`  ${done}/${cases} cases, ${s.findings.length + crashes.length} findings\n`);
        // Keep memory flat on long runs: the log check is done per batch.
        secrets.length = 0;
        for (let i = from + done - Math.min(done, 500); i < from + done; i++) secrets.push(...generateCase(seed, i, { serviceUrl, known }).secrets);
        const leaked = leakedSecrets(secrets, bot.logs.join(''));
        for (const secret of leaked) s.findings.push({ seed, index: -1, family: 'logs', step: 0, problem: `planted secret in the logs: ${secret}`, request: '' });
        bot.logs.length = 0;
      },
    });
    summary.findings.push(...crashes);
    console.log(formatSummary(summary));
    return summary.findings.length === 0 ? 0 : 1;
  } finally {
    await bot.stop();
    await connector.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
