/**
 * `npm start`: reads the configuration, assembles the app with the adapters it enables, and runs until
 * SIGINT/SIGTERM or until the last adapter closes. The only place besides the console adapter that writes
 * to the terminal directly: before the logger exists, a bad setting is reported here.
 */
import fs from 'node:fs';
import { ConsoleAdapter } from '../../adapters/console/index.js';
import { DiscordAdapter, agentActivity, discordCommandSource, type DiscordAdapterOptions } from '../../adapters/discord/index.js';
import { OneBotAdapter } from '../../adapters/onebot/index.js';
import { TelegramAdapter, telegramCommandSource } from '../../adapters/telegram/index.js';
import { ConfigError } from '../errors/index.js';
import { OutboundHttp } from '../net/index.js';
import { openApp } from './open-app.js';
import { installProcessGuards } from './process-guards.js';
import { createLogger } from './logger.js';
import { routeLibraryConsole } from './library-console.js';
import { loadConfig, type Config } from './config.js';

function readConfig(): Config {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  // Workers hold no platform connection: their replies go through the outbox to a gateway.
  const consoleOn = config.role !== 'worker' && (config.console.enabled === 'auto' ? process.stdin.isTTY === true : config.console.enabled);
  const consoleAdapter = consoleOn ? new ConsoleAdapter({ userId: config.console.userId, ...(config.console.level === 'advanced' ? { role: 'admin' as const } : {}) }) : undefined;
  // Log lines and the console's prompt share the terminal: print logs above the prompt, not over the typing.
  const prompt = consoleAdapter?.hasPrompt && process.stderr.isTTY ? consoleAdapter : undefined;
  const log = createLogger(config, { prompt });
  routeLibraryConsole(log);
  const app = await openApp(config, { log });
  installProcessGuards(app);
  if (consoleAdapter) app.addAdapter(consoleAdapter);
  if (config.onebot && config.role !== 'worker') app.addAdapter(new OneBotAdapter(config.onebot));
  // One proxy-aware HTTP client for every adapter that calls out over HTTP (HTTPS_PROXY / NO_PROXY).
  const outbound = config.proxy ? new OutboundHttp(config.proxy) : undefined;
  if (config.telegram && config.role !== 'worker') {
    app.addAdapter(new TelegramAdapter({ ...config.telegram, ...(outbound ? { http: outbound } : {}), commands: telegramCommandSource(app.commands, config.commands.superUsers) }));
  }
  if (config.discord && config.role !== 'worker') {
    const restAgent = outbound ? { restAgent: outbound.dispatcher as unknown as NonNullable<DiscordAdapterOptions['restAgent']> } : {};
    app.addAdapter(new DiscordAdapter({ ...config.discord, ...restAgent, commands: discordCommandSource(app.commands), activity: agentActivity(app.hooks) }));
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      app.log.warn(`${signal} again: exiting now without waiting`);
      process.exit(130);
    }
    void app.stop(`received ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  await app.start();
  // Nothing can ever arrive without an adapter: stop rather than idle forever.
  if (app.adapterNames.length === 0 && config.role !== 'worker') await app.stop('no adapter is enabled (stdin is not a terminal: set CONSOLE=1 to read piped input)');
  await app.stopped;
  // 0, unless a fatal error stopped the app (installProcessGuards set 1).
  process.exit();
}

main().catch((err: unknown) => {
  process.stderr.write(`nekomata failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
