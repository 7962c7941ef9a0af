/**
 * The floor set by the framework: a bare botbuilder bot on the same dependencies as the real one
 * (restify 11, CloudAdapter, ConfigurationBotFrameworkAuthentication with no app id, the same
 * body parser), whose only logic is to say back what it was told. The benchmark runs it as a
 * child process: `node dist/bench/echoBot.js --port=N`.
 */
import {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  type ConfigurationBotFrameworkAuthenticationOptions,
} from 'botbuilder';
import restify from 'restify';

const portArg = process.argv.find((a) => a.startsWith('--port='));
const port = Number(portArg?.slice('--port='.length) ?? 'NaN');
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: node dist/bench/echoBot.js --port=N\n');
  process.exit(2);
}

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(MessageFactory.text(context.activity.text ?? ''));
      await next();
    });
  }
}

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions));
const bot = new EchoBot();
const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
// The real bot's parser settings, so the difference between the two is the bot, not the parsing.
server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false, mapFiles: false }));
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});
server.get('/healthz', (_req, res, next) => {
  res.send(200, { status: 'ok' });
  next();
});
server.listen(port, '127.0.0.1');

const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
