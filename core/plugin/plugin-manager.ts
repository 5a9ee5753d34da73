import fs from 'node:fs';
import path from 'node:path';
import type { ToolDefinition } from '../agent/index.js';
import { applySignal, MsgSignal, Priority, type Disposer } from '../hooks/index.js';
import type { ChatKey, InboundMessage } from '../message/index.js';
import { availableMethods, promptInjections, pushSystemMessage, userMessageSignal, type AvailableMethod, type PromptInjectionResult } from './callbacks.js';
import type { ChatContext } from './context.js';
import { PluginLifecycle, PluginStateError, type PluginInfo } from './lifecycle.js';
import { discoverPlugins, importPlugin, PluginLoadError, readPluginDocs, resolvePluginEntry } from './loader.js';
import { chatContext, type PluginHost } from './plugin-host.js';
import { methodTools } from './method-tools.js';
import { isBound } from './plugin.js';
import { pluginOwningError } from './error-owner.js';

export interface PluginDirectories {
  /** Built-in plugins: enabled unless disabled by hand. */
  builtin: readonly string[];
  /** Third-party plugin folders and modules (`PLUGIN_DIRS`): disabled until enabled, unless `PLUGINS_ENABLED` names them. */
  extra: readonly string[];
}

/**
 * The app's plugins: loading from files, hot reload, an optional file watcher, and the places where the
 * pipeline and the agent ask plugins something (message signals, system messages, prompt injections,
 * sandbox methods).
 */
export class PluginManager extends PluginLifecycle {
  private readonly signalHook: Disposer;
  private readonly following: Disposer[];
  private watchers: fs.FSWatcher[] = [];
  private reloadTimers = new Map<string, NodeJS.Timeout>();

  private readonly dirs: PluginDirectories;

  constructor(host: PluginHost, dirs: PluginDirectories = { builtin: [], extra: [] }) {
    super(host);
    // Absolute from the start: the watcher joins changed files to its folder and compares them with the
    // (absolute) module paths plugins were loaded from.
    this.dirs = { builtin: dirs.builtin.map((d) => path.resolve(d)), extra: dirs.extra.map((d) => path.resolve(d)) };
    // Nekro's callbacks combine into one MsgSignal, applied after the chat policy's default and before MEDIUM
    // plugin hooks; it wins over any forced strategy but an `outrankSignals` one (README "MsgSignal precedence").
    // With no callback mounted it costs one array scan per message.
    this.signalHook = host.hooks.on(
      'im_message',
      async (event) => {
        const plugins = this.enabled().filter((l) => l.plugin.userMessageCallback);
        if (plugins.length === 0) return;
        const { signal, from } = await userMessageSignal(this.host, plugins, event.message);
        if (signal !== MsgSignal.CONTINUE) applySignal(event, signal, from.join(', '));
      },
      { priority: Priority.HIGH, owner: 'core.plugins' },
    );
    // Another process enabled, disabled or reconfigured a plugin: every process follows within a signal's time.
    this.following = [
      host.control.on('plugin', (m) => this.follow(m.pluginKey)),
      host.control.on('resync', async () => {
        for (const l of [...this.loaded.values()]) await this.follow(l.plugin.key);
      }),
    ];
  }

  /** Loads every plugin of the configured folders: built-ins first, then the others, each in name order. */
  async loadAll(): Promise<PluginInfo[]> {
    const out: PluginInfo[] = [];
    for (const dir of this.dirs.builtin) for (const entry of discoverPlugins(dir)) out.push(await this.loadFile(entry, { builtin: true }));
    for (const target of this.dirs.extra) {
      const entries = fs.existsSync(target) && fs.statSync(target).isDirectory() && !hasIndex(target) ? discoverPlugins(target) : [target];
      for (const entry of entries) out.push(await this.loadFile(entry));
    }
    return out;
  }

  /**
   * Loads one plugin module (or folder). A module that fails (import error, no Plugin default export,
   * invalid metadata, duplicate name, throwing init) is recorded as failed with its error, and returned.
   */
  async loadFile(target: string, opts: { builtin?: boolean } = {}): Promise<PluginInfo> {
    let entry = target;
    try {
      entry = resolvePluginEntry(target);
      let plugin = await importPlugin(entry);
      // Another app in this process has the module's instance (two apps in one test, say): this one gets its own.
      if (isBound(plugin)) plugin = await importPlugin(entry, true);
      return await this.load(plugin, { source: entry, docs: readPluginDocs(entry), builtin: opts.builtin ?? false });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const type = err instanceof PluginLoadError ? err.type : ((err as { code?: string }).code ?? 'LoadFailed');
      this.host.log.error({ err: e, source: entry }, `plugin ${entry} failed to load: ${e.message}`);
      this.host.metrics.count('plugin_load_failures_total', { type });
      // A plugin that got as far as its init (or config) was recorded under its own key by the lifecycle.
      const recorded = this.list().find((p) => p.state === 'failed' && p.source === entry);
      if (recorded) return recorded;
      const key = this.failedKey(entry);
      return this.failedInfo(key) ?? this.recordFailure(key, entry, { type, message: e.message, stack: e.stack });
    }
  }

