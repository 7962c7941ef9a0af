/** Entry point: validated config in, composed app out, stopped cleanly on SIGTERM/SIGINT. */
import { createApp } from './app';
import { ConfigError, loadConfig, readEnvironment } from './config';
import { writeAfterLog } from './logging';
import { announceStartup } from './startupLine';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  const url = await app.start();
  // Through the log's own stream, so the line for the person comes after the JSON lines.
  announceStartup({ isTTY: process.stdout.isTTY, write: (text) => writeAfterLog(app.log, text) }, config, url);
  const shutdown = (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
