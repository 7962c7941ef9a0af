/**
 * A throwaway certificate for the Graph sandbox. The sandbox speaks HTTPS rather than plain HTTP so
 * that the real Graph client runs exactly as it does against graph.microsoft.com (TLS, https URLs),
 * and so that a client which forgot to trust the sandbox fails loudly instead of silently working.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface LoopbackCertificate {
  /** PEM private key; stays on this machine (in the serving process, and in the owner-only cache file if one is used). */
  key: string;
  /** PEM certificate, self-signed: this is also what clients must trust. */
  cert: string;
}

/** One day is plenty for a process-lifetime server and keeps a leaked key nearly worthless. */
const VALIDITY_MS = 24 * 60 * 60 * 1000;
/** Back-dated a little so a client whose clock runs slightly behind still accepts it. */
const CLOCK_SKEW_MS = 60 * 1000;
/** A cached certificate is reused only while it has at least this long left: a local run outlives a start. */
const REUSE_MIN_REMAINING_MS = 12 * 60 * 60 * 1000;

export async function createLoopbackCertificate(now: Date = new Date()): Promise<LoopbackCertificate> {
  // Loaded here, not at the top: selfsigned and its X.509 stack take ~100 ms to load and run, and
  // a start that finds a cached certificate (loopbackCertificate below) never needs them.
  const { generate } = require('selfsigned') as typeof import('selfsigned');
  // EC P-256 rather than the RSA default: key generation takes milliseconds, which matters when
  // every test file starts its own sandbox.
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfterDate: new Date(now.getTime() + VALIDITY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      // Clients check the name they dialled against the SAN, so both loopback spellings are listed.
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * The sandbox's certificate, reused from `cacheFile` when one there is still good, otherwise made
 * and saved there. Without a file it is made every time (tests, the in-memory store).
 *
 * Safe to keep because the key only ever serves 127.0.0.1 in local mode, the certificate is
 * trusted by this process's Graph client alone (it is passed as the CA, never installed), it
 * expires within a day, and the file is readable by its owner only, next to the local state that
 * holds more sensitive data anyway. A file that is unreadable, malformed, expiring, for other
 * names, open to other users or whose key does not match is ignored and replaced.
 */
export async function loopbackCertificate(cacheFile: string | undefined, now: Date = new Date()): Promise<LoopbackCertificate> {
  if (cacheFile === undefined) return createLoopbackCertificate(now);
  const cached = readCached(cacheFile, now);
  if (cached) return cached;
  const fresh = await createLoopbackCertificate(now);
  writeCached(cacheFile, fresh);
  return fresh;
}

function readCached(file: string, now: Date): LoopbackCertificate | undefined {
  try {
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0 || (process.getuid && stat.uid !== process.getuid())) return undefined;
    const { key, cert } = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LoopbackCertificate>;
    if (typeof key !== 'string' || typeof cert !== 'string') return undefined;
    const x509 = new X509Certificate(cert);
    const usable =
      Date.parse(x509.validFrom) <= now.getTime() &&
      Date.parse(x509.validTo) - now.getTime() >= REUSE_MIN_REMAINING_MS &&
      x509.checkIP('127.0.0.1') !== undefined &&
      x509.checkHost('localhost') !== undefined &&
      x509.checkPrivateKey(createPrivateKey(key));
    return usable ? { key, cert } : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: a folder that cannot be written only costs the next start a new certificate. */
function writeCached(file: string, certificate: LoopbackCertificate): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Owner-only from the first byte, and renamed into place so a concurrent start never reads half a file.
    fs.writeFileSync(temp, JSON.stringify(certificate), { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // the folder itself is unusable: nothing was left behind
    }
  }
}