  /**
   * Imports the plugin's module afresh and swaps the running instance for it. If anything fails the old
   * instance keeps running, and the error is thrown with the reason.
   */
  async reload(key: string): Promise<PluginInfo> {
    const current = this.require(key);
    const source = current.info.source;
    if (!source) throw new PluginStateError(`plugin ${key} was not loaded from a file, so it cannot be reloaded`);
    try {
      const next = await importPlugin(source, true);
      return await this.replace(key, next, { source, docs: readPluginDocs(source) });
    } catch (err) {
      this.host.metrics.count('plugin_reload_failures_total', { plugin: key });
      this.host.log.error({ err, plugin: key }, `reload of ${key} failed; the running instance is kept`);
      throw err;
    }
  }

  /** Reloads a plugin when a file in its folder changes (`PLUGIN_WATCH=1`). */
  watch(): void {
    for (const dir of [...this.dirs.builtin, ...this.dirs.extra]) {
      if (!fs.existsSync(dir)) continue;
      const watcher = fs.watch(dir, { recursive: true }, (_event, file) => file && this.onFileChanged(path.join(dir, file.toString())));
      watcher.on('error', (err) => this.host.log.warn({ err, dir }, 'plugin watcher stopped for this folder'));
      this.watchers.push(watcher);
    }
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    for (const t of this.reloadTimers.values()) clearTimeout(t);
    this.reloadTimers.clear();
    for (const off of this.following) off();
    await this.unloadAll();
    this.signalHook();
  }

  /** The plugin whose files an error's stack runs through (see `pluginOwningError`), for process-level errors. */
  ownerOf(error: unknown): string | undefined {
    return pluginOwningError(error, this.list());
  }

  // --- What the pipeline and the agent ask plugins ---

  chatContext(chatKey: ChatKey, message?: InboundMessage): ChatContext {
    return chatContext(this.host, chatKey, message);
  }

  /** Nekro's `push_system_message`. */
  pushSystemMessage(chatKey: ChatKey, text: string, opts: { trigger?: boolean } = {}): Promise<MsgSignal> {
    return pushSystemMessage(this.host, this.enabled(), chatKey, text, opts);
  }

  promptInjections(ctx: ChatContext): Promise<PromptInjectionResult[]> {
    return promptInjections(this.host, this.enabled(), ctx);
  }

  availableMethods(ctx: ChatContext): Promise<AvailableMethod[]> {
    return availableMethods(this.host, this.enabled(), ctx);
  }

  /** The sandbox methods offered in this context, as tools for the agent (`<pluginKey>.<method>`). */
  async agentTools(ctx: ChatContext): Promise<ToolDefinition[]> {
    return methodTools(await this.availableMethods(ctx), ctx, this.host);
  }

  private onFileChanged(file: string): void {
    // A folder plugin (index.*) owns its whole folder; a single-file plugin owns only its file, so that
    // editing one of several plugins sharing a folder reloads that one.
    const owns = (source: string): boolean =>
      file === source || (/^index\.[mc]?[jt]s$/.test(path.basename(source)) && file.startsWith(path.dirname(source) + path.sep));
    const owner = this.list().find((p) => p.source !== undefined && owns(p.source));
    if (!owner || owner.state === 'failed' || owner.state === 'unloaded') return;
    clearTimeout(this.reloadTimers.get(owner.key));
    // Editors write a file in several steps: wait for them to settle before importing.
    this.reloadTimers.set(owner.key, setTimeout(() => {
      this.reloadTimers.delete(owner.key);
      this.reload(owner.key).catch(() => undefined);
    }, 200));
  }

  private failedKey(entry: string): string {
    const base = path.basename(entry).replace(/\.[mc]?[jt]s$/, '');
    return `(failed) ${base === 'index' ? path.basename(path.dirname(entry)) : base}`;
  }

  private failedInfo(key: string): PluginInfo | undefined {
    return this.list().find((p) => p.key === key && p.state === 'failed');
  }
}

function hasIndex(dir: string): boolean {
  return ['index.ts', 'index.mts', 'index.js', 'index.mjs'].some((f) => fs.existsSync(path.join(dir, f)));
}
