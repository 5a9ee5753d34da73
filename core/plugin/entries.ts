import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { BusTopic } from '../bus/index.js';
import { ValidationError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { Metrics } from '../metrics/index.js';
import type { RunHandle } from '../runs/index.js';
import {
  EntryNotFoundError, PluginCallRefusedError, PluginCommunicationError, PluginExecutionError, PluginNotFoundError, PluginNotRunningError, PluginTimeoutError,
} from './call-errors.js';
import type { EntryCall, EntryHandler, EntryOptions } from './neko-types.js';

/** What the A1 policy does with a cycle or a chain past the limit (`PLUGIN_CALL_POLICY`, `PLUGIN_CALL_MAX_DEPTH`). */
export interface CallSettings {
  policy: 'reject' | 'warn';
  maxDepth: number;
  /** Default time limit of a call, ms (`PLUGIN_CALL_TIMEOUT_MS`). */
  timeoutMs: number;
}

export interface CallOptions {
  /** Shortens the entry's own limit (never lengthens it); for a run, the run's limit. */
  timeoutMs?: number;
  /** Key of the calling plugin. */
  caller?: string;
  run?: RunHandle;
  /** The chain so far when the caller runs in another process (an isolated plugin), where this one cannot see it. */
  chain?: readonly string[];
}

/** One entry as the registry lists it. */
export interface EntryInfo {
  plugin: string;
  id: string;
  description: string;
  /** Whether the entry declares an input schema. */
  validated: boolean;
}

interface Registered {
  options: EntryOptions;
  fn: EntryHandler;
}

// The chain of the call being handled follows it through every await (its entry, the calls the entry makes).
const chainOf = new AsyncLocalStorage<readonly string[]>();
const pluginOf = (link: string): string => link.split(':')[0]!;
const isCallFailure = (err: unknown): boolean =>
  err instanceof PluginTimeoutError || err instanceof PluginCallRefusedError || err instanceof PluginExecutionError ||
  err instanceof PluginNotRunningError || err instanceof PluginCommunicationError;

/**
 * Every enabled plugin's entries, and calls between plugins (N.E.K.O's `call_plugin`): the target's state is
 * checked, the arguments validated against the entry's schema, the call timed out, errors typed, and the call
 * chain carried so that the A1 policy can refuse (or warn about) a cycle or a chain too deep.
 */
export class EntryRegistry {
  private readonly entries = new Map<string, Map<string, Registered>>();

  constructor(
    private readonly deps: {
      log: Logger;
      metrics: Metrics;
      events: BusTopic;
      settings: CallSettings;
      /** `enabled`, another state, or undefined when no such plugin is loaded. */
      pluginState(key: string): string | undefined;
    },
  ) {}

  add(plugin: string, id: string, options: EntryOptions, fn: EntryHandler): Disposer {
    let map = this.entries.get(plugin);
    if (!map) this.entries.set(plugin, (map = new Map()));
    const entry = { options, fn };
    map.set(id, entry);
    return () => {
      if (map.get(id) === entry) map.delete(id);
    };
  }

  list(plugin?: string): EntryInfo[] {
    return [...this.entries].filter(([p]) => plugin === undefined || p === plugin).flatMap(([p, map]) =>
      [...map].map(([id, e]) => ({ plugin: p, id, description: e.options.description ?? '', validated: e.options.input !== undefined })));
  }

  /** The entry's input as JSON Schema (draft 2020-12), or undefined when it declares none; throws like `call`. */
  inputSchema(target: string, entryId: string): Record<string, unknown> | undefined {
    const input = this.find(target, entryId).options.input;
    return input ? (z.toJSONSchema(input, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>) : undefined;
  }

  /**
   * Checks `args` against the entry's schema without calling it, for a caller that must refuse bad arguments
   * before queuing (a run started through the admin API): the failing fields, none when they pass. Throws like `call`
   * when the plugin is not running or has no such entry.
   */
  inputIssues(target: string, entryId: string, args: unknown): { path: string; message: string }[] {
    const parsed = this.find(target, entryId).options.input?.safeParse(args ?? {});
    return parsed && !parsed.success ? parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) : [];
  }

  /** Calls `target`'s entry `entryId` with `args`; resolves with what it returned, or throws a typed error. */
  async call(target: string, entryId: string, args: unknown, opts: CallOptions = {}): Promise<unknown> {
    const entry = this.find(target, entryId);
    const chain = this.chainFor(target, entryId, opts.caller, opts.chain);
    let input = args;
    if (entry.options.input) {
      const parsed = entry.options.input.safeParse(args ?? {});
      if (!parsed.success) {
        throw new ValidationError(`input of entry ${target}:${entryId}`, parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`));
      }
      input = parsed.data;
    }
    // A run is limited by its own time limit (RUN_TIMEOUT_MS), a call by the entry's, which a caller may shorten.
    const limit = opts.run ? (opts.timeoutMs ?? this.deps.settings.timeoutMs) : Math.min(entry.options.timeoutMs ?? this.deps.settings.timeoutMs, opts.timeoutMs ?? Infinity);
    const controller = new AbortController();
    const outer = opts.run?.signal;
    const onOuter = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) onOuter();
    outer?.addEventListener('abort', onOuter, { once: true });
    const call: EntryCall = { signal: controller.signal, caller: opts.caller, chain, run: opts.run };
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new PluginTimeoutError(target, `entry ${entryId}`, limit, 'give it a larger timeoutMs, or make it a run');
        controller.abort(error);
        reject(error);
      }, limit);
    });
    try {
      const work = chainOf.run(chain, () => Promise.resolve().then(() => entry.fn(input as never, call)));
      const value = await Promise.race([work, timedOut]);
      this.record(target, entryId, chain, 'ok', started);
      return value;
    } catch (err) {
      this.deps.metrics.count('plugin_entry_errors_total', { plugin: target, entry: entryId });
      this.record(target, entryId, chain, 'error', started);
      // A refusal deeper in the chain is about the whole chain: it reaches the first caller as it is.
      // So does a typed call failure from further in (an isolated plugin's process died, timed out or threw).
      if (isCallFailure(err)) throw err;
      throw new PluginExecutionError(target, `entry ${entryId}`, err);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    }
  }

  /** The entry of a running plugin, or the typed error saying why there is none. */
  private find(target: string, entryId: string): Registered {
    const state = this.deps.pluginState(target);
    if (state === undefined) throw new PluginNotFoundError(target);
    if (state !== 'enabled') throw new PluginNotRunningError(target, `entry ${entryId}`, `it is ${state}: enable it with /plugins.enable ${target}`);
    const entry = this.entries.get(target)?.get(entryId);
    if (!entry) throw new EntryNotFoundError(target, entryId, [...(this.entries.get(target)?.keys() ?? [])]);
    return entry;
  }

  /** The chain with this call added, after the A1 policy has looked at it. */
  private chainFor(target: string, entryId: string, caller: string | undefined, from: readonly string[] | undefined): string[] {
    const chain = [...(from ?? chainOf.getStore() ?? [])];
    const last = chain[chain.length - 1];
    if (caller !== undefined && (last === undefined || pluginOf(last) !== caller)) chain.push(caller);
    const next = [...chain, `${target}:${entryId}`];
    // A plugin calling its own entry from outside any entry (a hook, a timer) closes no cycle.
    const cycle = chain.some((link) => pluginOf(link) === target) && !(chain.length === 1 && chain[0] === target);
    const deep = next.length > this.deps.settings.maxDepth;
    if (cycle || deep) {
      const reason = cycle ? `${target} is already in the call chain` : `the chain is deeper than PLUGIN_CALL_MAX_DEPTH=${this.deps.settings.maxDepth}`;
      this.deps.metrics.count('plugin_call_chain_violations_total', { kind: cycle ? 'cycle' : 'depth', policy: this.deps.settings.policy });
      if (this.deps.settings.policy === 'reject') throw new PluginCallRefusedError(next, reason);
      this.deps.log.warn({ chain: next }, `call chain ${next.join(' → ')}: ${reason} (PLUGIN_CALL_POLICY=warn lets it through)`);
    }
    return next;
  }

  private record(plugin: string, entry: string, chain: readonly string[], outcome: 'ok' | 'error', started: number): void {
    this.deps.events.publish({ type: 'entry_call', plugin, text: `${plugin}:${entry}`, payload: { entry, chain, outcome, ms: Date.now() - started } });
  }
}
