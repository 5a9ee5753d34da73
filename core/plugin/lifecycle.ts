import { z } from 'zod';
import type { PluginManifest } from '../manifest/index.js';
import { NekomataError } from '../errors/index.js';
import { parseChatKey } from '../message/index.js';
import fs from 'node:fs';
import type { Declaration, Plugin } from './plugin.js';
import { bindPlugin } from './plugin.js';
import { callPlugin, chatContext, type PluginHost } from './plugin-host.js';
import { LifecycleHandlers, nekoRuntime, registerNeko } from './neko-registrations.js';
import { PluginConfig } from './plugin-config.js';
import { pluginDataDir, resolveInside } from './plugin-path.js';
import { PluginStore } from './plugin-store.js';
import { Scope } from './scope.js';
import type { IsolatedPlugin, ProcessStatus } from './isolation.js';
import { CommandPermission, generatedUsage, type RegisteredCommand } from '../command/index.js';

const DISABLED_BY_HAND = (key: string): string => `it was disabled by hand; enable it with /plugins.enable ${key}`;

export type PluginState = 'enabled' | 'disabled' | 'failed' | 'unloaded';

/** What the app knows about one plugin, for `plugins.list` and the admin API. */
export interface PluginInfo {
  key: string;
  name: string;
  version: string;
  description: string;
  state: PluginState;
  builtin: boolean;
  /** Where it was loaded from, when it came from a file. */
  source?: string | undefined;
  docs?: string | undefined;
  error?: { type: string; message: string; stack?: string | undefined } | undefined;
  /** Why a `disabled` plugin is disabled, and how to enable it. */
  disabledBecause?: string | undefined;
  /** An isolated plugin's process: its state, restarts and last error. */
  process?: ProcessStatus | undefined;
  /** What the plugin last reported with `ctx.reportStatus`, and when. */
  status?: { value: Record<string, unknown>; at: number } | undefined;
}

/** A plugin that is loaded: its instance and what activating it created. */
export interface LoadedPlugin {
  plugin: Plugin;
  info: PluginInfo;
  store: PluginStore;
  config: PluginConfig<z.ZodObject>;
  /** Undone at unload (and for the old instance at reload). */
  loadScope: Scope;
  /** Undone at disable. */
  enabledScope: Scope | undefined;
  /** Load order, for Nekro's "in load order" callbacks. */
  order: number;
  /** Its `plugin.toml`, when its folder has one. */
  manifest?: PluginManifest | undefined;
  /** Its process, when it runs isolated. */
  process?: IsolatedPlugin | undefined;
}

export class PluginStateError extends NekomataError {
  constructor(message: string) {
    super('PLUGIN_STATE', message);
  }
}

const ENABLED_KEY = (key: string) => ({ pluginKey: '__plugins__', key: `enabled:${key}` });

/**
 * Activates plugin instances and moves them between states: loaded → enabled ⇄ disabled → unloaded, or
 * failed with the error kept. `init` runs once per load, `cleanup` at unload and reload; enable and disable
 * register and undo the plugin's hooks, tools and tags without running either.
 */
export class PluginLifecycle {
  protected readonly loaded = new Map<string, LoadedPlugin>();
  protected readonly failed = new Map<string, PluginInfo>();
  private nextOrder = 0;
  private readonly lifecycleHandlers = new LifecycleHandlers();

  constructor(protected readonly host: PluginHost) {}

  list(): PluginInfo[] {
    const info = (l: LoadedPlugin): PluginInfo => (l.process ? { ...l.info, process: l.process.status() } : { ...l.info });
    return [...[...this.loaded.values()].sort((a, b) => a.order - b.order).map(info), ...[...this.failed.values()]];
  }

  get(key: string): LoadedPlugin | undefined {
    return this.loaded.get(key);
  }

  /** Enabled plugins in load order. */
  enabled(): LoadedPlugin[] {
    return [...this.loaded.values()].filter((l) => l.info.state === 'enabled').sort((a, b) => a.order - b.order);
  }

