/**
 * How createGraphClient is put together: what it refuses at start-up, that TLS verification stays
 * on, and that an attempt which never gets an answer ends in time and counts as ambiguous.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientSecretCredential } from '@azure/identity';
import { PHONE_METHOD_IDS } from '../../src/core/directory';
import { createGraphCredential } from '../../src/graph/credentials';
import { createGraphClient, type GraphClientOptions } from '../../src/graph/graphClient';
import { GraphDirectory } from '../../src/graph/graphDirectory';
import { startGraphSandbox } from '../../src/local/graphSandbox/graphSandbox';
import { parseTenantSeed } from '../../src/local/graphSandbox/tenant';
import { createLoopbackCertificate } from '../../src/local/graphSandbox/tls';
import { RecordingLog } from '../fakes/ports';
import { failure } from '../helpers/directoryFailure';

const USER_ID = '00000000-0000-4000-8000-000000000001';
const OPTIONS = { tapLifetimeMinutes: 60, tapUsableOnce: true };

describe('start-up checks', () => {
  const log = new RecordingLog();
  const secret = () => new ClientSecretCredential('00000000-0000-4000-8000-00000000aaaa', '00000000-0000-4000-8000-00000000bbbb', 'x');
  const base = (over: Partial<GraphClientOptions>): GraphClientOptions => ({ credential: secret(), maxRetryTotalSeconds: 10, log, ...over });

  test('live Graph needs no options beyond the credential', () => {
    expect(() => createGraphClient(base({}))).not.toThrow();
    expect(() => createGraphClient(base({ baseUrl: 'https://graph.microsoft.us' }))).not.toThrow();
  });

  test('the sandbox token is never sent to Microsoft Graph', () => {
    expect(() => createGraphClient(base({ credential: createGraphCredential({ kind: 'static', token: 't' }) }))).toThrow(/static \(sandbox\) token/);
  });

  test('a custom CA is for the sandbox only', () => {
    expect(() => createGraphClient(base({ trustedCaPem: 'PEM' }))).toThrow(/sandbox tenant only/);
  });

  test.each([
    ['http://127.0.0.1:8443', /must use https/],
    ['https://graph.microsoft.com/v1.0', /must be an origin/],
    ['not a url', /not a URL/],
  ])('baseUrl %s is refused', (baseUrl, message) => {
    expect(() => createGraphClient(base({ baseUrl }))).toThrow(message);
  });

  test('budget and timeout must make sense', () => {
    expect(() => createGraphClient(base({ maxRetryTotalSeconds: -1 }))).toThrow(/maxRetryTotalSeconds/);
    expect(() => createGraphClient(base({ requestTimeoutSeconds: 0 }))).toThrow(/requestTimeoutSeconds/);
  });
});

test('TLS verification stays on: without trusting its certificate the sandbox cannot be reached', async () => {
  const sandbox = await startGraphSandbox({
    seed: parseTenantSeed({
      users: [{ id: USER_ID, userPrincipalName: 'u@contoso.example', displayName: 'U', methods: [] }],
      roleAssignments: [],
      groups: [],
      temporaryAccessPassPolicy: { enabled: true, defaultLifetimeInMinutes: 60, isUsableOnce: true },
    }),
  });
  try {
    const log = new RecordingLog();
    const client = createGraphClient({ credential: createGraphCredential({ kind: 'static', token: sandbox.token }), baseUrl: sandbox.origin, maxRetryTotalSeconds: 1, log });
    const error = await failure(new GraphDirectory(client, OPTIONS, log).findUser(USER_ID));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/could not be reached/);
    expect(sandbox.requests).toEqual([]);
  } finally {
    await sandbox.close();
  }
});

describe('an attempt that gets no answer', () => {
  let server: Server;
  let origin: string;
  let caPem: string;
  /** Mobile the fake Graph reports on GET; POSTs are never answered. */
  let mobile: string | undefined;
  /** When set, a POST takes effect (sets `mobile`) even though it is never answered. */
  let postApplies = false;
  const seen: string[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    const { key, cert } = await createLoopbackCertificate();
    caPem = cert;
    server = createServer({ key, cert }, (req: IncomingMessage, res: ServerResponse) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
      if (req.method !== 'GET') {
        if (postApplies) mobile = '+44 7700900789';
        return; // hang: the client's deadline has to end it
      }
      const value = mobile === undefined ? [] : [{ id: PHONE_METHOD_IDS.mobile, phoneNumber: mobile, phoneType: 'mobile' }];
      // Not chained: restify, when loaded in the same process, patches writeHead to return nothing.
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req-get' });
      res.end(JSON.stringify({ value }));
    });
    server.on('connection', (socket: Socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // closeAllConnections() leaves a connection of the client's open here, and close() would then
    // wait for the client to drop it (undici's keep-alive: 4 s); so end every socket by hand.
    for (const socket of sockets) socket.destroy();
    await closed;
  });

  beforeEach(() => {
    seen.length = 0;
    postApplies = false;
  });

  function directory(log: RecordingLog): GraphDirectory {
    const client = createGraphClient({
      credential: createGraphCredential({ kind: 'static', token: 'fake' }),
      baseUrl: origin,
      trustedCaPem: caPem,
      maxRetryTotalSeconds: 5,
      requestTimeoutSeconds: 0.3,
      log,
    });
    return new GraphDirectory(client, OPTIONS, log);
  }

  test('a POST that times out and did not apply: read back, not repeated, unavailable', async () => {
    mobile = undefined;
    const error = await failure(directory(new RecordingLog()).replaceMobile(USER_ID, '+447700900789'));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/did not answer in time.*the number was not changed/);
    expect(error.details.writes).toEqual([{ operation: 'phoneMethods.add:mobile', status: 0 }]);
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['GET', 'POST', 'GET']);
  });

  test('a POST that times out but did apply: the read-back shows it, success', async () => {
    mobile = undefined;
    postApplies = true;
    const log = new RecordingLog();
    const result = await directory(log).replaceMobile(USER_ID, '+447700900789');
    expect(result).toMatchObject({ change: 'added', phone: { e164: '+447700900789', masked: '+44 ••••••••89' } });
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['GET', 'POST', 'GET']);
    expect(log.text()).not.toContain('7700900789');
  });
});
