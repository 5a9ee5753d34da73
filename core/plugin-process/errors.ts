import { NekomataError } from '../errors/index.js';

/** A call reached a plugin whose process is not running: starting, restarting, stopped, or it died mid-call. */
export class PluginNotRunningError extends NekomataError {
  constructor(
    readonly pluginKey: string,
    readonly what: string,
    reason: string,
  ) {
    super('PLUGIN_NOT_RUNNING', `${what} of plugin ${pluginKey} failed: ${reason}`);
  }
}

/** A call into an isolated plugin ran past its time limit; only that call is lost. */
export class PluginTimeoutError extends NekomataError {
  constructor(
    readonly pluginKey: string,
    readonly what: string,
    readonly ms: number,
  ) {
    super('PLUGIN_TIMEOUT', `${what} of plugin ${pluginKey} gave no answer within ${ms} ms and was abandoned; raise plugin.runtime.call_timeout_ms if it needs longer`);
  }
}

/** The plugin's own code threw; `remote` carries its error as the child saw it (name, message, stack). */
export class PluginExecutionError extends NekomataError {
  constructor(
    readonly pluginKey: string,
    readonly what: string,
    readonly remote: { name: string; message: string; stack?: string | undefined; code?: string | undefined },
  ) {
    super('PLUGIN_EXECUTION', `${what} of plugin ${pluginKey} threw ${remote.name}: ${remote.message}`);
    // The stack that matters is the plugin's, in its own process.
    if (remote.stack) this.stack = `${this.name}: ${this.message}\n--- in the plugin's process ---\n${remote.stack}`;
  }
}

/** A message to or from the plugin's process could not be sent or made no sense. */
export class PluginCommunicationError extends NekomataError {
  constructor(
    readonly pluginKey: string,
    reason: string,
  ) {
    super('PLUGIN_COMMUNICATION', `talking to the process of plugin ${pluginKey} failed: ${reason}`);
  }
}
