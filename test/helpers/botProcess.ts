/**
 * The bot as a separate process, started the way production starts it (`node dist/src/index.js`
 * with settings in the environment), for tests of several instances, kill -9 and SIGTERM.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'dist', 'src', 'index.js');

/** Builds dist/ when it is missing or older than its sources (`npm test` builds first anyway), as `npm start` does. */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-stale.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class BotProcess {
  readonly logs: string[] = [];
  readonly url: string;
  private child?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    private readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts the process and waits until /readyz answers 200 (or the process exits). */
  async start(timeoutMs = 20_000): Promise<void> {
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', ENTRY], {
      cwd: ROOT,
      // Only what the test gives, plus PATH: no developer .env or ambient Azure settings leak in.
      // PHONE_SIGN_IN=own-provider keeps what the walks are offered the same on every date.
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(this.port), INSTANCE_ID: this.name, PHONE_SIGN_IN: 'own-provider', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => this.logs.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => this.logs.push(chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (Date.now() < deadline && !gone) {
      try {
        if ((await fetch(`${this.url}/readyz`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not become ready:\n${this.logs.join('')}`);
  }

  /** Resolves with how the process ended. */
  waitForExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited ?? Promise.resolve({ code: null, signal: null });
  }

  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child?.kill(signal);
    return this.waitForExit();
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Log lines as JSON (non-JSON lines, e.g. start-up errors, are skipped). */
  jsonLogs(): Record<string, unknown>[] {
    return this.logs
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
