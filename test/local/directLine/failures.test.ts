/**
 * What the dev Direct Line endpoint refuses and survives: missing, wrong, foreign and expired
 * credentials; malformed and oversized input; a bot that is down, failing, refusing or hanging;
 * bounded memory; and that it is reachable on loopback only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import WebSocket from 'ws';
import type { Clock } from '../../../src/core/ports';
import { startDevDirectLine, type DevDirectLine, type DevDirectLineOptions } from '../../../src/local/directLine/devDirectLine';
import { RecordingLog } from '../../fakes/ports';
import { startBot, type RunningBot } from '../../helpers/botServer';
import { ACCOUNT_QUESTION, SECRET, api, botSide } from './client';

let bot: RunningBot;
let dl: DevDirectLine;
const log = new RecordingLog();
/** Extra endpoints and servers a test starts; all closed after it. */
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  bot = await startBot({});
  dl = await startDevDirectLine({ botEndpoint: `${bot.url}/api/messages`, secret: SECRET, log });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await dl.close();
  await bot.stop();
});

async function endpoint(options: Partial<DevDirectLineOptions> = {}): Promise<DevDirectLine> {
  const started = await startDevDirectLine({ botEndpoint: `${bot.url}/api/messages`, secret: SECRET, log: new RecordingLog(), ...options });
  cleanups.push(() => started.close());
  return started;
}

/** A stand-in bot that answers every request with `handler`. */
async function fakeBot(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
}

async function conversationWithSecret(base = dl.url): Promise<string> {
  const started = await api(base, 'POST', '/conversations', { auth: SECRET });
  expect(started.status).toBe(201);
  return started.json.conversationId as string;
}

const hi = { type: 'message', from: { id: 'dl_someone' }, text: 'hi' };

/** The HTTP status a WebSocket handshake is refused with. */
function wsRefusal(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.on('error', () => undefined);
    ws.on('open', () => {
      ws.close();
      reject(new Error('the stream opened'));
    });
  });
}

class MovableClock implements Clock {
  private at = Date.parse('2025-03-01T09:00:00Z');
  now(): Date {
    return new Date(this.at);
  }
  advance(seconds: number): void {
    this.at += seconds * 1000;
  }
}