  /**
   * Activates an instance: binds its store, config and data directory, runs its init method, and enables
   * it when its persisted state (or, the first time, `builtin` / `PLUGINS_ENABLED`) says so. Throws on
   * invalid input (a duplicate key); a failing init is recorded as `failed` and rethrown.
   */
  async load(plugin: Plugin, opts: { source?: string; docs?: string | undefined; builtin?: boolean; manifest?: PluginManifest | undefined } = {}): Promise<PluginInfo> {
    this.assertUnique(plugin);
    const active = await this.activate(plugin, opts);
    this.loaded.set(plugin.key, active);
    this.failed.delete(plugin.key);
    const start = await this.startsEnabled(active);
    if (start.enabled) await this.turnOn(active);
    else {
      active.info.disabledBecause = start.why;
      this.host.log.info({ plugin: plugin.key }, `plugin ${plugin.key} is loaded but disabled: ${start.why}`);
    }
    return { ...active.info };
  }

  /**
   * Enables a plugin and remembers the choice: from then on it outlasts `PLUGINS_ENABLED` and the built-in
   * default at every start, until `disable`.
   */
  async enable(key: string): Promise<void> {
    const l = this.require(key);
    await this.host.kv.set(ENABLED_KEY(key), '1');
    await this.turnOn(l);
    await this.host.control.publish({ kind: 'plugin', pluginKey: key });
  }

  private async turnOn(l: LoadedPlugin): Promise<void> {
    const key = l.plugin.key;
    if (l.info.state === 'enabled') return;
    const scope = new Scope(key, this.host);
    for (const d of l.plugin.declarations) if (d.kind !== 'command') this.register(l, scope, d);
    this.registerCallbacks(l, scope);
    l.enabledScope = scope;
    l.info.state = 'enabled';
    l.info.disabledBecause = undefined;
    this.host.commands.notifyChanged();
    for (const fn of l.plugin.enabledCallbacks) await callPlugin(this.host, key, 'onEnabled', fn);
    await this.lifecycleHandlers.fire(this.host, key, 'startup');
    this.host.log.info({ plugin: key }, `plugin ${key} enabled`);
  }

  async disable(key: string): Promise<void> {
    const l = this.require(key);
    if (l.info.state !== 'enabled') return;
    await this.retire(l);
    l.info.disabledBecause = DISABLED_BY_HAND(key);
    await this.host.kv.set(ENABLED_KEY(key), '0');
    this.host.commands.notifyChanged();
    this.host.log.info({ plugin: key }, `plugin ${key} disabled`);
    await this.host.control.publish({ kind: 'plugin', pluginKey: key });
  }

  /**
   * Brings a loaded plugin in line with the store after a process changed it (control message `plugin`):
   * enabled or disabled as saved, and its config read again (its listeners hear a change). Not saved again.
   */
  async follow(key: string): Promise<void> {
    const l = this.loaded.get(key);
    if (!l) return;
    const saved = await this.host.kv.get(ENABLED_KEY(key));
    if (saved === '1' && l.info.state === 'disabled') await this.turnOn(l);
    if (saved === '0' && l.info.state === 'enabled') {
      await this.retire(l);
      l.info.disabledBecause = DISABLED_BY_HAND(key);
      this.host.commands.notifyChanged();
      this.host.log.info({ plugin: key }, `plugin ${key} disabled by another process`);
    }
    await l.config.load();
  }

  /** Disables (without persisting), runs cleanup, undoes everything and forgets the instance. */
  async unload(key: string): Promise<void> {
    const l = this.require(key);
    await this.retire(l);
    await this.deactivate(l);
    this.loaded.delete(key);
    this.host.log.info({ plugin: key }, `plugin ${key} unloaded`);
  }

  /** Unloads every plugin, newest first: the app's shutdown. */
  async unloadAll(): Promise<void> {
    for (const l of [...this.loaded.values()].sort((a, b) => b.order - a.order)) await this.unload(l.plugin.key);
  }

