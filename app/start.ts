import fs from 'node:fs';
import { ConfigError } from '../core/errors/index.js';
import { createLogger, installProcessGuards, openApp, routeLibraryConsole } from '../core/runtime/index.js';
import { configuredAdapters, consoleAdapterFor } from './adapters.js';
import { loadConfig, type AppConfig } from './config.js';
import { packageVersion } from '../core/runtime/index.js';
import { startupSummary } from './startup-summary.js';

/** Reads `.env` (when there is one) and the environment; a bad setting ends the process with code 2, naming it. */
function readConfig(): AppConfig {
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

/**
 * `nekomata start`: assembles the app with the adapters its configuration enables and runs until SIGINT or
 * SIGTERM (a second one exits at once) or until the last adapter closes. Resolves the process's exit code.
 */
export async function startBot(): Promise<number> {
  // Run from the built package (plain node), plugin folders written in TypeScript still load: tsx compiles them on import.
  if (import.meta.url.endsWith('.js')) (await import('tsx/esm/api')).register();
  const config = readConfig();
  const consoleAdapter = consoleAdapterFor(config);
  // Log lines and the console's prompt share the terminal: print logs above the prompt, not over the typing.
  const prompt = consoleAdapter?.hasPrompt && process.stderr.isTTY ? consoleAdapter : undefined;
  const log = createLogger(config, { prompt });
  routeLibraryConsole(log);
  const app = await openApp(config, { log });
  installProcessGuards(app);
  if (consoleAdapter) app.addAdapter(consoleAdapter);
  for (const adapter of configuredAdapters(app, config)) app.addAdapter(adapter);

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
  if (app.running) app.log.info(startupSummary(app, packageVersion()));
  await app.stopped;
  // 0, unless a fatal error stopped the app (installProcessGuards set 1).
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
