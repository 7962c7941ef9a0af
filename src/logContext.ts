/**
 * Fields every log line written during a request carries (correlation id, conversation hash,
 * channel), without passing them through every call: the logger's mixin reads them from here.
 * With the instance id in the logger's base fields, one conversation can be followed across
 * instances by its hash.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

export interface LogContext {
  correlationId?: string;
  conversation?: string;
  channelId?: string;
}

const current = new AsyncLocalStorage<LogContext>();

export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return current.run({ ...current.getStore(), ...fields }, work);
}

export function logContext(): LogContext {
  return current.getStore() ?? {};
}

/** Conversation ids identify people in some channels; logs carry a short hash instead. */
export function conversationHash(id: string | undefined): string {
  return createHash('sha256').update(id ?? '').digest('hex').slice(0, 12);
}