  /**
   * Swaps a loaded plugin for a new instance of it: the new one is activated (init) first, and only
   * when that succeeded is the old one disposed; a failure leaves the old one running and is thrown.
   */
  async replace(key: string, next: Plugin, opts: { source?: string; docs?: string | undefined; manifest?: PluginManifest | undefined } = {}): Promise<PluginInfo> {
    const old = this.require(key);
    if (next.key !== key) throw new PluginStateError(`the reloaded module declares plugin ${next.key}, not ${key}: a reload may not change author or moduleName`);
    const about = { source: opts.source ?? old.info.source, docs: opts.docs ?? old.info.docs, builtin: old.info.builtin, manifest: opts.manifest ?? old.manifest };
    const active = await this.activate(next, about, false);
    // The old hooks go and the new ones come with nothing in between that waits (old onDisabled callbacks and
    // cleanup run after), so no message passes unhooked; an isolated old instance lets its calls in flight finish
    // while the new one already takes new calls.
    const wasEnabled = await this.unhook(old);
    active.order = old.order;
    this.loaded.set(key, active);
    if (wasEnabled) await this.turnOn(active);
    if (wasEnabled) await this.disabledCallbacks(old);
    await this.deactivate(old);
    await this.lifecycleHandlers.fire(this.host, key, 'reload');
    this.host.log.info({ plugin: key }, `plugin ${key} reloaded`);
    return { ...active.info };
  }

  /** Records a plugin that could not be loaded, so that it shows in the list with its error (and its manifest's name). */
  recordFailure(
    key: string,
    source: string | undefined,
    error: { type: string; message: string; stack?: string | undefined },
    about?: { name: string; version: string; description: string },
  ): PluginInfo {
    const info: PluginInfo = {
      key, name: about?.name ?? key, version: about?.version ?? '', description: about?.description ?? '', state: 'failed', builtin: false, source, error,
    };
    this.failed.set(key, info);
    return info;
  }

  private assertUnique(plugin: Plugin): void {
    if (this.loaded.has(plugin.key)) throw new PluginStateError(`plugin ${plugin.key} is already loaded: reload it instead`);
    for (const l of this.loaded.values()) {
      if (l.plugin.moduleName === plugin.moduleName) {
        throw new PluginStateError(`moduleName "${plugin.moduleName}" of ${plugin.key} is already used by ${l.plugin.key}: module names must be unique`);
      }
    }
  }

