/**
 * Micro-benchmark: what CloudAdapter spends around a turn that does nothing, with the framework's
 * authentication (a ConnectorClient and a UserTokenClient built for every activity) against
 * src/connectorCache.ts (shared clients, none built for expectReplies). Both run in this process,
 * in alternating rounds, so drift on the machine hits both alike.
 *
 *   node dist/bench/connectorTurn.js [--rounds=6] [--turns=20000]
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { SharedConnectorAuthentication } from '../src/connectorCache';

const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = arg('rounds', 6);
const turns = arg('turns', 20_000);

type Auth = ConfigurationBotFrameworkAuthentication;
type Processes = { processActivity(auth: Awaited<ReturnType<Auth['authenticateRequest']>>, activity: Activity, logic: () => Promise<void>): Promise<unknown> };

const variants: { name: string; auth: Auth }[] = [
  { name: 'framework', auth: new ConfigurationBotFrameworkAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions) },
  { name: 'shared', auth: new SharedConnectorAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions, { maxClients: 64 }) },
];

function activity(i: number, deliveryMode: string | undefined): Activity {
  return {
    type: 'message',
    text: 'hi',
    id: `a${i}`,
    channelId: 'webchat',
    serviceUrl: 'http://127.0.0.1:9/',
    conversation: { id: `c${i % 100}` },
    from: { id: `u${i % 100}` },
    recipient: { id: 'bot' },
    ...(deliveryMode ? { deliveryMode } : {}),
  } as Activity;
}

async function round(auth: Auth, deliveryMode: string | undefined): Promise<number> {
  const adapter = new CloudAdapter(auth) as unknown as Processes;
  const started = process.hrtime.bigint();
  for (let i = 0; i < turns; i++) {
    const a = activity(i, deliveryMode);
    const result = await auth.authenticateRequest(a, '');
    await adapter.processActivity(result, a, async () => undefined);
  }
  return turns / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main(): Promise<void> {
  for (const [label, mode] of [['expectReplies', 'expectReplies'], ['normal (no send)', undefined]] as const) {
    const rates: Record<string, number[]> = { framework: [], shared: [] };
    await round(variants[0]!.auth, mode);
    await round(variants[1]!.auth, mode);
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 === 0 ? variants : [...variants].reverse()) rates[v.name]!.push(await round(v.auth, mode));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const fmt = (xs: number[]): string => xs.map((x) => Math.round(x)).join(', ');
    process.stdout.write(
      `${label}: framework median ${Math.round(median(rates.framework!))} turns/s [${fmt(rates.framework!)}]; ` +
        `shared median ${Math.round(median(rates.shared!))} turns/s [${fmt(rates.shared!)}]; ` +
        `×${(median(rates.shared!) / median(rates.framework!)).toFixed(2)}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
