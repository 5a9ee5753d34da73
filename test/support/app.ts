import { createApp, type App, type AppOptions } from '../../core/runtime/index.js';
import { loadConfig } from '../../app/config.js';
import { openSqliteStore, type Store } from '../../core/store/index.js';
import { captureLogger } from './logger.js';

/** An app on an in-memory store with a short debounce window and a captured log. */
export function makeTestApp(
  env: Record<string, string> = {},
  options: AppOptions = {},
): { app: App; lines: Record<string, unknown>[]; store: Store } {
  const { log, lines } = captureLogger();
  const config = loadConfig({ DEBOUNCE_MS: '40', MAX_WAIT_MS: '1000', SHUTDOWN_TIMEOUT_MS: '2000', ...env });
  const store = options.store ?? openSqliteStore({ path: ':memory:', log });
  const app = createApp(config, { log, store, ...options });
  return { app, lines, store };
}