  /** `recordFailures` is false for a reload: the old instance keeps running, so the plugin has not failed. */
  private async activate(
    plugin: Plugin,
    opts: { source?: string | undefined; docs?: string | undefined; builtin?: boolean | undefined; manifest?: PluginManifest | undefined },
    recordFailures = true,
  ): Promise<LoadedPlugin> {
    const key = plugin.key;
    const info: PluginInfo = {
      key, name: plugin.name, version: plugin.version, description: plugin.description,
      state: 'disabled', builtin: plugin.isBuiltin || opts.builtin === true, source: opts.source, docs: opts.docs,
    };
    const store = new PluginStore(this.host.kv, key);
    const config = new PluginConfig({
      kv: this.host.kv, pluginKey: key, schema: plugin.configSchema ?? z.object({}), log: this.host.log,
      persisted: () => void this.host.control.publish({ kind: 'plugin', pluginKey: key }).catch((err: unknown) => this.host.log.warn({ err, plugin: key }, 'could not tell the other processes of a config change')),
    });
    const loadScope = new Scope(key, this.host);
    const active: LoadedPlugin = { plugin, info, store, config, loadScope, enabledScope: undefined, order: this.nextOrder++, manifest: opts.manifest };
    try {
      await config.load();
    } catch (err) {
      if (recordFailures) this.recordFailure(key, opts.source, describe(err, 'ConfigInvalid'));
      throw err;
    }
    const root = pluginDataDir(this.host.settings.dataDir, key);
    const log = this.host.log.child({ plugin: key });
    bindPlugin(plugin, {
      store, config, log,
      dataDir: (...parts) => {
        fs.mkdirSync(root, { recursive: true });
        return resolveInside(root, ...parts);
      },
      isEnabled: () => active.info.state === 'enabled',
      declare: (d) => {
        if (d.kind === 'command') this.register(active, loadScope, d);
        else if (active.enabledScope) this.register(active, active.enabledScope, d);
      },
      emit: (eventName, payload) => {
        this.host.neko.bus.topic('events').publish({ type: 'custom_event', plugin: key, text: eventName, payload: { eventName, payload } });
        return this.host.hooks.emit('custom_event', { eventName, payload, sourcePlugin: key, timestamp: Date.now() });
      },
      services: this.host.services,
      onConfigChange: (listener) => loadScope.add(config.onChange(listener as never), 'config listener'),
      ...nekoRuntime(
        this.host, key,
        (dispose, what) => (active.enabledScope ?? loadScope).add(dispose, what),
        (value) => (active.info.status = { value, at: Date.now() }),
      ),
    });
    loadScope.add(config.onChange((value, previous) => {
      if (active.info.state === 'enabled') void this.lifecycleHandlers.fire(this.host, key, 'config_change', { value, previous });
    }), 'config_change lifecycle');
    loadScope.add(() => bindPlugin(plugin, undefined), 'runtime binding');
    for (const d of plugin.declarations) if (d.kind === 'command') this.register(active, loadScope, d);
    if (plugin.initMethod) {
      const init = plugin.initMethod;
      const result = await callPlugin(this.host, key, 'init', () => init());
      if (!result.ok) {
        await loadScope.dispose();
        if (recordFailures) this.recordFailure(key, opts.source, describe(result.error, 'InitFailed'));
        throw result.error;
      }
    }
    return active;
  }

  /** Undoes the enabled registrations and runs onDisabled callbacks. */
  private async retire(l: LoadedPlugin): Promise<void> {
    if (await this.unhook(l)) await this.disabledCallbacks(l);
  }

  /** Undoes the enabled registrations only; whether the plugin was enabled. */
  private async unhook(l: LoadedPlugin): Promise<boolean> {
    if (l.info.state !== 'enabled') return false;
    l.info.state = 'disabled';
    const scope = l.enabledScope;
    await this.lifecycleHandlers.fire(this.host, l.plugin.key, 'shutdown');
    l.enabledScope = undefined;
    await scope?.dispose();
    return true;
  }

  private async disabledCallbacks(l: LoadedPlugin): Promise<void> {
    for (const fn of l.plugin.disabledCallbacks) await callPlugin(this.host, l.plugin.key, 'onDisabled', fn);
  }

  private async deactivate(l: LoadedPlugin): Promise<void> {
    const cleanup = l.plugin.cleanupMethod;
    if (cleanup) await callPlugin(this.host, l.plugin.key, 'cleanup', () => cleanup());
    await l.loadScope.dispose();
    l.info.state = 'unloaded';
  }

  /** Whether a plugin starts enabled: a choice made by hand wins, then `builtin` / `PLUGINS_ENABLED` (not saved). */
  private async startsEnabled(l: LoadedPlugin): Promise<{ enabled: boolean; why: string }> {
    const key = l.plugin.key;
    const saved = await this.host.kv.get(ENABLED_KEY(key));
    if (saved === '0') return { enabled: false, why: DISABLED_BY_HAND(key) };
    if (saved === '1') return { enabled: true, why: 'enabled by hand' };
    // Built-ins opt out, third-party plugins opt in (Nekro's PLUGIN_ENABLED, reference §1.7).
    if (l.info.builtin || this.host.settings.enabledByDefault.includes(key)) return { enabled: true, why: 'default' };
    return { enabled: false, why: `third-party plugins start disabled; enable it with PLUGINS_ENABLED=${key} or /plugins.enable ${key}` };
  }

