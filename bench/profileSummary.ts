/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, or `npm run bench -- --cpu-prof`): self time by
 * function and by package or project file, so what dominates a turn can be read at a glance.
 *
 *   node dist/bench/profileSummary.js <file.cpuprofile | folder> [top=25]
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  byFunction: SelfTime[];
  byModule: SelfTime[];
  /** Time in the project's own functions including everything they call (each sample counted once per function). */
  projectInclusive: SelfTime[];
}

/** Where a frame's code lives: a package, a project file, Node's internals, or the VM. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/VM)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = file.indexOf('/dist/');
  return dist >= 0 ? file.slice(dist + 1) : path.basename(file);
}

export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const fns = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    total += ms;
    if (frame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    if (frame.functionName === '(garbage collector)') gc += ms;
    const where = moduleOf(frame.url, frame.functionName);
    const fileTail = frame.url ? ` ${frame.url.replace(/^file:\/\//, '').split('/node_modules/').pop()!.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'}${fileTail}`;
    fns.set(fn, (fns.get(fn) ?? 0) + ms);
    modules.set(where, (modules.get(where) ?? 0) + ms);
  }
  const busy = total - idle;
  const inclusive = projectInclusiveTimes(profile, byId);
  const ranked = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busy > 0 ? ms / busy : 0 }));
  return { totalMs: total, idleMs: idle, gcMs: gc, byFunction: ranked(fns), byModule: ranked(modules), projectInclusive: ranked(inclusive) };
}

/** Frames of the project's compiled code (dist/src, dist/dialogs, dist/cards), not its dependencies. */
function isProjectFrame(url: string): boolean {
  return /\/dist\/(src|dialogs|cards)\//.test(url) && !url.includes('/node_modules/');
}

function projectInclusiveTimes(profile: CpuProfile, byId: Map<number, ProfileNode>): Map<string, number> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const times = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!isProjectFrame(frame.url)) continue;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.slice(frame.url.indexOf('/dist/') + 6)}:${frame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      times.set(key, (times.get(key) ?? 0) + ms);
    }
  }
  return times;
}

function printSummary(file: string, s: ProfileSummary): void {
  const busy = s.totalMs - s.idleMs;
  const line = (x: SelfTime) => `  ${x.ms.toFixed(0).padStart(7)} ms ${(x.share * 100).toFixed(1).padStart(5)}%  ${x.name}`;
  process.stdout.write(
    [
      `${file}`,
      `  sampled ${s.totalMs.toFixed(0)} ms: busy ${busy.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms, GC ${s.gcMs.toFixed(0)} ms (${busy > 0 ? ((s.gcMs / busy) * 100).toFixed(1) : '0'}% of busy)`,
      '  self time by package / project file (share of busy time):',
      ...s.byModule.map(line),
      '  self time by function:',
      ...s.byFunction.map(line),
      "  the project's functions, including what they call:",
      ...s.projectInclusive.map(line),
      '',
    ].join('\n'),
  );
}

function main(): void {
  const target = process.argv[2];
  const top = Number(process.argv[3] ?? 25);
  if (!target) {
    process.stderr.write('usage: node dist/bench/profileSummary.js <file.cpuprofile | folder> [top]\n');
    process.exit(2);
  }
  const files = fs.statSync(target).isDirectory()
    ? fs.readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f))
    : [target];
  for (const file of files) printSummary(file, summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, top));
}

if (require.main === module) main();
