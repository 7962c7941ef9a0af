/**
 * Runs Azurite's blob service for a test file: loopback only, a port the OS picks, nothing left
 * running afterwards.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/** Azurite's well-known development account, exactly as its README prints it. Not a secret. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  connectionString: string;
  /** http://127.0.0.1:<port>/devstoreaccount1 */
  accountUrl: string;
  port: number;
  /** Stops the server (gracefully, so a `location` workspace is flushed) and waits for it to exit. */
  stop(): Promise<void>;
}

const AZURITE_BLOB = path.resolve(__dirname, '../../node_modules/.bin/azurite-blob');
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

/**
 * Loaded into the Azurite process: when the test process dies without calling stop() (even by
 * SIGKILL), the pipe on stdin closes and Azurite shuts itself down. Unref'd, so the watch never
 * keeps Azurite alive after a normal SIGTERM.
 */
const ORPHAN_WATCHDOG =
  'data:text/javascript,' +
  encodeURIComponent(
    "process.stdin.on('error',()=>{});process.stdin.on('end',()=>{process.kill(process.pid,'SIGTERM');setTimeout(()=>process.exit(0),3000).unref();});process.stdin.resume();process.stdin.unref();",
  );

const running = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: sending the signal is, waiting for the child is not.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startAzurite(options: { location?: string } = {}): Promise<Azurite> {
  const args = [
    '--import',
    ORPHAN_WATCHDOG,
    AZURITE_BLOB,
    '--blobHost',
    '127.0.0.1',
    // Port 0: the OS picks a free port, and Azurite prints the one it got. No probe-then-bind race.
    '--blobPort',
    '0',
    '--disableTelemetry',
    '--silent',
    // @azure/storage-blob 12.31 sends x-ms-version 2026-02-06, newer than Azurite 3.35 knows.
    '--skipApiVersionCheck',
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
  ];
  // In memory Azurite still treats its working directory as its workspace; keep that out of the repo.
  const child = spawn(process.execPath, args, { cwd: options.location ?? os.tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  killAllOnExit();
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });

  let port: number;
  try {
    port = await listeningPort(child);
    await answers(port);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }

  const accountUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  let stopping: Promise<void> | undefined;
  return {
    port,
    accountUrl,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${accountUrl};`,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

function listeningPort(child: ChildProcessWithoutNullStreams): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(`Azurite did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    function fail(why: string): void {
      clearTimeout(timer);
      reject(new Error(`${why}\n${stdout}${stderr}`.trim()));
    }
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        // Keep draining both pipes so Azurite can never block on a full one.
        stdout = '';
        resolve(Number(match[1]));
      }
    });
    child.once('error', (error) => fail(`Azurite could not be started: ${error.message}`));
    child.once('exit', (code, signal) => fail(`Azurite exited before listening (code ${code}, signal ${signal})`));
  });
}

/** Any HTTP answer (403 without credentials) means the blob service is serving requests. */
function answers(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/${AZURITE_ACCOUNT}?comp=list`, timeout: 5_000 }, (res) => {
      res.resume();
      resolve();
    });
    req.once('timeout', () => req.destroy(new Error(`Azurite on port ${port} did not answer`)));
    req.once('error', reject);
  });
}
