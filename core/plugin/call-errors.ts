import { NekomataError } from '../errors/index.js';

// One family for every call into a plugin, inline or in its own process (N.E.K.O's typed errors). `what` names
// the call ("entry report", "hook im_message", "command ping") so one message shape fits both hosts.

/** A call names a plugin that is not loaded (N.E.K.O's `PluginNotFound`). */
export class PluginNotFoundError extends NekomataError {
  constructor(readonly pluginKey: string) {
    super('PLUGIN_NOT_FOUND', `no plugin ${pluginKey} is loaded: check the key (author.moduleName) in /plugins.list`);
  }
}

/**
 * The plugin cannot take the call (`PluginNotRunning`): it is disabled, or its process is starting, restarting,
 * stopped after a crash loop, or died during the call (then the call fails at once, not after its time limit).
 */
export class PluginNotRunningError extends NekomataError {
  constructor(readonly pluginKey: string, readonly what: string, reason: string) {
    super('PLUGIN_NOT_RUNNING', `${what} of plugin ${pluginKey} failed: ${reason}`);
  }
}

/** A call names an entry the plugin does not declare (`EntryNotFound`). */
export class EntryNotFoundError extends NekomataError {
  constructor(readonly pluginKey: string, readonly entryId: string, known: readonly string[]) {
    super('ENTRY_NOT_FOUND', `plugin ${pluginKey} has no entry "${entryId}" (it has: ${known.join(', ') || 'none'})`);
  }
}

/** A call ran past its time limit; its signal was aborted and its answer is no longer awaited (`PluginTimeout`). */
export class PluginTimeoutError extends NekomataError {
  constructor(readonly pluginKey: string, readonly what: string, readonly ms: number, advice = 'give it a larger time limit') {
    super('PLUGIN_TIMEOUT', `${what} of plugin ${pluginKey} gave no answer within ${ms} ms and was abandoned; ${advice}`);
  }
}

/**
 * The plugin's own code threw (`PluginExecution`); `cause` is what it threw. From a plugin's process, `remoteStack`
 * is the stack as the process saw it: the one that matters.
 */
export class PluginExecutionError extends NekomataError {
  constructor(readonly pluginKey: string, readonly what: string, cause: unknown, remoteStack?: string) {
    const told = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super('PLUGIN_EXECUTION', `${what} of plugin ${pluginKey} threw ${told}`, { cause });
    if (remoteStack) this.stack = `${this.name}: ${this.message}\n--- in the plugin's process ---\n${remoteStack}`;
  }
}

/** A message to or from a plugin's process could not be sent or made no sense (`PluginCommunication`). */
export class PluginCommunicationError extends NekomataError {
  constructor(readonly pluginKey: string, reason: string) {
    super('PLUGIN_COMMUNICATION', `talking to the process of plugin ${pluginKey} failed: ${reason}`);
  }
}

/**
 * The A1 policy refused a call: it would close a cycle (A → B → A) or go deeper than `PLUGIN_CALL_MAX_DEPTH`.
 * `chain` is every link, caller first, the refused target last.
 */
export class PluginCallRefusedError extends NekomataError {
  constructor(readonly chain: readonly string[], readonly reason: string) {
    super('PLUGIN_CALL_REFUSED', `call refused (${reason}): ${chain.join(' → ')}; break the cycle, or set PLUGIN_CALL_POLICY=warn to allow it`);
  }
}