describe('authentication', () => {
  test('no credential is 401; a wrong secret or junk token is 403', async () => {
    const noCredential: Record<string, string>[] = [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer' }];
    for (const headers of noCredential) {
      const res = await api(dl.url, 'POST', '/conversations', { headers });
      expect(res).toEqual({ status: 401, json: { error: { code: 'Unauthorized', message: expect.any(String) } } });
    }
    expect((await api(dl.url, 'POST', '/conversations', { auth: 'not-the-secret' })).json.error).toMatchObject({ code: 'Forbidden' });
    expect((await api(dl.url, 'POST', '/tokens/generate', { auth: 'not-the-secret' })).status).toBe(403);
  });

  test("a token for conversation A cannot read, post to, resume, upload to or stream conversation B", async () => {
    const a = await dl.generateToken('dl_user_a');
    const b = await dl.generateToken('dl_user_b');
    const form = new FormData();
    form.append('file', new Blob(['x']), 'x.txt');
    const attempts = [
      api(dl.url, 'GET', `/conversations/${b.conversationId}/activities`, { auth: a.token }),
      api(dl.url, 'POST', `/conversations/${b.conversationId}/activities`, { auth: a.token, body: hi }),
      api(dl.url, 'GET', `/conversations/${b.conversationId}`, { auth: a.token }),
      api(dl.url, 'POST', `/conversations/${b.conversationId}/upload?userId=dl_x`, { auth: a.token, raw: form }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res).toEqual({ status: 403, json: { error: { code: 'Forbidden', message: 'The token is not valid for this conversation.' } } });
    }
    const streamUrl = (t: string, id: string) => `${dl.url.replace('http', 'ws')}/v3/directline/conversations/${id}/stream?t=${t}`;
    expect(await wsRefusal(streamUrl(a.token, b.conversationId))).toBe(403);
    expect(await wsRefusal(streamUrl('junk', b.conversationId))).toBe(403);
    expect(await wsRefusal(`${dl.url.replace('http', 'ws')}/v3/directline/conversations/${b.conversationId}/stream`)).toBe(401);
    expect(await wsRefusal(`${dl.url.replace('http', 'ws')}/elsewhere`)).toBe(404);
    // B's own token still works.
    expect((await api(dl.url, 'GET', `/conversations/${b.conversationId}/activities`, { auth: b.token })).status).toBe(200);
  });

  test('an expired token is refused with TokenExpired everywhere, including refresh', async () => {
    const clock = new MovableClock();
    const short = await endpoint({ clock, tokenLifetimeSeconds: 60 });
    const { token, conversationId, expires_in } = await short.generateToken('dl_expiring');
    expect(expires_in).toBe(60);
    expect((await api(short.url, 'GET', `/conversations/${conversationId}/activities`, { auth: token })).status).toBe(200);

    clock.advance(61);
    const attempts = [
      api(short.url, 'GET', `/conversations/${conversationId}/activities`, { auth: token }),
      api(short.url, 'POST', `/conversations/${conversationId}/activities`, { auth: token, body: hi }),
      api(short.url, 'POST', '/conversations', { auth: token }),
      api(short.url, 'POST', '/tokens/refresh', { auth: token }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res).toEqual({ status: 403, json: { error: { code: 'TokenExpired', message: 'The token has expired.' } } });
    }
    expect(await wsRefusal(`${short.url.replace('http', 'ws')}/v3/directline/conversations/${conversationId}/stream?t=${token}`)).toBe(403);
    // The secret still opens the conversation.
    expect((await api(short.url, 'GET', `/conversations/${conversationId}/activities`, { auth: SECRET })).status).toBe(200);
  });

  test('tokens are generated with the secret only, refreshed with a token only, and bind only dl_ user ids', async () => {
    const { token } = await dl.generateToken('dl_token_rules');
    expect((await api(dl.url, 'POST', '/tokens/generate', { auth: token })).status).toBe(403);
    expect((await api(dl.url, 'POST', '/tokens/refresh', { auth: SECRET })).status).toBe(403);
    const notDl = await api(dl.url, 'POST', '/tokens/generate', { auth: SECRET, body: { user: { id: 'alice' } } });
    expect(notDl).toEqual({ status: 400, json: { error: { code: 'BadArgument', message: 'user.id must be a string starting with "dl_".' } } });
    await expect(dl.generateToken('alice')).rejects.toThrow('dl_');
    expect((await api(dl.url, 'GET', '/conversations/no-such-conversation/activities', { auth: SECRET })).status).toBe(404);
  });
});

describe('bad input', () => {
  test('malformed JSON is 400 on both faces, and the endpoint keeps serving', async () => {
    const conversationId = await conversationWithSecret();
    const path = `/conversations/${conversationId}/activities`;
    const json = { 'content-type': 'application/json' };
    const broken = await api(dl.url, 'POST', path, { auth: SECRET, raw: '{"type": "message", ', headers: json });
    expect(broken).toEqual({ status: 400, json: { error: { code: 'BadArgument', message: 'The body is not valid JSON.' } } });
    expect((await api(botSide(dl), 'POST', `/v3/conversations/${conversationId}/activities`, { raw: 'nope', headers: json })).status).toBe(400);
    expect((await api(dl.url, 'POST', '/tokens/generate', { auth: SECRET, raw: '{', headers: json })).status).toBe(400);
    expect((await api(dl.url, 'POST', path, { auth: SECRET, body: [hi] })).json.error).toMatchObject({ code: 'BadArgument' });
    expect((await api(dl.url, 'POST', path, { auth: SECRET, body: { text: 'no type', from: { id: 'dl_x' } } })).json.error).toMatchObject({ code: 'MissingProperty' });
    expect((await api(dl.url, 'POST', path, { auth: SECRET, body: { type: 'message', text: 'no sender' } })).json.error).toMatchObject({ code: 'MissingProperty' });
    expect((await api(dl.url, 'POST', path, { auth: SECRET, body: { ...hi, text: 42 } })).status).toBe(400);
    expect((await api(dl.url, 'GET', `${path}?watermark=abc`, { auth: SECRET })).status).toBe(400);
    expect((await api(dl.url, 'POST', path, { auth: SECRET })).json.error).toMatchObject({ code: 'MissingProperty' });

    const ok = await api(dl.url, 'POST', path, { auth: SECRET, body: hi });
    expect(ok).toEqual({ status: 200, json: { id: expect.stringMatching(new RegExp(`^${conversationId}\\|\\d{7}$`)) } });
  });

  test('a body over the cap is 413, whether its length is declared or streamed', async () => {
    const conversationId = await conversationWithSecret();
    const big = await api(dl.url, 'POST', `/conversations/${conversationId}/activities`, { auth: SECRET, body: { ...hi, text: 'x'.repeat(300 * 1024) } });
    expect(big).toEqual({ status: 413, json: { error: { code: 'RequestTooLarge', message: expect.any(String) } } });

    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${dl.url}/v3/directline/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 30; i += 1) req.write('x'.repeat(10 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
  });

  test('uploads: not multipart, no file, broken multipart and too large are refused', async () => {
    const small = await endpoint({ limits: { maxUploadBytes: 1024 } });
    const conversationId = await conversationWithSecret(small.url);
    const path = `/conversations/${conversationId}/upload?userId=dl_uploader`;
    expect((await api(small.url, 'POST', path, { auth: SECRET, body: hi })).json.error).toMatchObject({ code: 'BadArgument' });
    const noFile = new FormData();
    noFile.append('activity', new Blob([JSON.stringify({ type: 'message', text: 'x' })]));
    expect((await api(small.url, 'POST', path, { auth: SECRET, raw: noFile })).json.error).toMatchObject({ message: 'The upload has no file.' });
    const broken = await api(small.url, 'POST', path, { auth: SECRET, raw: '--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end', headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    expect(broken.status).toBe(400);
    const tooBig = new FormData();
    tooBig.append('file', new Blob(['y'.repeat(2048)], { type: 'text/plain' }), 'big.txt');
    expect((await api(small.url, 'POST', path, { auth: SECRET, raw: tooBig })).status).toBe(413);
  });

  test('unknown routes are 404 and wrong methods 405, as JSON; CORS preflight is answered', async () => {
    expect(await api(dl.url, 'GET', '/nothing-here', { auth: SECRET })).toEqual({ status: 404, json: { error: { code: 'NotFound', message: expect.any(String) } } });
    expect((await api(dl.url, 'DELETE', '/conversations', { auth: SECRET })).status).toBe(405);
    expect((await api(dl.url, 'GET', '/attachments/unknown/file.txt')).status).toBe(404);
    // A request target that looks like another host is read as a path here (and answered, not dropped).
    const odd = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: Number(new URL(dl.url).port), path: '//example.com/v3/directline/conversations', method: 'GET' });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(odd).toBe(404);
    const preflight = await fetch(`${dl.url}/v3/directline/conversations`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:3978', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-ms-bot-agent' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-ms-bot-agent');
  });
});

describe('the bot failing', () => {
  test('the bot down: posting is 502 BotError, and the endpoint keeps serving what it has', async () => {
    const own = await startBot({});
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await own.stop();
    });
    const local = await endpoint({ botEndpoint: `${own.url}/api/messages`, log });
    const conversationId = await conversationWithSecret(local.url);
    const path = `/conversations/${conversationId}/activities`;
    expect((await api(local.url, 'POST', path, { auth: SECRET, body: hi })).status).toBe(200);

    await own.stop();
    stopped = true;
    const failed = await api(local.url, 'POST', path, { auth: SECRET, body: { ...hi, text: 'anyone there?' } });
    expect(failed).toEqual({ status: 502, json: { error: { code: 'BotError', message: 'Failed to send activity: bot returned an error' } } });

    const kept = await api(local.url, 'GET', path, { auth: SECRET });
    expect(kept.status).toBe(200);
    expect((kept.json.activities as { text?: string }[]).some((a) => a.text?.includes(ACCOUNT_QUESTION))).toBe(true);
    // Starting a conversation still works; its conversationUpdate failing is only logged.
    await conversationWithSecret(local.url);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg === 'dev Direct Line: bot unreachable')).toBe(true);
    expect(log.text()).not.toContain(SECRET);
  });

  test('a bot answering 5xx is 502 BotError; 4xx is 400 BotRejectedActivity; a hanging bot times out as 502', async () => {
    const failing = await endpoint({ botEndpoint: await fakeBot((_req, res) => { res.statusCode = 500; res.end(); }) });
    const c1 = await conversationWithSecret(failing.url);
    expect((await api(failing.url, 'POST', `/conversations/${c1}/activities`, { auth: SECRET, body: hi })).json.error).toMatchObject({ code: 'BotError' });

    const refusing = await endpoint({ botEndpoint: `${bot.url}/api/no-such-route` });
    const c2 = await conversationWithSecret(refusing.url);
    const refused = await api(refusing.url, 'POST', `/conversations/${c2}/activities`, { auth: SECRET, body: hi });
    expect(refused).toEqual({ status: 400, json: { error: { code: 'BotRejectedActivity', message: expect.stringContaining('HTTP 404') } } });

    const hanging = await endpoint({ botEndpoint: await fakeBot(() => undefined), limits: { botTimeoutMs: 300 } });
    const c3 = await conversationWithSecret(hanging.url);
    expect((await api(hanging.url, 'POST', `/conversations/${c3}/activities`, { auth: SECRET, body: hi })).status).toBe(502);
  });
});

