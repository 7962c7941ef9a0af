/**
 * scripts/build-if-stale.mjs (npm start's prestart) on a small project of its own in a temp
 * folder: real files, real mtimes, the real tsc. Times are set with utimes where the order
 * matters, so no test sleeps.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Each case runs tsc a few times (1–2 s each here).
jest.setTimeout(60_000);

const SCRIPT = path.resolve(__dirname, '../../scripts/build-if-stale.mjs');
const LONG_AGO = new Date(Date.now() - 3_600_000);

let root: string;
const at = (...parts: string[]) => path.join(root, ...parts);
const mtime = (...parts: string[]) => fs.statSync(at(...parts)).mtimeMs;

function write(relative: string, text: string, when = LONG_AGO): void {
  fs.mkdirSync(path.dirname(at(relative)), { recursive: true });
  fs.writeFileSync(at(relative), text);
  fs.utimesSync(at(relative), when, when);
}

/** Dates the last build a minute after the sources, so an edit made now is newer than it. */
function ageStamp(): void {
  const built = new Date(LONG_AGO.getTime() + 60_000);
  fs.utimesSync(at('dist/.build-stamp'), built, built);
}

function run(...args: string[]): { status: number | null; stderr: string; ms: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr + result.stdout, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'build-if-stale-'));
  write('tsconfig.build.json', JSON.stringify({
    compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'node16', moduleResolution: 'node16', strict: true, types: [], rootDir: '.', outDir: 'dist' },
    include: ['src/**/*'],
  }));
  write('package-lock.json', '{}');
  write('src/index.ts', 'export const answer: number = 42;\n');
  write('src/lib/util.ts', 'export const twice = (n: number): number => n * 2;\n');
  for (const dir of ['src/lib', 'src']) fs.utimesSync(at(dir), LONG_AGO, LONG_AGO);
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('missing dist: builds and records the build', () => {
  const first = run();
  expect(first.status).toBe(0);
  expect(first.stderr).toContain('Building (no dist/src/index.js)');
  expect(fs.existsSync(at('dist/src/index.js'))).toBe(true);
  expect(fs.existsSync(at('dist/.build-stamp'))).toBe(true);
});

test('fresh: a second run does nothing, quickly', () => {
  expect(run().status).toBe(0);
  const built = mtime('dist/src/index.js');
  const second = run();
  expect(second).toMatchObject({ status: 0, stderr: '' });
  expect(mtime('dist/src/index.js')).toBe(built);
  // The script itself takes ~60 ms here; the bound leaves room for a busy machine.
  expect(second.ms).toBeLessThan(1500);
});

test('stale: an edited source, a new file, a deleted file or an edited tsconfig rebuilds', () => {
  expect(run().status).toBe(0);
  ageStamp();

  write('src/lib/util.ts', 'export const twice = (n: number): number => n + n;\n', new Date());
  expect(run().stderr).toContain('Building (sources changed since the last build)');
  expect(run().stderr).toBe('');

  // A file added with an old mtime (copied, or checked out from elsewhere) still changes its folder.
  write('src/lib/extra.ts', 'export const three = 3;\n');
  expect(run().stderr).toContain('sources changed');
  expect(fs.existsSync(at('dist/src/lib/extra.js'))).toBe(true);

  fs.rmSync(at('src/lib/extra.ts'));
  expect(run().stderr).toContain('sources changed');
  expect(run().stderr).toBe('');

  ageStamp();
  write('tsconfig.build.json', fs.readFileSync(at('tsconfig.build.json'), 'utf8'), new Date());
  expect(run().stderr).toContain('sources changed');
});

test('deleted dist: rebuilds', () => {
  expect(run().status).toBe(0);
  fs.rmSync(at('dist'), { recursive: true });
  expect(run().stderr).toContain('Building (no dist/src/index.js)');
  expect(fs.existsSync(at('dist/src/index.js'))).toBe(true);
});

test('failed build: exits non-zero, records nothing, and the next run builds again', () => {
  expect(run().status).toBe(0);
  ageStamp();
  write('src/index.ts', 'export const answer: number = "forty-two";\n', new Date());
  const failed = run();
  expect(failed.status).not.toBe(0);
  expect(failed.stderr).toContain('Build failed');
  // tsc emits despite type errors, so dist/src/index.js exists; only the stamp says "good build".
  expect(fs.existsSync(at('dist/.build-stamp'))).toBe(false);
  expect(run().status).not.toBe(0);

  write('src/index.ts', 'export const answer: number = 42;\n');
  const fixed = run();
  expect(fixed.status).toBe(0);
  expect(fixed.stderr).toContain('no successful build recorded');
  expect(run().stderr).toBe('');
});

test('--force builds an up-to-date tree', () => {
  expect(run().status).toBe(0);
  expect(run('--force').stderr).toContain('Building (forced)');
});
