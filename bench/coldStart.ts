/**
 * Cold start: from spawning a process to the first 200 from its /healthz. Measured for the built
 * server (`node dist/src/index.js`, what production runs) and for a second `npm start` (the build
 * is fresh, so npm, the stale check and then the same server), alternating so that the machine's
 * noise hits both alike.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuTimeMs, freePort, startOptions } from './processes';
import { median, round } from './stats';

export interface ColdStartFigures {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  samplesMs: number[];
}

export interface ColdStartResult {
  node: ColdStartFigures;
  /**
   * CPU time (user + system) the node process had used when /healthz first answered, Linux only
   * (/proc). On a shared machine the wall time swings with other processes; this barely does.
   */
  nodeCpu?: ColdStartFigures;
  npmStart: ColdStartFigures;
  /** True when any `npm start` rebuilt (its output said "Building"): then it was not a second start. */
  npmStartBuilt: boolean;
}

const figures = (samples: number[]): ColdStartFigures => ({
  runs: samples.length,
  medianMs: round(median(samples)),
  minMs: round(Math.min(...samples)),
  maxMs: round(Math.max(...samples)),
  samplesMs: samples.map((s) => round(s)),
});

/** Spawns `command` in its own process group, times it to the first 200 from /healthz, ends the group. */
async function timeToHealthy(command: string, args: string[], cwd: string, env: Record<string, string>, port: number, logFile: string): Promise<{ ms: number; cpuMs?: number; output: string }> {
  const out = fs.openSync(logFile, 'w');
  const started = performance.now();
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ms: number | undefined;
  let cpuMs: number | undefined;
  try {
    const deadline = started + 60_000;
    while (performance.now() < deadline && child.exitCode === null) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) {
          ms = performance.now() - started;
          cpuMs = child.pid === undefined ? undefined : cpuTimeMs(child.pid);
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
  } finally {
    // npm start runs sh and node under npm: the whole group goes, and only it.
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
  const output = fs.readFileSync(logFile, 'utf8');
  if (ms === undefined) throw new Error(`${command} ${args.join(' ')} never answered /healthz:\n${output.slice(-2000)}`);
  return { ms, cpuMs, output };
}

export async function measureColdStart(root: string, work: string, runs: number, log: (line: string) => void): Promise<ColdStartResult> {
  const node: number[] = [];
  const nodeCpu: number[] = [];
  const npm: number[] = [];
  let npmStartBuilt = false;
  for (let i = 0; i < runs; i += 1) {
    for (const which of ['node', 'npm'] as const) {
      const port = await freePort();
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? work,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        STATE_STORE: 'sqlite',
        SQLITE_PATH: path.join(work, `cold-${which}-${i}.sqlite`),
        EXPIRY_SWEEP_SECONDS: '0',
      };
      const logFile = path.join(work, `cold-${which}-${i}.log`);
      if (which === 'node') {
        const { ms, cpuMs } = await timeToHealthy(process.execPath, [...startOptions(root), path.join(root, 'dist', 'src', 'index.js')], root, env, port, logFile);
        node.push(ms);
        if (cpuMs !== undefined) nodeCpu.push(cpuMs);
      } else {
        // Both from the project folder, as a person runs them; the settings come from env.
        const { ms, output } = await timeToHealthy('npm', ['start'], root, env, port, logFile);
        if (output.includes('Building (')) npmStartBuilt = true;
        npm.push(ms);
      }
    }
    log(`  cold start ${i + 1}/${runs}: node ${round(node.at(-1)!)} ms${nodeCpu.length === node.length ? ` (CPU ${round(nodeCpu.at(-1)!)} ms)` : ''}, npm start ${round(npm.at(-1)!)} ms`);
  }
  return { node: figures(node), ...(nodeCpu.length === node.length ? { nodeCpu: figures(nodeCpu) } : {}), npmStart: figures(npm), npmStartBuilt };
}
