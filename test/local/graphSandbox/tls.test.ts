/**
 * The sandbox certificate's cache between starts: reused while it is good, replaced whenever it
 * is not (expiring, other names, wrong key, open to other users, garbage), and never needed when
 * no cache file is given.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLoopbackCertificate, loopbackCertificate } from '../../../src/local/graphSandbox/tls';
import { startGraphSandbox } from '../../../src/local/graphSandbox/graphSandbox';
import { testSeed } from './client';

const HOUR = 60 * 60 * 1000;
let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-tls-'));
  file = path.join(dir, 'data', 'graph-sandbox-tls.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('loopbackCertificate', () => {
  test('without a cache file: a new certificate every time, nothing written', async () => {
    const a = await loopbackCertificate(undefined);
    const b = await loopbackCertificate(undefined);
    expect(a.cert).not.toBe(b.cert);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('the first start saves it owner-only, the next start reuses it', async () => {
    const first = await loopbackCertificate(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = await loopbackCertificate(file);
    expect(second).toEqual(first);
  });

  test('replaced when less than 12 hours are left (it lasts a day)', async () => {
    const now = new Date();
    const first = await loopbackCertificate(file, now);
    expect(await loopbackCertificate(file, new Date(now.getTime() + 11 * HOUR))).toEqual(first);
    const later = await loopbackCertificate(file, new Date(now.getTime() + 13 * HOUR));
    expect(later.cert).not.toBe(first.cert);
    // …and the replacement is what the file holds now.
    expect(await loopbackCertificate(file, new Date(now.getTime() + 13 * HOUR))).toEqual(later);
  });

  test('not reused before it is valid (a clock set back)', async () => {
    const now = new Date();
    const first = await loopbackCertificate(file, now);
    expect((await loopbackCertificate(file, new Date(now.getTime() - HOUR))).cert).not.toBe(first.cert);
  });

  test('a key that does not match the certificate is replaced', async () => {
    const first = await loopbackCertificate(file);
    const other = await createLoopbackCertificate();
    fs.writeFileSync(file, JSON.stringify({ key: other.key, cert: first.cert }), { mode: 0o600 });
    const next = await loopbackCertificate(file);
    expect(next.cert).not.toBe(first.cert);
    expect(new X509Certificate(next.cert).checkPrivateKey(createPrivateKey(next.key))).toBe(true);
  });

  test('a file other users can read is not trusted', async () => {
    const first = await loopbackCertificate(file);
    fs.chmodSync(file, 0o644);
    const next = await loopbackCertificate(file);
    expect(next.cert).not.toBe(first.cert);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  test.each([['not JSON', 'garbage'], ['not PEM', JSON.stringify({ key: 'x', cert: 'y' })], ['fields missing', '{}']])('a file with %s is replaced', async (_what, text) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o600 });
    const next = await loopbackCertificate(file);
    expect(new X509Certificate(next.cert).checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(await loopbackCertificate(file)).toEqual(next);
  });

  test('a folder that cannot be written only means no cache', async () => {
    const blocked = path.join(dir, 'blocked');
    fs.writeFileSync(blocked, 'a file where the folder should be');
    const cert = await loopbackCertificate(path.join(blocked, 'graph-sandbox-tls.json'));
    expect(new X509Certificate(cert.cert).checkHost('localhost')).toBe('localhost');
  });

  test('two sandboxes started from one cache file serve the same certificate', async () => {
    const a = await startGraphSandbox({ seed: testSeed(), certificateCache: file });
    const b = await startGraphSandbox({ seed: testSeed(), certificateCache: file });
    try {
      expect(b.caPem).toBe(a.caPem);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
