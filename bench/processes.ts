/**
 * The processes under test run as children, so the load generator in this process never shares
 * their event loop or CPU time: the real bot (dist/src/index.js), the bare echo bot, and Azurite
 * when the blob store is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port that was free a moment ago (the child binds it; a collision fails the start loudly). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** stdout and stderr go here, so a failure can show what the child said. */
  logFile: string;
}

export class Child {
  private exited?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exit: Promise<void>;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly proc: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
  }

  static spawn(options: ChildOptions): Child {
    const out = fs.openSync(options.logFile, 'a');
    try {
      const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', out, out] });
      return new Child(options.name, options.logFile, child);
    } finally {
      fs.closeSync(out);
    }
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error(`${this.name} did not start: ${this.logTail()}`);
    return this.proc.pid;
  }

  get running(): boolean {
    return this.exited === undefined;
  }

  /** The last lines the child wrote, for error messages. */
  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  }

  /** Resident set size of the child, from /proc (Linux), in KiB. */
  rssKiB(): number {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (!match) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(match[1]);
  }

  /** Waits until `probe` answers true, failing early (with the child's output) if the child exits. */
  async waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited (${JSON.stringify(this.exited)}) before it was ready:\n${this.logTail()}`);
      if (await probe().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`${this.name} was not ready after ${timeoutMs} ms:\n${this.logTail()}`);
  }

  /** SIGTERM, then SIGKILL if it has not gone after `graceMs`. Only this child is signalled. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }
}

/** True when GET url answers 200. */
export async function answers200(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The project root (the folder holding package.json), from dist/bench or bench. */
export function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the project root from ${__dirname}`);
  }
}

/** utime + stime of a process from /proc/<pid>/stat, in ms; undefined where there is no /proc. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticksPerSecond = 100; // USER_HZ: 100 on every Linux architecture Node supports
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * The Node.js options `npm start` runs the bot with (package.json's start script, between `node`
 * and the entry point), so the bench starts exactly that.
 */
export function startOptions(root: string): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.trim().split(/\s+/);
  const entry = words.indexOf('dist/src/index.js');
  if (words[0] !== 'node' || entry < 0) throw new Error(`package.json's start script is not "node [options] dist/src/index.js": ${start}`);
  return words.slice(1, entry);
}
