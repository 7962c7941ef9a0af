import pino from 'pino';
import type { Log } from './core/ports';
import { logContext } from './logContext';

/**
 * Structured JSON logs. Redaction is a second line of defence: the code never passes secrets,
 * pass codes or full phone numbers to the logger, and these paths catch the usual suspects if a
 * future change does.
 */
export const REDACTED_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'token', '*.token', 'authorization', '*.authorization',
  'headers.authorization', 'req.headers.authorization', 'temporaryAccessPass', '*.temporaryAccessPass',
  'phoneNumber', '*.phoneNumber', 'newMobileE164', '*.newMobileE164', 'oldMobileE164', '*.oldMobileE164',
  'text', '*.text',
];

export type Logger = pino.Logger & Log;

export function createLogger(level: string, destination?: pino.DestinationStream, instance?: string): Logger {
  return pino(
    {
      level,
      base: { service: 'phone-change-mfa-bot', ...(instance ? { instance } : {}) },
      // The request's correlation id and conversation hash, on every line written while serving it.
      mixin: () => ({ ...logContext() }),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * Writes `text` as it is to the logger's own destination, so it lands after every line logged so
 * far (pino writes asynchronously: a direct process.stdout.write can overtake them).
 */
export function writeAfterLog(logger: pino.Logger, text: string): void {
  (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym].write(text);
}
