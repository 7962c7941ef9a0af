#!/usr/bin/env node
// Builds the server (tsc -p tsconfig.build.json) only when something the build reads changed
// since the last successful build, so a second `npm start` starts the built server at once
// instead of spending 15–30 s in tsc.
//
// "Changed" is decided by modification times: the newest mtime of every file and folder under
// src/, dialogs/, cards/, locales/, plus tsconfig*.json and package-lock.json, against the mtime
// of dist/.build-stamp. Folders count because adding, removing or renaming a file changes its
// folder's mtime even when no remaining file is newer. The stamp is removed before tsc runs and
// written only when tsc exits 0, with the mtime of the moment the build *started*, so a file
// saved during the build makes the next start rebuild. A missing dist/src/index.js also rebuilds.
//
// Runs from the project root (npm scripts do); `--force` builds whatever the stamp says.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, openSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = process.cwd();
const INPUT_DIRS = ['src', 'dialogs', 'cards', 'locales'];
const STAMP = join(root, 'dist', '.build-stamp');
const ENTRY = join(root, 'dist', 'src', 'index.js');

/** Newest mtime (ms) of a folder and everything under it; 0 when it does not exist. */
function newestUnder(dir) {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch {
    return 0;
  }
  let newest = stat.mtimeMs;
  if (!stat.isDirectory()) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(full) : lstatSync(full).mtimeMs);
  }
  return newest;
}

function newestInput() {
  let newest = 0;
  for (const dir of INPUT_DIRS) newest = Math.max(newest, newestUnder(join(root, dir)));
  for (const name of readdirSync(root)) {
    if ((name.startsWith('tsconfig') && name.endsWith('.json')) || name === 'package-lock.json') {
      newest = Math.max(newest, statSync(join(root, name)).mtimeMs);
    }
  }
  return newest;
}

/** Why a build is needed, or undefined when dist is up to date. */
function staleReason() {
  if (process.argv.includes('--force')) return 'forced';
  if (!existsSync(ENTRY)) return 'no dist/src/index.js';
  let stampMs;
  try {
    stampMs = statSync(STAMP).mtimeMs;
  } catch {
    return 'no successful build recorded';
  }
  return newestInput() > stampMs ? 'sources changed since the last build' : undefined;
}

const reason = staleReason();
if (reason === undefined) process.exit(0);

process.stderr.write(`Building (${reason}): tsc -p tsconfig.build.json\n`);
rmSync(STAMP, { force: true });
const startedAt = new Date();
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write('Build failed: nothing recorded, the next start builds again.\n');
  process.exit(result.status ?? 1);
}
closeSync(openSync(STAMP, 'w'));
utimesSync(STAMP, startedAt, startedAt);
