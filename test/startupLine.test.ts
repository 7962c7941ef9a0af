/**
 * The human start-up line: what it says for each tenant and store, that it is written only to a
 * terminal, and, with the built server, that a terminal gets it after the JSON log while a pipe
 * gets JSON lines only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { announceStartup, startupLine } from '../src/startupLine';
import { ensureBuilt } from './helpers/botProcess';

const ROOT = path.resolve(__dirname, '..');
const URL = 'http://127.0.0.1:3978';

describe('startupLine', () => {
  test('local defaults: the portal, the sandbox tenant, the SQLite file', () => {
    expect(startupLine(loadConfig({}), URL)).toBe(
      `Sign-in help is running: open http://127.0.0.1:3978/ (sandbox tenant, SQLite store ${path.join('data', 'bot.sqlite')})`,
    );
  });

  test('a live tenant is named by its id; other stores by what they are', () => {
    const live = loadConfig({
      MicrosoftAppId: '00000000-0000-0000-0000-0000000000aa',
      MicrosoftAppPassword: 'x',
      MicrosoftAppTenantId: '11111111-2222-3333-4444-555555555555',
      GRAPH_TENANT_ID: '11111111-2222-3333-4444-555555555555',
      GRAPH_CLIENT_ID: '00000000-0000-0000-0000-0000000000bb',
      GRAPH_CLIENT_SECRET: 'y',
      DIRECT_LINE_SECRET: 'z',
      STATE_STORE: 'memory',
    });
    expect(startupLine(live, 'http://127.0.0.1:8080')).toBe(
      'Sign-in help is running: open http://127.0.0.1:8080/ (live tenant 11111111-2222-3333-4444-555555555555, in-memory store, lost when the process stops)',
    );
  });

  test('written to a terminal only', () => {
    const config = loadConfig({});
    const written: string[] = [];
    announceStartup({ isTTY: false, write: (t: string) => written.push(t) }, config, URL);
    announceStartup({ write: (t: string) => written.push(t) }, config, URL);
    expect(written).toEqual([]);
    announceStartup({ isTTY: true, write: (t: string) => written.push(t) }, config, URL);
    expect(written).toEqual([`${startupLine(config, URL)}\n`]);
  });
});

describe('the built server', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'startup-line-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs `command` until its stdout contains `until`, then ends its process group; returns stdout. */
  async function runUntil(command: string, args: string[], until: RegExp): Promise<string> {
    const child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', INSTANCE_ID: 'startup-line', SQLITE_PATH: path.join(dir, 'bot.sqlite'), TERM: 'dumb' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    while (!until.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    if (!until.test(out)) throw new Error(`never printed ${until}:\n${out}`);
    return out;
  }

  test('under a pseudo-terminal: the JSON log, then the line saying where to go', async () => {
    // script(1) from util-linux gives the child a pty, as a terminal would.
    const entry = `node --disable-warning=DEP0111 ${path.join('dist', 'src', 'index.js')}`;
    const out = await runUntil('script', ['-qfec', entry, '/dev/null'], /Sign-in help is running[^\n]*\n/);
    const line = /Sign-in help is running: open (http:\/\/127\.0\.0\.1:\d+)\/ \(sandbox tenant, SQLite store (.*)\)/.exec(out);
    expect(line?.[2]).toBe(path.join(dir, 'bot.sqlite'));
    // The line comes after the JSON log, so it is the last thing on the screen.
    expect(out.indexOf('Sign-in help is running')).toBeGreaterThan(out.indexOf('"msg":"help portal ready"'));
    expect(out.indexOf('"msg":"help portal ready"')).toBeGreaterThan(-1);
  }, 60_000);

  test('through a pipe: JSON lines only, as before', async () => {
    const out = await runUntil(process.execPath, ['--disable-warning=DEP0111', path.join('dist', 'src', 'index.js')], /help portal ready[^\n]*\n/);
    // Give a late human line the chance to appear before looking.
    await new Promise((r) => setTimeout(r, 200));
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    expect(out).not.toContain('Sign-in help is running');
  }, 60_000);
});
