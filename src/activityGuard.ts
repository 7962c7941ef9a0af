/**
 * Checks the shape of an inbound activity before the Bot Framework adapter sees it. The adapter
 * answers some malformed bodies with a 500 and an internal message (a missing `type`, say); a
 * client that sent a bad request deserves a 400 that says what is wrong.
 */
import { isLoopbackHost } from './config';

export type GuardResult = { ok: true } | { ok: false; code: string; message: string };

const MAX_ID = 1024;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shortString(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}

export interface GuardOptions {
  /**
   * Local mode authenticates no caller, so `serviceUrl` is whatever the caller wrote: the bot
   * would POST its replies (and the conversation's contents) to any address, path and query.
   */
  localMode: boolean;
}

export function checkActivity(body: unknown, options: GuardOptions): GuardResult {
  const bad = (message: string): GuardResult => ({ ok: false, code: 'BadActivity', message });
  if (!isObject(body)) return bad('The body must be a JSON object (a Bot Framework activity).');
  if (!shortString(body.type, 64)) return bad('The activity needs a "type" such as "message".');
  if (!shortString(body.channelId, 64)) return bad('The activity needs a "channelId".');
  if (!isObject(body.conversation) || !shortString(body.conversation.id, MAX_ID)) return bad('The activity needs "conversation.id".');
  if (!isObject(body.from) || !shortString(body.from.id, MAX_ID)) return bad('The activity needs "from.id".');
  if (body.serviceUrl !== undefined && !shortString(body.serviceUrl, 2048)) return bad('"serviceUrl" must be a URL.');
  if (body.text !== undefined && body.text !== null && typeof body.text !== 'string') return bad('"text" must be a string.');
  if (body.locale !== undefined && body.locale !== null && !shortString(body.locale, 35)) return bad('"locale" must be a language tag.');
  if (body.attachments !== undefined && body.attachments !== null && !Array.isArray(body.attachments)) return bad('"attachments" must be an array.');
  if (body.deliveryMode !== undefined && body.deliveryMode !== null && typeof body.deliveryMode !== 'string') return bad('"deliveryMode" must be a string.');
  // botbuilder's ActivityHandler reads `value.action.type` of this invoke unguarded: any other truthy
  // value threw inside the turn, onTurnError cleared the conversation's state and the caller got a
  // bare 501 (found by the fuzz test, test/fuzz/findings.test.ts).
  // Its `action.type` is put into a message unguarded too: an object without a usable toString
  // threw the same way.
  if (body.type === 'invoke' && body.name === 'adaptiveCard/action' && body.value && !isCardAction(body.value)) {
    return bad('An "adaptiveCard/action" invoke needs "value.action" with a string "type" (and "verb").');
  }
  // For a Teams search invoke it also sets `value.kind` when absent: on a string, a number or a
  // boolean that threw inside the turn, with the same bare 501 (fuzz seed 1510945623, case 19351).
  if (body.type === 'invoke' && body.name === 'application/search' && body.value && typeof body.value !== 'object') {
    return bad('An "application/search" invoke needs an object "value".');
  }
  // Without one the connector falls back to the public Bot Framework host and retries for ~10 s;
  // only an expectReplies turn, answered in the HTTP response, sends nothing there.
  if (body.serviceUrl === undefined && body.deliveryMode !== 'expectReplies') return bad('The activity needs a "serviceUrl" (or deliveryMode "expectReplies").');
  if (options.localMode && body.serviceUrl !== undefined && !isLoopbackUrl(body.serviceUrl)) {
    return bad('In local mode "serviceUrl" must be a loopback http(s) URL (127.0.0.1, ::1 or localhost).');
  }
  return { ok: true };
}

function isCardAction(value: unknown): boolean {
  if (!isObject(value) || !isObject(value.action)) return false;
  const { type, verb } = value.action;
  return typeof type === 'string' && (verb === undefined || verb === null || typeof verb === 'string');
}

function isLoopbackUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
}
