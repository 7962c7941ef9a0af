/**
 * How the bot proves who it is to Microsoft Graph. Live tenants use an app registration (secret or
 * certificate) or a managed identity, all from @azure/identity; the sandbox tenant hands out a fixed
 * token. Building a credential never touches the network: tokens are fetched on the first call.
 */
import { readFileSync } from 'node:fs';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type AccessToken,
  type TokenCredential,
} from '@azure/identity';

export type GraphCredentialConfig =
  | { kind: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'clientCertificate'; tenantId: string; clientId: string; certificatePath: string }
  | { kind: 'managedIdentity'; clientId?: string }
  /** The sandbox tenant's token; never used with live Graph (createGraphClient refuses it there). */
  | { kind: 'static'; token: string };

/**
 * A credential that always returns the same token. Exported so createGraphClient can recognise it
 * and refuse to send it to a real Graph host.
 */
export class StaticTokenCredential implements TokenCredential {
  /** Reported lifetime; the token itself never changes, so this only stops callers re-asking every request. */
  private static readonly LIFETIME_MS = 60 * 60 * 1000;

  constructor(private readonly token: string) {
    if (token.trim() === '') throw new Error('The static Graph token is empty');
  }

  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + StaticTokenCredential.LIFETIME_MS };
  }
}

export function createGraphCredential(config: GraphCredentialConfig): TokenCredential {
  switch (config.kind) {
    case 'clientSecret':
      return new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret);
    case 'clientCertificate':
      // @azure/identity reads the file only on the first getToken, i.e. during someone's chat turn;
      // checking it here turns a wrong path into a start-up error instead.
      assertUsablePem(config.certificatePath);
      return new ClientCertificateCredential(config.tenantId, config.clientId, { certificatePath: config.certificatePath });
    case 'managedIdentity':
      return config.clientId === undefined
        ? new ManagedIdentityCredential()
        : new ManagedIdentityCredential({ clientId: config.clientId });
    case 'static':
      return new StaticTokenCredential(config.token);
  }
}

/**
 * The file must hold the certificate and an unencrypted private key, which is what @azure/identity
 * expects when no password is configured (and the config has no place for one).
 */
function assertUsablePem(path: string): void {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`Graph client certificate file cannot be read: ${path}`);
  }
  // Messages name the path, never the contents: the file holds a private key.
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new Error(`Graph client certificate file has no PEM certificate: ${path}`);
  }
  if (!/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    throw new Error(`Graph client certificate file has no unencrypted PEM private key: ${path}`);
  }
}
