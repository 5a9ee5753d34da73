import type { z } from 'zod';
import type { PluginManifest } from '../manifest/index.js';
import type { Plugin } from './plugin.js';
import type { PluginConfig } from './plugin-config.js';
import type { PluginHost } from './plugin-host.js';

/** `PLUGIN_ISOLATION`: each manifest chooses, or every plugin with a manifest runs inline, or in a process. */
export type IsolationSetting = 'manifest' | 'inline' | 'process';

/** How an isolated plugin's process is run and watched (the `PLUGIN_*` settings; `[plugin.runtime]` overrides some). */
export interface ProcessLimits {
  callTimeoutMs: number;
  startTimeoutMs: number;
  healthIntervalMs: number;
  healthTimeoutMs: number;
  memoryMb: number;
  stopTimeoutMs: number;
  restartBaseMs: number;
  restartMaxMs: number;
  /** This many crashes within `crashLoopWindowMs` stop the plugin's process until it is reloaded. */
  crashLoopCount: number;
  crashLoopWindowMs: number;
}

/** Where an isolated plugin's process is. `crashed`: stopped after a crash loop, until the plugin is reloaded. */
export type ProcessState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'crashed';

/** What operators see of an isolated plugin's process (`plugins.list`, the admin API). */
export interface ProcessStatus {
  state: ProcessState;
  pid: number | undefined;
  /** Restarts since the plugin was loaded. */
  restarts: number;
  /** Why the process last ended on its own or was killed: exit code or signal, and its last lines of stderr. */
  lastError: { message: string; at: number } | undefined;
  memoryMb: number;
}

/** A plugin running in a process of its own: the stand-in the lifecycle loads, and its process. */
export interface IsolatedPlugin {
  /** Same metadata, declarations and callbacks as the real plugin; each one is a call into the process. */
  plugin: Plugin;
  status(): ProcessStatus;
  /** Graceful: calls in flight may finish, then the process is asked to exit, then SIGTERM, then SIGKILL. */
  stop(): Promise<void>;
  /** Links the app's copy of the plugin's settings, once loaded, with the process's. */
  attach(config: PluginConfig<z.ZodObject>): void;
}

/** Starts plugins in processes of their own (core/plugin-process); the manager asks it for plugins whose manifest says so. */
export interface PluginIsolation {
  readonly mode: IsolationSetting;
  start(entry: string, manifest: PluginManifest, host: PluginHost): Promise<IsolatedPlugin>;
}
