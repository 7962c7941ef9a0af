#!/usr/bin/env node
// Puts Web Chat's browser bundle at public/vendor/webchat.js so the portal serves it itself
// (no CDN). Installing botframework-webchat costs ~190 MB for this one 3.9 MB file, so the
// script packs the published tarball into a temp dir and extracts only dist/webchat.js.
// The SHA-256 pins the exact file: a changed registry copy fails loudly instead of being served.
// Runs as postinstall and in .ci/run; returns at once when the right file is already there.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'botframework-webchat@4.18.1';
const MEMBER = 'package/dist/webchat.js';
const SIZE = 3891526;
const SHA256 = '0a68ad0a64fc04d621197da10c3eec0f843e16f7d03f6bcbed29b47517cf9bff';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'public', 'vendor', 'webchat.js');

const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex');

class FetchError extends Error {}

function fail(message, cause) {
  const detail = cause ? `\n${String(cause.stderr || cause.message || cause).trim()}` : '';
  throw new FetchError(`${message}${detail}`);
}

// Size first so the common case (already there) does not read 3.9 MB.
if (existsSync(target) && statSync(target).size === SIZE && sha256(readFileSync(target)) === SHA256) {
  console.log(`fetch-webchat: ${PACKAGE} dist/webchat.js already present`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'fetch-webchat-'));
try {
  fetchBundle();
} catch (error) {
  console.error(`fetch-webchat: ${error instanceof FetchError ? error.message : error.stack}`);
  console.error(`fetch-webchat: the help portal needs ${target}; run \`node scripts/fetch-webchat.mjs\` once the registry is reachable.`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

function fetchBundle() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  let packed;
  try {
    const out = execFileSync(npm, ['pack', PACKAGE, '--json', '--loglevel=error', '--pack-destination', work], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      // npm pack of a 7 MB tarball; a stuck registry should not hang an install forever.
      timeout: 180_000,
    });
    packed = JSON.parse(out)[0]?.filename;
  } catch (error) {
    fail(`\`npm pack ${PACKAGE}\` failed`, error);
  }
  if (!packed) fail(`\`npm pack ${PACKAGE}\` reported no tarball`);
  try {
    execFileSync('tar', ['-xzf', join(work, packed), '-C', work, MEMBER], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    fail(`could not extract ${MEMBER} from ${packed}`, error);
  }
  const bundle = readFileSync(join(work, MEMBER));
  const hash = sha256(bundle);
  if (bundle.length !== SIZE || hash !== SHA256) {
    fail(`${PACKAGE} ${MEMBER} is not the pinned file (size ${bundle.length}, sha256 ${hash}; expected ${SIZE}, ${SHA256})`);
  }
  mkdirSync(dirname(target), { recursive: true });
  // Write beside the target and rename, so a server never serves a half-written bundle.
  const partial = `${target}.partial`;
  writeFileSync(partial, bundle);
  renameSync(partial, target);
  console.log(`fetch-webchat: wrote ${target} (${PACKAGE}, ${bundle.length} bytes)`);
}
