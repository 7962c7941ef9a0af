import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * botframework-connector prints to the console while it checks a token (`console.error(err)` on
 * an expired token, the metadata's keys on a bad signature): a stack trace per forged request,
 * outside the structured log. Work run through `quietConsole` prints nothing; the caller logs
 * the outcome itself, once. Everything else in the process prints as before.
 */
const quiet = new AsyncLocalStorage<true>();
let installed = false;

export function quietConsole<T>(work: () => Promise<T>): Promise<T> {
  if (!installed) {
    installed = true;
    for (const name of ['error', 'warn', 'log', 'info', 'debug'] as const) {
      const original = console[name].bind(console);
      console[name] = (...args: unknown[]) => {
        if (!quiet.getStore()) original(...args);
      };
    }
  }
  return quiet.run(true, work);
}
