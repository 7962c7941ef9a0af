/**
 * Building credentials is offline: nothing here asks a live credential for a token, so no test
 * reaches Microsoft Entra. Only the sandbox's static credential is asked, because it has no network.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { generate } from 'selfsigned';
import { StaticTokenCredential, createGraphCredential } from '../../src/graph/credentials';

const TENANT = '00000000-0000-4000-8000-00000000aaaa';
const CLIENT = '00000000-0000-4000-8000-00000000bbbb';

let dir: string;
let certAndKey: string;
let certOnly: string;
let keyBody: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'graph-cred-'));
  // A throwaway certificate, EC for speed; it never leaves this temp directory.
  const pems = await generate([{ name: 'commonName', value: 'graph-credential-test' }], { keyType: 'ec', curve: 'P-256' });
  keyBody = pems.private.split('\n')[1];
  certAndKey = join(dir, 'app.pem');
  writeFileSync(certAndKey, `${pems.cert}\n${pems.private}`);
  certOnly = join(dir, 'cert-only.pem');
  writeFileSync(certOnly, pems.cert);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a client secret gives a ClientSecretCredential', () => {
  const credential = createGraphCredential({ kind: 'clientSecret', tenantId: TENANT, clientId: CLIENT, clientSecret: 'not-a-real-secret' });
  expect(credential).toBeInstanceOf(ClientSecretCredential);
});

test('a certificate file with its key gives a ClientCertificateCredential', () => {
  const credential = createGraphCredential({ kind: 'clientCertificate', tenantId: TENANT, clientId: CLIENT, certificatePath: certAndKey });
  expect(credential).toBeInstanceOf(ClientCertificateCredential);
});

test('a missing certificate file fails at start-up, naming the path', () => {
  const missing = join(dir, 'missing.pem');
  expect(() => createGraphCredential({ kind: 'clientCertificate', tenantId: TENANT, clientId: CLIENT, certificatePath: missing })).toThrow(
    `Graph client certificate file cannot be read: ${missing}`,
  );
});

test('a certificate file without its private key fails at start-up', () => {
  expect(() => createGraphCredential({ kind: 'clientCertificate', tenantId: TENANT, clientId: CLIENT, certificatePath: certOnly })).toThrow(
    /no unencrypted PEM private key/,
  );
});

test('a file that is not PEM fails without echoing its contents', () => {
  const junk = join(dir, 'junk.pem');
  writeFileSync(junk, keyBody);
  let message = '';
  try {
    createGraphCredential({ kind: 'clientCertificate', tenantId: TENANT, clientId: CLIENT, certificatePath: junk });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toMatch(/has no PEM certificate/);
  expect(message).not.toContain(keyBody);
});

test('managed identity, system-assigned or user-assigned', () => {
  expect(createGraphCredential({ kind: 'managedIdentity' })).toBeInstanceOf(ManagedIdentityCredential);
  expect(createGraphCredential({ kind: 'managedIdentity', clientId: CLIENT })).toBeInstanceOf(ManagedIdentityCredential);
});

test('the static (sandbox) credential returns its token with an expiry in the future', async () => {
  const credential = createGraphCredential({ kind: 'static', token: 'sandbox-token' });
  expect(credential).toBeInstanceOf(StaticTokenCredential);
  const before = Date.now();
  const token = await credential.getToken('https://graph.microsoft.com/.default');
  expect(token?.token).toBe('sandbox-token');
  expect(token?.expiresOnTimestamp).toBeGreaterThan(before);
});

test('an empty static token is refused', () => {
  expect(() => createGraphCredential({ kind: 'static', token: '  ' })).toThrow('The static Graph token is empty');
});
