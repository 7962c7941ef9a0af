/**
 * A throwaway certificate for the Graph sandbox. The sandbox speaks HTTPS rather than plain HTTP so
 * that the real Graph client runs exactly as it does against graph.microsoft.com (TLS, https URLs),
 * and so that a client which forgot to trust the sandbox fails loudly instead of silently working.
 */
import { generate } from 'selfsigned';

export interface LoopbackCertificate {
  /** PEM private key; stays inside the process that serves. */
  key: string;
  /** PEM certificate, self-signed: this is also what clients must trust. */
  cert: string;
}

/** One day is plenty for a process-lifetime server and keeps a leaked key nearly worthless. */
const VALIDITY_MS = 24 * 60 * 60 * 1000;
/** Back-dated a little so a client whose clock runs slightly behind still accepts it. */
const CLOCK_SKEW_MS = 60 * 1000;

export async function createLoopbackCertificate(now: Date = new Date()): Promise<LoopbackCertificate> {
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
