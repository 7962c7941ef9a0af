/**
 * Cold start loads what the first turn needs, not everything the process could need: the built
 * server, started in local mode on SQLite, must answer without loading the Blob SDK, and a second
 * start must reuse the sandbox certificate instead of loading the certificate generator, and the
 * card renderer's libraries come just after the start rather than in it. Checked
 * in a child process, on the built server, by what its module cache holds once it listens.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt } from './helpers/botProcess';

const ROOT = path.resolve(__dirname, '..');

/** Starts the built app, then reports which of the packages asked about it loaded. */
const PROBE = `
const { loadConfig } = require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'config.js'))});
const { createApp } = require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'app.js'))});
(async () => {
  const app = await createApp(loadConfig(JSON.parse(process.env.PROBE_ENV)));
  await app.start();
  const packages = () => {
    const loaded = Object.keys(require.cache);
    return JSON.parse(process.env.PROBE_PACKAGES).filter((name) => loaded.some((file) => file.includes('/node_modules/' + name + '/')));
  };
  const atStart = packages();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const later = packages();
  await app.stop();
  process.stdout.write(JSON.stringify({ atStart, later }));
})().catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });
`;

const WATCHED = ['@azure/storage-blob', 'selfsigned', 'adaptivecards-templating', 'restify', 'botbuilder'];

/** Packages loaded once the app listens, and a second later (after the warm-up). */
function loadedAtStart(env: Record<string, string>): { atStart: string[]; later: string[] } {
  const out = execFileSync(process.execPath, ['--disable-warning=DEP0111', '-e', PROBE], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PROBE_PACKAGES: JSON.stringify(WATCHED),
      PROBE_ENV: JSON.stringify({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', EXPIRY_SWEEP_SECONDS: '0', DEV_DIRECTLINE_PORT: '0', ...env }),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as { atStart: string[]; later: string[] };
}

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'startup-modules-'));
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('SQLite: no Blob SDK; the certificate generator only until the sandbox certificate is cached', () => {
  const env = { STATE_STORE: 'sqlite', SQLITE_PATH: path.join(dir, 'bot.sqlite') };
  const { atStart: first } = loadedAtStart(env);
  // The probe sees the packages that are loaded, so it would notice the server itself missing.
  expect(first).toEqual(expect.arrayContaining(['restify', 'botbuilder']));
  expect(first).not.toContain('@azure/storage-blob');
  expect(first).toContain('selfsigned');
  expect(fs.statSync(path.join(dir, 'graph-sandbox-tls.json')).mode & 0o777).toBe(0o600);

  const { atStart: second, later } = loadedAtStart(env);
  expect(second).not.toContain('@azure/storage-blob');
  expect(second).not.toContain('selfsigned');
  // The card renderer is loaded just after the start, not during it, and not left to the first card turn.
  expect(second).not.toContain('adaptivecards-templating');
  expect(later).toContain('adaptivecards-templating');
}, 120_000);

test('memory store: no Blob SDK, and nothing cached on disk', () => {
  const before = fs.readdirSync(dir);
  const { atStart: loaded } = loadedAtStart({ STATE_STORE: 'memory' });
  expect(loaded).not.toContain('@azure/storage-blob');
  expect(fs.readdirSync(dir)).toEqual(before);
}, 120_000);
