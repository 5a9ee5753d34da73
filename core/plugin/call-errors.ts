import { NekomataError } from '../errors/index.js';

/** A call names a plugin that is not loaded (N.E.K.O's `PluginNotFound`). */
export class PluginNotFoundError extends NekomataError {
  constructor(readonly pluginKey: string) {
    super('PLUGIN_NOT_FOUND', `no plugin ${pluginKey} is loaded: check the key (author.moduleName) in /plugins.list`);
  }
}

/** A call names a plugin that is loaded but not enabled (`PluginNotRunning`). */
export class PluginNotRunningError extends NekomataError {
  constructor(readonly pluginKey: string, state: string) {
    super('PLUGIN_NOT_RUNNING', `plugin ${pluginKey} is ${state}, so its entries cannot be called: enable it with /plugins.enable ${pluginKey}`);
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
  constructor(readonly pluginKey: string, readonly entryId: string, readonly ms: number) {
    super('PLUGIN_TIMEOUT', `entry ${pluginKey}:${entryId} did not answer within ${ms} ms and was abandoned: give it a larger timeoutMs, or make it a run`);
  }
}

/** The entry threw or rejected (`PluginExecution`); `cause` is what it threw. */
export class PluginExecutionError extends NekomataError {
  constructor(readonly pluginKey: string, readonly entryId: string, cause: unknown) {
    super('PLUGIN_EXECUTION', `entry ${pluginKey}:${entryId} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * The A1 policy refused a call: it would close a cycle (A → B → A) or go deeper than `PLUGIN_CALL_MAX_DEPTH`.
 * `chain` is every link, caller first, the refused target last.
 */
export class PluginCallRefusedError extends NekomataError {
  constructor(readonly chain: readonly string[], reason: string) {
    super('PLUGIN_CALL_REFUSED', `call refused (${reason}): ${chain.join(' → ')}; break the cycle, or set PLUGIN_CALL_POLICY=warn to allow it`);
  }
}
