import { toError } from '../errors/index.js';
import type { App } from './app.js';

type ErrorKind = 'unhandled rejection' | 'uncaught exception';

export interface ProcessGuardOptions {
  /** How the process ends after a fatal error has been handled. Default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Process-level handlers for errors nothing caught: a promise a plugin left unawaited, a throw in a plain
 * `setTimeout` of a plugin. When the error's stack runs through a loaded plugin's files, it is that plugin's:
 * logged, counted (`plugin_errors_total`), reported to `exception` hooks, and the bot keeps running. An error
 * that cannot be traced to a plugin is a bug of the framework or the host: it is logged as fatal, the app stops
 * gracefully (replies in flight go out, unhandled messages are saved), and the process exits with code 1.
 * Returns a function that removes the handlers.
 *
 * Why not AsyncLocalStorage, which would trace every async path: on Node 20 it turns on promise hooks for the
 * whole process, which measured at more than twice the cost per awaited promise on the message path.
 */
export function installProcessGuards(app: App, options: ProcessGuardOptions = {}): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let fatal = false;

  const handle = (thrown: unknown, kind: ErrorKind): void => {
    const error = toError(thrown);
    const owner = fatal ? undefined : app.plugins.ownerOf(error);
    if (owner !== undefined) {
      app.metrics.count('plugin_errors_total', { plugin: owner, stage: kind });
      app.log.error({ err: error, plugin: owner, stage: kind }, `${kind} in plugin ${owner}: ${error.message}; the app goes on`);
      void app.hooks.emit('exception', { error, stage: kind, owner });
      return;
    }
    app.metrics.count('fatal_errors_total', { kind });
    if (fatal) {
      app.log.fatal({ err: error, kind }, `${kind} while stopping after a fatal error`);
      return;
    }
    fatal = true;
    // Whoever ends the process once the app has stopped (the CLI) ends it with this code.
    process.exitCode = 1;
    app.log.fatal({ err: error, kind }, `${kind} outside any plugin: ${error.message}; stopping gracefully, then exiting`);
    // stop() bounds each of its steps; this bounds the whole, should one of them hang anyway.
    setTimeout(() => exit(1), app.config.shutdownTimeoutMs + 5000).unref();
    void app.stop(`fatal ${kind}`).finally(() => exit(1));
  };
  const onRejection = (reason: unknown): void => handle(reason, 'unhandled rejection');
  const onException = (error: unknown): void => handle(error, 'uncaught exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
