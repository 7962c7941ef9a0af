import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { ConfigError, loadConfig, type Config } from '../src/config';

const SECRET = 'pA55w0rd~with.a-Secret_value';
const APP_ID = '00000000-0000-0000-0000-000000000001';
const TENANT = '00000000-0000-0000-0000-0000000000aa';
/** An authenticated bot needs live Graph; managed identity is a credential that needs no secret. */
const LIVE_GRAPH = { GRAPH_USE_MANAGED_IDENTITY: 'true' };

/** The ConfigError loadConfig throws for `env`; fails the test when it does not throw one. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const problemKeys = (error: ConfigError) => error.problems.map((p) => p.split(':')[0]).sort();

describe('loadConfig defaults', () => {
  const expected: Config = {
    port: 3978,
    host: '127.0.0.1',
    localMode: true,
    botAuth: { MicrosoftAppId: undefined, MicrosoftAppPassword: undefined, MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: undefined },
    stateStore: 'sqlite',
    sqlitePath: path.join('data', 'bot.sqlite'),
    blob: undefined,
    instanceId: `${os.hostname()}-${process.pid}`,
    shutdownDrainSeconds: 0,
    logLevel: 'info',
    defaultLocale: 'en',
    helpdeskLocale: 'en',
    defaultPhoneCountry: undefined,
    maxMisses: 3,
    phoneSignIn: 'microsoft',
    entraAccountRecovery: false,
    maxBodyBytes: 256 * 1024,
    maxTextChars: 2000,
    graph: { mode: 'sandbox', tenantFile: path.join('sandbox', 'demo-tenant.json'), port: 0, external: undefined },
    graphMaxRetrySeconds: 10,
    temporaryAccessPass: { lifetimeInMinutes: 60, isUsableOnce: true },
    helpdeskGroupId: undefined,
    webChat: { directLine: { mode: 'dev', port: 0 }, tokenRequestsPerMinute: 10 },
    trustedProxyHops: 0,
    helpdesk: {
      channel: undefined,
      teamId: undefined,
      approverIds: [],
      requireManagerConfirmation: 'unverified',
      requestTtlMinutes: 1440,
      limits: { perRequesterPerHour: 3, perConversationPerHour: 5, perClientAddressPerHour: 20, perTargetDomainPerHour: 30, perHour: 200 },
      expirySweepSeconds: 60,
    },
    retention: { days: 30, abandonedIntakeHours: 24, auditDays: 365, sweepMinutes: 60 },
  };

  test('an empty environment gives the documented defaults: local mode on loopback', () => {
    expect(loadConfig({})).toEqual(expected);
  });

  test('blank and whitespace-only values count as unset', () => {
    const blank = {
      PORT: '',
      HOST: '   ',
      MicrosoftAppId: '',
      MicrosoftAppPassword: ' ',
      MicrosoftAppType: '',
      MicrosoftAppTenantId: '\t',
      STATE_STORE: '',
      SQLITE_PATH: '  ',
      LOG_LEVEL: '',
      DEFAULT_LOCALE: ' ',
      DEFAULT_PHONE_COUNTRY: '',
      MAX_MISSES: '',
      MAX_BODY_BYTES: ' ',
      MAX_TEXT_CHARS: '',
    };
    expect(loadConfig(blank)).toEqual(expected);
  });

  test('unrelated environment variables are ignored', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root' })).toEqual(expected);
  });
});

describe('loadConfig reads values', () => {
  test('every key is read and converted', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.2',
      STATE_STORE: 'memory',
      SQLITE_PATH: '/var/lib/bot/state.db',
      LOG_LEVEL: 'debug',
      DEFAULT_LOCALE: 'es',
      DEFAULT_PHONE_COUNTRY: 'gb',
      MAX_MISSES: '5',
      MAX_BODY_BYTES: '65536',
      MAX_TEXT_CHARS: '500',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.2',
      localMode: true,
      stateStore: 'memory',
      sqlitePath: '/var/lib/bot/state.db',
      logLevel: 'debug',
      defaultLocale: 'es',
      helpdeskLocale: 'es',
      defaultPhoneCountry: 'GB',
      maxMisses: 5,
      maxBodyBytes: 65536,
      maxTextChars: 500,
    });
  });

  test('HELPDESK_LOCALE sets the helpdesk channel language apart from DEFAULT_LOCALE; language tags in any case', () => {
    expect(loadConfig({ DEFAULT_LOCALE: 'es', HELPDESK_LOCALE: 'EN' })).toMatchObject({ defaultLocale: 'es', helpdeskLocale: 'en' });
    expect(loadConfig({ DEFAULT_LOCALE: 'ES' })).toMatchObject({ defaultLocale: 'es', helpdeskLocale: 'es' });
    expect(problemKeys(configError({ HELPDESK_LOCALE: 'xx' }))).toEqual(['HELPDESK_LOCALE']);
    expect(problemKeys(configError({ DEFAULT_LOCALE: 'it' }))).toEqual(['DEFAULT_LOCALE']);
  });

  test.each<[string, string, keyof Config, unknown]>([
    ['PORT', '0', 'port', 0],
    ['PORT', '65535', 'port', 65535],
    ['PORT', ' 3000 ', 'port', 3000],
    ['MAX_MISSES', '1', 'maxMisses', 1],
    ['MAX_MISSES', '10', 'maxMisses', 10],
    ['HOST', ' ::1 ', 'host', '::1'],
  ])('%s=%j -> %s %j', (key, value, field, expected) => {
    expect(loadConfig({ [key]: value })[field]).toEqual(expected);
  });
});

test.each(['unverified', 'always', 'never'] as const)('REQUIRE_MANAGER_CONFIRMATION=%s reaches the helpdesk settings', (value) => {
  expect(loadConfig({ REQUIRE_MANAGER_CONFIRMATION: value }).helpdesk.requireManagerConfirmation).toBe(value);
});

describe('loadConfig rejects bad values', () => {
  test.each<[string, string]>([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['STATE_STORE', 'redis'],
    ['LOG_LEVEL', 'verbose'],
    ['DEFAULT_LOCALE', 'fr'],
    ['DEFAULT_PHONE_COUNTRY', 'GBR'],
    ['DEFAULT_PHONE_COUNTRY', 'G1'],
    ['MAX_MISSES', '0'],
    ['MAX_MISSES', '11'],
    ['MAX_BODY_BYTES', '100'],
    ['MAX_TEXT_CHARS', 'lots'],
    ['MicrosoftAppType', 'Federated'],
    ['PHONE_SIGN_IN', 'sms'],
    ['ENTRA_ACCOUNT_RECOVERY', 'yes'],
    ['REQUIRE_MANAGER_CONFIRMATION', 'sometimes'],
  ])('%s=%j is named in the error', (key, value) => {
    const error = configError({ [key]: value });
    expect(problemKeys(error)).toEqual([key]);
    expect(error.message).toContain(key);
  });

  test('every bad key is named at once', () => {
    const error = configError({ PORT: 'abc', STATE_STORE: 'redis', DEFAULT_PHONE_COUNTRY: 'GBR', MAX_MISSES: '0' });
    expect(problemKeys(error)).toEqual(['DEFAULT_PHONE_COUNTRY', 'MAX_MISSES', 'PORT', 'STATE_STORE']);
    for (const key of ['PORT', 'STATE_STORE', 'DEFAULT_PHONE_COUNTRY', 'MAX_MISSES']) expect(error.message).toContain(key);
    expect(error).toBeInstanceOf(Error);
  });
});

describe('loadConfig and the bot registration', () => {
  test('an app id without a password is an error naming MicrosoftAppPassword', () => {
    const error = configError({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID });
    expect(problemKeys(error)).toEqual(['MicrosoftAppPassword']);
  });

  test('a blank password is no password', () => {
    expect(problemKeys(configError({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: '  ' }))).toEqual(['MicrosoftAppPassword']);
  });

  test('SingleTenant without a tenant id is an error naming MicrosoftAppTenantId', () => {
    const error = configError({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET, MicrosoftAppType: 'SingleTenant' });
    expect(problemKeys(error)).toEqual(['MicrosoftAppTenantId']);
  });

  test('SingleTenant without password or tenant names both', () => {
    const error = configError({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppType: 'SingleTenant' });
    expect(problemKeys(error)).toEqual(['MicrosoftAppPassword', 'MicrosoftAppTenantId']);
  });

  test('app id and password: authenticated mode, listening on all interfaces', () => {
    const config = loadConfig({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET });
    expect(config.localMode).toBe(false);
    expect(config.host).toBe('0.0.0.0');
    expect(config.botAuth).toEqual({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET, MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: undefined });
  });

  test('an explicit HOST wins in authenticated mode too', () => {
    expect(loadConfig({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET, HOST: '10.0.0.4' }).host).toBe('10.0.0.4');
  });

  test('SingleTenant with its tenant id is fine', () => {
    const config = loadConfig({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET, MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT });
    expect(config.botAuth).toMatchObject({ MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT });
  });

  test('UserAssignedMSI needs no password', () => {
    const config = loadConfig({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT });
    expect(config.localMode).toBe(false);
    expect(config.botAuth.MicrosoftAppPassword).toBeUndefined();
  });

  test.each<[string, Record<string, string>]>([
    ['SingleTenant without tenant', { ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET, MicrosoftAppType: 'SingleTenant' }],
    ['other bad keys', { ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET, PORT: 'abc', STATE_STORE: 'redis', MicrosoftAppType: 'Nope' }],
    ['a bad MAX_MISSES beside a full registration', { ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET, MicrosoftAppTenantId: TENANT, MicrosoftAppType: 'SingleTenant', MAX_MISSES: 'x' }],
  ])('the error never contains the password (%s)', (_case, env) => {
    const error = configError(env);
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error.problems)).not.toContain(SECRET);
    expect(String(error)).not.toContain(SECRET);
  });
});

describe('Microsoft Graph settings', () => {
  const auth = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET };
  const live = { ...auth, GRAPH_TENANT_ID: 'tenant-guid', GRAPH_CLIENT_ID: 'client-guid' };

  test.each<[string, Record<string, string>, unknown]>([
    ['client secret', { ...live, GRAPH_CLIENT_SECRET: 's3cr3t-value' }, { kind: 'clientSecret', tenantId: 'tenant-guid', clientId: 'client-guid', clientSecret: 's3cr3t-value' }],
    ['client certificate', { ...live, GRAPH_CLIENT_CERTIFICATE_PATH: '/etc/bot/graph.pem' }, { kind: 'clientCertificate', tenantId: 'tenant-guid', clientId: 'client-guid', certificatePath: '/etc/bot/graph.pem' }],
    ['system-assigned managed identity', { ...auth, GRAPH_USE_MANAGED_IDENTITY: 'true' }, { kind: 'managedIdentity', clientId: undefined }],
    ['user-assigned managed identity', { ...auth, GRAPH_USE_MANAGED_IDENTITY: 'true', GRAPH_MANAGED_IDENTITY_CLIENT_ID: 'mi-guid' }, { kind: 'managedIdentity', clientId: 'mi-guid' }],
  ])('%s means live Graph with that credential', (_name, env, credential) => {
    expect(loadConfig(env).graph).toEqual({ mode: 'live', baseUrl: 'https://graph.microsoft.com', credential });
  });

  test('no credential means the sandbox tenant, with its file and port', () => {
    expect(loadConfig({ SANDBOX_TENANT_FILE: 'my-tenant.json', SANDBOX_GRAPH_PORT: '4443' }).graph).toEqual({ mode: 'sandbox', tenantFile: 'my-tenant.json', port: 4443 });
  });

  test.each<[string, Record<string, string>, string[]]>([
    ['a secret without tenant and client ids', { ...auth, GRAPH_CLIENT_SECRET: 'x' }, ['GRAPH_CLIENT_ID', 'GRAPH_TENANT_ID']],
    ['two credentials at once', { ...live, GRAPH_CLIENT_SECRET: 'x', GRAPH_USE_MANAGED_IDENTITY: 'true' }, ['GRAPH_CLIENT_SECRET']],
    ['ids without any credential', live, ['GRAPH_CLIENT_SECRET']],
    ['a TAP lifetime outside Graph limits', { TAP_LIFETIME_MINUTES: '5' }, ['TAP_LIFETIME_MINUTES']],
    ['a base URL that is not a URL', { GRAPH_BASE_URL: 'graph' }, ['GRAPH_BASE_URL']],
  ])('%s is refused, naming the keys', (_name, env, keys) => {
    expect(problemKeys(configError(env))).toEqual(keys);
  });

  test.each<[string, Record<string, string>, string]>([
    ['local mode on a public interface', { HOST: '0.0.0.0' }, 'HOST'],
    ['local mode on a private address', { HOST: '10.0.0.4' }, 'HOST'],
    ['local mode with a live Graph secret', { GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c', GRAPH_CLIENT_SECRET: 'x' }, 'MicrosoftAppId'],
    ['local mode with managed identity', { GRAPH_USE_MANAGED_IDENTITY: 'true' }, 'MicrosoftAppId'],
    ['an authenticated bot on the sandbox tenant', auth, 'GRAPH_CLIENT_SECRET'],
    ['an authenticated bot with a shared sandbox', { ...auth, ...LIVE_GRAPH, SANDBOX_GRAPH_URL: 'https://127.0.0.1:4443', SANDBOX_GRAPH_CA_FILE: 'ca.pem', SANDBOX_GRAPH_TOKEN: 't' }, 'SANDBOX_GRAPH_URL'],
  ])('unsafe: %s is refused at start-up, naming %s', (_name, env, key) => {
    const error = configError(env);
    expect(problemKeys(error)).toContain(key);
    expect(error.message).not.toContain('very-secret');
  });

  test.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])('local mode may listen on loopback %s', (host) => {
    expect(loadConfig({ HOST: host }).localMode).toBe(true);
  });

  test('the secret never appears in a configuration error', () => {
    const error = configError({ GRAPH_CLIENT_SECRET: 'very-secret-value', GRAPH_USE_MANAGED_IDENTITY: 'true' });
    expect(error.message).not.toContain('very-secret-value');
  });
});

describe('helpdesk settings', () => {
  test('the channel needs both its conversation id and service URL', () => {
    expect(problemKeys(configError({ HELPDESK_CONVERSATION_ID: '19:abc@thread.tacv2' }))).toEqual(['HELPDESK_SERVICE_URL']);
    expect(problemKeys(configError({ HELPDESK_SERVICE_URL: 'https://smba.trafficmanager.net/emea/' }))).toEqual(['HELPDESK_CONVERSATION_ID']);
    expect(loadConfig({ HELPDESK_CONVERSATION_ID: '19:abc@thread.tacv2', HELPDESK_SERVICE_URL: 'https://smba.trafficmanager.net/emea/' }).helpdesk.channel).toEqual({
      conversationId: '19:abc@thread.tacv2',
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
    });
  });
});

describe('web chat (Direct Line) settings', () => {
  test.each<[string, Record<string, string>, unknown]>([
    ['local mode, no secret: the local stand-in', {}, { mode: 'dev', port: 0 }],
    ['a secret: the Direct Line service', { DIRECT_LINE_SECRET: 'dl-secret-value' }, { mode: 'service', secret: 'dl-secret-value', endpoint: 'https://directline.botframework.com' }],
    ['an authenticated bot without a secret: web chat off, never the stand-in', { ...LIVE_GRAPH, MicrosoftAppId: 'app', MicrosoftAppPassword: 'pw' }, { mode: 'off' }],
  ])('%s', (_name, env, expected) => {
    expect(loadConfig(env).webChat.directLine).toEqual(expected);
  });
});

describe('scale-out settings', () => {
  test('STATE_STORE=blob takes a connection string and a container', () => {
    const config = loadConfig({ STATE_STORE: 'blob', BLOB_CONNECTION_STRING: 'UseDevelopmentStorage=true', BLOB_CONTAINER: 'helpdesk-bot' });
    expect(config.stateStore).toBe('blob');
    expect(config.blob).toEqual({ connectionString: 'UseDevelopmentStorage=true', accountUrl: undefined, managedIdentityClientId: undefined, container: 'helpdesk-bot', startupTimeoutSeconds: 10 });
  });

  test('STATE_STORE=blob takes an account URL (managed identity) and defaults the container', () => {
    const config = loadConfig({ STATE_STORE: 'blob', BLOB_ACCOUNT_URL: 'https://contosobot.blob.core.windows.net', BLOB_MANAGED_IDENTITY_CLIENT_ID: APP_ID });
    expect(config.blob).toEqual({ connectionString: undefined, accountUrl: 'https://contosobot.blob.core.windows.net', managedIdentityClientId: APP_ID, container: 'bot-state', startupTimeoutSeconds: 10 });
  });

  test.each([
    [{ STATE_STORE: 'blob' }, 'BLOB_CONNECTION_STRING'],
    [{ STATE_STORE: 'blob', BLOB_CONNECTION_STRING: 'x', BLOB_ACCOUNT_URL: 'https://a.blob.core.windows.net' }, 'BLOB_CONNECTION_STRING'],
    [{ STATE_STORE: 'blob', BLOB_CONNECTION_STRING: 'x', BLOB_CONTAINER: 'Bad_Name' }, 'BLOB_CONTAINER'],
    [{ STATE_STORE: 'cosmos' }, 'STATE_STORE'],
    [{ SANDBOX_GRAPH_URL: 'https://127.0.0.1:4000' }, 'SANDBOX_GRAPH_URL'],
    [{ SANDBOX_GRAPH_URL: 'https://graph.microsoft.com', SANDBOX_GRAPH_CA_FILE: 'ca.pem', SANDBOX_GRAPH_TOKEN: 't' }, 'SANDBOX_GRAPH_URL'],
    [{ SHUTDOWN_DRAIN_SECONDS: '-1' }, 'SHUTDOWN_DRAIN_SECONDS'],
  ])('%j is refused, naming %s', (env, key) => {
    expect(problemKeys(configError(env))).toContain(key);
  });

  test('a shared sandbox tenant is used when all three settings are given', () => {
    const config = loadConfig({ SANDBOX_GRAPH_URL: 'https://127.0.0.1:4443/', SANDBOX_GRAPH_CA_FILE: '/tmp/ca.pem', SANDBOX_GRAPH_TOKEN: 'tok' });
    expect(config.graph).toEqual({ mode: 'sandbox', tenantFile: path.join('sandbox', 'demo-tenant.json'), port: 0, external: { origin: 'https://127.0.0.1:4443', caFile: '/tmp/ca.pem', token: 'tok' } });
  });

  test('instance id and drain time: explicit, from App Service, and the authenticated default', () => {
    expect(loadConfig({ INSTANCE_ID: 'bot-a', SHUTDOWN_DRAIN_SECONDS: '3' })).toMatchObject({ instanceId: 'bot-a', shutdownDrainSeconds: 3 });
    expect(loadConfig({ WEBSITE_INSTANCE_ID: 'f'.repeat(64) }).instanceId).toBe('f'.repeat(16));
    expect(loadConfig({ ...LIVE_GRAPH, MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET }).shutdownDrainSeconds).toBe(10);
  });
});

test('.env.example is valid as it stands, and documents every setting the code reads', () => {
  const text = fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8');
  expect(() => loadConfig(dotenv.parse(text))).not.toThrow();
  const documented = new Set([...text.matchAll(/^([A-Za-z_]+)=/gm)].map((m) => m[1]));
  const whole = fs.readFileSync(path.join(__dirname, '..', 'src', 'config.ts'), 'utf8');
  const source = whole.slice(whole.indexOf('const schema = z'), whole.indexOf('.superRefine('));
  const read = [...source.matchAll(/^ {4}([A-Za-z_]+): /gm)].map((m) => m[1]).filter((k) => k !== 'WEBSITE_INSTANCE_ID');
  expect(read.length).toBeGreaterThan(30);
  expect(read.filter((k) => !documented.has(k))).toEqual([]);
});