describe('resources', () => {
  test('conversations and activities are bounded: the oldest are evicted, with their tokens', async () => {
    const small = await endpoint({ limits: { maxConversations: 2, maxActivitiesPerConversation: 3 } });
    const a = await small.generateToken('dl_a');
    const b = await small.generateToken('dl_b');
    const c = await small.generateToken('dl_c');
    expect((await api(small.url, 'GET', `/conversations/${a.conversationId}/activities`, { auth: SECRET })).status).toBe(404);
    expect((await api(small.url, 'GET', `/conversations/${a.conversationId}/activities`, { auth: a.token })).status).toBe(403);
    expect((await api(small.url, 'GET', `/conversations/${b.conversationId}/activities`, { auth: b.token })).status).toBe(200);

    for (let i = 1; i <= 5; i += 1) {
      await api(botSide(small), 'POST', `/v3/conversations/${c.conversationId}/activities`, { body: { type: 'message', text: `note ${i}` } });
    }
    const kept = await api(small.url, 'GET', `/conversations/${c.conversationId}/activities`, { auth: c.token });
    expect(kept.json).toMatchObject({ watermark: '5', activities: [{ text: 'note 3' }, { text: 'note 4' }, { text: 'note 5' }] });
  });

  test('streams get empty keep-alives, and close() ends them', async () => {
    const quick = await endpoint({ limits: { keepAliveMs: 50 } });
    const { token, conversationId } = await quick.generateToken('dl_stream');
    const started = await api(quick.url, 'POST', '/conversations', { auth: token });
    expect(started.json).toMatchObject({ conversationId, token, streamUrl: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/v3\/directline\/conversations\/.+\/stream\?t=/) });
    const ws = new WebSocket(started.json.streamUrl as string);
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        messages.push(data.toString());
        if (data.length === 0) resolve();
      });
      ws.on('error', reject);
    });
    // The welcome (the backlog, or pushed as it arrived) and then an empty keep-alive.
    expect(messages.filter((m) => m !== '').every((m) => (JSON.parse(m) as { watermark: string }).watermark !== undefined)).toBe(true);
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    await quick.close();
    await closed;
    await expect(fetch(`${quick.url}/v3/directline/conversations`)).rejects.toThrow();
  });

  test('it listens on 127.0.0.1 only', async () => {
    expect(dl.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(dl.url).port;
    const elsewhere = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && !i.address.startsWith('fe80:'))
      .map((i) => (i!.family === 'IPv6' ? `[${i!.address}]` : i!.address));
    expect((await fetch(`${dl.url}/v3/directline/conversations`, { method: 'POST' })).status).toBe(401);
    for (const host of ['[::1]', ...elsewhere]) {
      await expect(fetch(`http://${host}:${port}/v3/directline/conversations`, { method: 'POST' })).rejects.toThrow();
    }
  });
});
