import type { z } from 'zod';
import type { BusView } from '../bus/index.js';
import type { HttpHandler, HttpMethod } from '../http/index.js';
import type { CustomEvent } from '../hooks/index.js';
import type { Segment } from '../message/index.js';
import type { RunHandle, RunManager } from '../runs/index.js';

/** What an entry declares (`plugin.entry(id, options, fn)`). */
export interface EntryOptions<I extends z.ZodType = z.ZodType> {
  description?: string;
  /** The arguments' schema: a call whose arguments do not validate is refused with the fields named. */
  input?: I;
  /**
   * Longest a call may take; the caller's `timeoutMs` can only shorten it. Default `PLUGIN_CALL_TIMEOUT_MS`.
   * A run of the entry is limited by `RUN_TIMEOUT_MS` instead.
   */
  timeoutMs?: number;
}

/** What an entry learns about the call it answers. */
export interface EntryCall {
  /** Aborted when the call times out or its run is canceled: stop work and return. */
  readonly signal: AbortSignal;
  /** Key of the calling plugin, when a plugin called. */
  readonly caller: string | undefined;
  /** The call chain so far (`plugin:entry` links), this call last. */
  readonly chain: readonly string[];
  /** Set when the entry was started as a run: progress, exports. */
  readonly run: RunHandle | undefined;
}

export type EntryHandler<I extends z.ZodType = z.ZodType> = (args: z.output<I>, call: EntryCall) => unknown;

/** N.E.K.O's lifecycle events: the plugin started (enabled), stopped, was reloaded, had its config changed. */
export type LifecycleEvent = 'startup' | 'shutdown' | 'reload' | 'config_change';

/** What a lifecycle handler gets; `config_change` carries the new and previous config. */
export interface LifecycleInfo {
  event: LifecycleEvent;
  plugin: string;
  value?: unknown;
  previous?: unknown;
}

export type LifecycleHandler = (info: LifecycleInfo) => unknown;

/** A custom event handler (`plugin.onCustomEvent(type, id, fn)`): the payload, then the whole event. */
export type CustomEventHandler = (payload: unknown, event: CustomEvent) => unknown;

/** A plugin HTTP route, served at `/plugins/<pluginKey><path>`. */
export interface PluginRoute {
  method: HttpMethod;
  path: string;
  handler: HttpHandler;
}

/** What `ctx.pushMessage` takes (N.E.K.O's `push_message`). */
export interface PushMessage {
  /** `text` unless said. */
  type?: 'text' | 'url' | 'binary_url';
  content: string;
  description?: string;
  priority?: number;
  metadata?: Record<string, unknown>;
  /** Also send it to this chat through its adapter (through the outbox in a cluster). */
  chatKey?: string;
  /** Sent instead of `content` when `chatKey` is set. */
  segments?: Segment[];
}

/** A plugin's N.E.K.O context (`plugin.ctx`): the message bus, runs, pushed messages and status. */
export interface PluginContext {
  /** Writes to the bus's `messages` topic; with `chatKey`, also sends to that chat. */
  pushMessage(message: PushMessage): Promise<void>;
  /** Starts, reads, cancels and waits for runs of any plugin's entries. */
  readonly runs: PluginRuns;
  /** Reads the bus topics; watches end when the plugin is disabled or unloaded. */
  readonly bus: BusView;
  /** Reports the plugin's status for operators (`plugins.list`) and on the `lifecycle` topic. */
  reportStatus(status: Record<string, unknown>): void;
}

/** The runs API as a plugin sees it: starting names the target plugin (its own by default). */
export interface PluginRuns {
  start(entry: string, args?: unknown, opts?: { plugin?: string }): ReturnType<RunManager['create']>;
  get: RunManager['get'];
  list: RunManager['list'];
  cancel: RunManager['cancel'];
  wait: RunManager['wait'];
  exports: RunManager['exports'];
}