  private register(l: LoadedPlugin, scope: Scope, d: Declaration): void {
    const { plugin } = l;
    const key = plugin.key;
    if (d.kind === 'tool') return scope.add(this.host.tools.add(d.tool, key), `tool ${d.tool.name}`);
    if (d.kind === 'tag') return scope.add(this.host.tags.add(d.tag, key), `tag ${d.tag.name}`);
    if (d.kind === 'command') return scope.add(this.host.commands.add(toRegisteredCommand(l, d)), `command ${d.options.name}`);
    if (d.kind === 'timer' || d.kind === 'entry' || d.kind === 'lifecycle' || d.kind === 'custom_event' || d.kind === 'route') {
      return registerNeko(this.host, this.lifecycleHandlers, key, scope, d);
    }
    const handler = d.handler as (...args: unknown[]) => unknown;
    const wrapped = (...args: unknown[]): unknown => {
      if (plugin.supportAdapter.length > 0) {
        const adapter = adapterOf(args[0]);
        if (adapter !== undefined && !plugin.supports(adapter)) return undefined;
      }
      if (d.eventName !== undefined && (args[0] as { eventName?: string }).eventName !== d.eventName) return undefined;
      return handler(...args);
    };
    const dispose = this.host.hooks.on(d.event, wrapped as never, { priority: d.priority, owner: key, timeoutMs: this.host.settings.callTimeoutMs });
    scope.add(dispose, `hook ${d.event}`);
  }

  /** Nekro's channel-reset callback rides on the `channel_reset` hook, so disabling undoes it too. */
  private registerCallbacks(l: LoadedPlugin, scope: Scope): void {
    const { plugin } = l;
    const dispose = this.host.hooks.on(
      'channel_reset',
      async (event) => {
        const cb = plugin.channelResetCallback;
        if (!cb || !plugin.supports(parseChatKey(event.chatKey).adapter)) return;
        await cb(chatContext(this.host, event.chatKey));
      },
      { owner: plugin.key, timeoutMs: this.host.settings.callTimeoutMs },
    );
    scope.add(dispose, 'channel reset callback');
  }

  protected require(key: string): LoadedPlugin {
    const l = this.loaded.get(key);
    if (!l) throw new PluginStateError(`no plugin ${key} is loaded (loaded: ${[...this.loaded.keys()].join(', ') || 'none'})`);
    return l;
  }
}

/** The adapter an event concerns, when it names one (messages, batches, chat keys, platform events). */
function adapterOf(subject: unknown): string | undefined {
  if (typeof subject !== 'object' || subject === null) return undefined;
  const s = subject as { adapter?: unknown; message?: { adapter?: unknown }; chatKey?: unknown };
  if (typeof s.adapter === 'string') return s.adapter;
  if (typeof s.message?.adapter === 'string') return s.message.adapter;
  if (typeof s.chatKey === 'string') return s.chatKey.slice(0, s.chatKey.indexOf('-'));
  return undefined;
}

function describe(err: unknown, type: string): { type: string; message: string; stack?: string | undefined } {
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: (e as { code?: string }).code ?? type, message: e.message, stack: e.stack };
}

function toRegisteredCommand(l: LoadedPlugin, d: Extract<Declaration, { kind: 'command' }>): RegisteredCommand {
  const o = d.options;
  const args = o.args ?? {};
  return {
    fullName: `${l.plugin.moduleName}:${o.name}`,
    namespace: l.plugin.moduleName,
    name: o.name,
    description: o.description,
    aliases: o.aliases ?? [],
    permission: o.permission ?? CommandPermission.PUBLIC,
    usage: o.usage || generatedUsage(o.name, args),
    category: o.category || 'plugin',
    tags: o.tags ?? [],
    internal: o.internal ?? false,
    i18nDescription: o.i18nDescription,
    i18nUsage: o.i18nUsage,
    i18nCategory: o.i18nCategory,
    args,
    handler: d.handler,
    source: l.plugin.key,
    pluginEnabled: () => l.info.state === 'enabled',
  };
}
