/**
 * `npm run sandbox`: the sandbox tenant on its own, for several local bot instances (or the
 * benchmark) to share one tenant. It writes its CA certificate next to the data folder and prints
 * the three settings a bot needs to use it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startGraphSandbox } from './graphSandbox';
import { loadTenantSeed } from './tenant';

async function main(): Promise<void> {
  const tenantFile = process.env.SANDBOX_TENANT_FILE || path.join('sandbox', 'demo-tenant.json');
  const port = Number(process.env.SANDBOX_GRAPH_PORT || 0);
  const sandbox = await startGraphSandbox({ seed: loadTenantSeed(tenantFile), port });
  const caFile = path.resolve(process.env.SANDBOX_GRAPH_CA_FILE || path.join('data', 'sandbox-ca.pem'));
  fs.mkdirSync(path.dirname(caFile), { recursive: true });
  fs.writeFileSync(caFile, sandbox.caPem);
  // The token only opens this loopback sandbox; printing it is how the bot instances get it.
  process.stdout.write(
    [
      `Sandbox tenant (${tenantFile}) listening at ${sandbox.origin}. Give every bot instance:`,
      `SANDBOX_GRAPH_URL=${sandbox.origin}`,
      `SANDBOX_GRAPH_CA_FILE=${caFile}`,
      `SANDBOX_GRAPH_TOKEN=${sandbox.token}`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    sandbox.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
