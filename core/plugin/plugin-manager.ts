import fs from 'node:fs';
import path from 'node:path';
import type { ToolDefinition } from '../agent/index.js';
import { applySignal, MsgSignal, Priority, type Disposer } from '../hooks/index.js';
import type { ChatKey, InboundMessage } from '../message/index.js';
import { availableMethods, promptInjections, pushSystemMessage, userMessageSignal, type AvailableMethod, type PromptInjectionResult } from './callbacks.js';
import type { ChatContext } from './context.js';
import { PluginLifecycle, PluginStateError, type PluginInfo } from './lifecycle.js';
import { importPlugin, PluginLoadError, readPluginDocs } from './loader.js';
import { checkDependencies, checkSdk, planDependencies, readManifest, type LoadedVersions, type PluginManifest } from '../manifest/index.js';
import { checkManifestMatches, pluginTargets, readSource, type PluginSource } from './plugin-sources.js';
import { chatContext, type PluginHost } from './plugin-host.js';
import type { IsolatedPlugin } from './isolation.js';
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
    // plugin hooks; it wins over any forced strategy but an `outrankSignals` one (docs/hooks.md "MsgSignal precedence").
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

  /**
   * Loads every plugin of the configured folders: built-ins first, then the others, each in name order; plugins
   * with a `plugin.toml` last, in dependency order. A plugin refused (bad manifest, SDK range, dependency) is
   * recorded as failed with the field at fault, and the others still load.
   */
  async loadAll(): Promise<PluginInfo[]> {
    const out: PluginInfo[] = [];
    const manifested: (PluginSource & { manifest: PluginManifest })[] = [];
    for (const { target, builtin } of pluginTargets(this.dirs)) {
      let source: PluginSource;
      try {
        source = readSource(target, builtin);
      } catch (err) {
        out.push(this.loadFailed(target, err));
        continue;
      }
      if (source.manifest) manifested.push({ ...source, manifest: source.manifest });
      else out.push(await this.loadSource(source));
    }
    const plan = planDependencies(manifested, this.versions());
    for (const { item, error } of plan.refused) out.push(this.loadFailed(item.entry, error, item.manifest));
    for (const item of plan.order) out.push(await this.loadSource(item));
    return out;
  }

  /**
   * Loads one plugin module (or folder). A module that fails (bad manifest, SDK range or dependency, import
   * error, no Plugin default export, invalid metadata, duplicate name, throwing init) is recorded as failed
   * with its error, and returned.
   */
  async loadFile(target: string, opts: { builtin?: boolean } = {}): Promise<PluginInfo> {
    try {
      return await this.loadSource(readSource(target, opts.builtin ?? false));
    } catch (err) {
      return this.loadFailed(target, err);
    }
  }

  private async loadSource(source: PluginSource): Promise<PluginInfo> {
    const { entry, manifest } = source;
    try {
      if (manifest) {
        for (const warning of checkSdk(manifest, this.host.settings.sdkVersion).warnings) this.host.log.warn({ plugin: manifest.id }, warning);
        checkDependencies(manifest, this.versions());
      }
      const about = { source: entry, docs: readPluginDocs(entry), builtin: source.builtin, manifest };
      if (manifest && this.isolates(manifest, source.builtin)) {
        const isolated = await this.host.isolation!.start(entry, manifest, this.host);
        return await this.withProcess(isolated, manifest, () => this.load(isolated.plugin, about));
      }
      let plugin = await importPlugin(entry);
      // Another app in this process has the module's instance (two apps in one test, say): this one gets its own.
      if (isBound(plugin)) plugin = await importPlugin(entry, true);
      if (manifest) checkManifestMatches(manifest, plugin);
      return await this.load(plugin, about);
    } catch (err) {
      return this.loadFailed(entry, err, manifest);
    }
  }

  /** Logs, counts and records a plugin that could not be loaded: under its manifest's id when it has one. */
  private loadFailed(entry: string, err: unknown, manifest?: PluginManifest): PluginInfo {
    const e = err instanceof Error ? err : new Error(String(err));
    const type = err instanceof PluginLoadError ? err.type : ((err as { code?: string }).code ?? 'LoadFailed');
    this.host.log.error({ err: e, source: entry }, `plugin ${manifest?.id ?? entry} failed to load: ${e.message}`);
    this.host.metrics.count('plugin_load_failures_total', { type });
    // A plugin that got as far as its init (or config) was recorded under its own key by the lifecycle.
    const recorded = this.list().find((p) => p.state === 'failed' && p.source === entry);
    if (recorded) return recorded;
    const error = { type, message: e.message, stack: e.stack };
    if (manifest) return this.recordFailure(manifest.id, entry, error, manifest);
    const key = this.failedKey(entry);
    return this.failedInfo(key) ?? this.recordFailure(key, entry, error);
  }

  /** Whether a plugin runs in a process of its own: its manifest says so, or `PLUGIN_ISOLATION=process`; built-ins never. */
  private isolates(manifest: PluginManifest, builtin: boolean): boolean {
    const isolation = this.host.isolation;
    if (!isolation || builtin || isolation.mode === 'inline') return false;
    return isolation.mode === 'process' || manifest.runtime.isolation === 'process';
  }

  /** Loads (or swaps in) an isolated plugin's stand-in; its process stops when the plugin unloads, or now if the load fails. */
  private async withProcess(isolated: IsolatedPlugin, manifest: PluginManifest, load: () => Promise<PluginInfo>): Promise<PluginInfo> {
    try {
      checkManifestMatches(manifest, isolated.plugin);
      const info = await load();
      const l = this.require(info.key);
      l.process = isolated;
      isolated.attach(l.config);
      l.loadScope.add(() => isolated.stop(), 'plugin process');
      return this.list().find((p) => p.key === info.key) ?? info;
    } catch (err) {
      await isolated.stop();
      throw err;
    }
  }

  /** What dependencies are checked against: the plugins loaded so far, and those that failed. */
  private versions(): LoadedVersions {
    return { versionOf: (key) => this.get(key)?.plugin.version, failed: (key) => this.failedInfo(key) !== undefined };
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
      // The manifest is read again: a reload may bring a new version, and the two must still agree.
      const manifest = current.manifest ? readManifest(current.manifest.dir) : undefined;
      const about = { source, docs: readPluginDocs(source), manifest };
      // An isolated plugin's new process starts (and runs init) before the old one is stopped.
      if (manifest && this.isolates(manifest, current.info.builtin)) {
        const isolated = await this.host.isolation!.start(source, manifest, this.host);
        return await this.withProcess(isolated, manifest, () => this.replace(key, isolated.plugin, about));
      }
      const next = await importPlugin(source, true);
      if (manifest) checkManifestMatches(manifest, next);
      return await this.replace(key, next, about);
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
    // A folder plugin (index.* or plugin.toml) owns its whole folder; a single-file plugin owns only its file, so
    // that editing one of several plugins sharing a folder reloads that one.
    const owns = (key: string, source: string): boolean => {
      const folder = this.get(key)?.manifest?.dir ?? (/^index\.[mc]?[jt]s$/.test(path.basename(source)) ? path.dirname(source) : undefined);
      return file === source || (folder !== undefined && file.startsWith(folder + path.sep));
    };
    const owner = this.list().find((p) => p.source !== undefined && owns(p.key, p.source));
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
