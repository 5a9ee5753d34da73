import pino from 'pino';
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import type { MsgSignal } from '../hooks/index.js';
import type { Segment } from '../message/index.js';
import type { PluginManifest } from '../manifest/index.js';
import { Plugin, type ChatContext, type Declaration, type IsolatedPlugin, type PluginConfig, type PluginHost, type ProcessLimits } from '../plugin/index.js';
import type { KVKey, KVListQuery } from '../store/index.js';
import type { ChatContextWire } from './child-runtime.js';
import { standInFor, type DeclarationWire, type ProcessLink } from './declaration-kinds.js';
import { nekoBridge } from './neko-bridge.js';
import type { CallbackCall, PluginDescription } from './plugin-description.js';
import { PluginProcess } from './plugin-process.js';
import type { RpcHandler } from './rpc.js';

/** The settings a manifest's `[plugin.runtime]` may override, and the ones it may not. */
export function limitsFor(manifest: PluginManifest, defaults: ProcessLimits): ProcessLimits {
  const r = manifest.runtime;
  return {
    ...defaults,
    callTimeoutMs: r.call_timeout_ms ?? defaults.callTimeoutMs,
    startTimeoutMs: r.start_timeout_ms ?? defaults.startTimeoutMs,
    healthTimeoutMs: r.health_timeout_ms ?? defaults.healthTimeoutMs,
    memoryMb: r.memory_mb ?? defaults.memoryMb,
  };
}

/**
 * Starts a plugin in a process of its own and returns a stand-in `Plugin` for the app: the same metadata,
 * declarations and callbacks, each one a call into the process. The lifecycle then loads, enables, disables and
 * unloads the stand-in exactly as it does an inline plugin.
 */
export async function startIsolatedPlugin(entry: string, manifest: PluginManifest, host: PluginHost, limits: ProcessLimits): Promise<IsolatedPlugin> {
  const key = manifest.id;
  let standIn: Plugin | undefined;
  let config: PluginConfig<z.ZodObject> | undefined;
  const log = host.log.child({ plugin: key });
  const link: ProcessLink = { call: (kind, payload, opts) => proc.call(kind, payload, opts), entryCalls: new Map() };
  const bridge = nekoBridge({
    key, host, link, log,
    plugin: () => {
      if (!standIn) throw new Error(`plugin ${key} is still starting`);
      return standIn;
    },
    note: (kind, payload) => proc.note(kind, payload),
  });
  const proc: PluginProcess = new PluginProcess({
    pluginKey: key,
    start: { entry, dataDir: host.settings.dataDir, logLevel: host.log.level, chatPolicy: host.services().chatPolicy },
    limits,
    log: host.log,
    metrics: host.metrics,
    handlers: { ...appHandlers(key, host, () => config), ...bridge.handlers },
    notes: {
      ...bridge.notes,
      log: (line: string) => relayLog(log, line),
      declare: ({ ref, declaration }: { ref: number; declaration: DeclarationWire }) => {
        if (standIn && ref >= standIn.declarations.length) addDeclaration(standIn, standInFor(declaration, ref, link));
      },
    },
    onRestarted: async () => {
      bridge.reset();
      if (!standIn) return;
      if (standIn.initMethod) await call('callback', { name: 'init' }, { label: 'init' });
      if (standIn.isEnabled) await call('callback', { name: 'enabled' }, { label: 'onEnabled' });
    },
  });
  const call = link.call;
  const description = await proc.start();
  try {
    standIn = buildStandIn(description, link);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    plugin: standIn,
    status: () => proc.status(),
    stop: async () => {
      bridge.reset();
      await proc.stop();
    },
    attach: (loaded) => {
      config = loaded;
      // Settings changed in the app (a command, the admin API): the process reads them again and tells its listeners.
      loaded.onChange(() => void call('config_reload', null).catch((err: unknown) => log.warn({ err }, 'the plugin process could not reload its settings')));
    },
  };
}

function buildStandIn(d: PluginDescription, link: ProcessLink): Plugin {
  const call = link.call;
  const schema = d.config ? z.fromJSONSchema(d.config as never) : undefined;
  const standIn = new Plugin({ ...d.meta, ...(schema instanceof z.ZodObject ? { config: schema } : {}) });
  d.declarations.forEach((w, ref) => addDeclaration(standIn, standInFor(w, ref, link)));
  const cb = <T>(c: CallbackCall, label: string) => call('callback', c, { label }) as Promise<T>;
  const wire = (ctx: ChatContext): ChatContextWire => ({ chatKey: ctx.chatKey, message: ctx.message });
  const c = d.callbacks;
  if (c.init) standIn.mountInitMethod(() => cb({ name: 'init' }, 'init'));
  if (c.cleanup) standIn.mountCleanupMethod(() => cb({ name: 'cleanup' }, 'cleanup'));
  if (c.channelReset) standIn.mountOnChannelReset((ctx) => cb({ name: 'channel_reset', ctx: wire(ctx) }, 'onChannelReset'));
  if (c.userMessage) standIn.mountOnUserMessage((ctx) => cb<MsgSignal | undefined>({ name: 'user_message', ctx: wire(ctx) }, 'onUserMessage'));
  if (c.systemMessage) standIn.mountOnSystemMessage((ctx, text) => cb<MsgSignal | undefined>({ name: 'system_message', ctx: wire(ctx), text }, 'onSystemMessage'));
  c.promptInjections.forEach((p, index) => standIn.mountPromptInjectMethod(p, (ctx) => cb<string>({ name: 'prompt_inject', ctx: wire(ctx), index }, `prompt injection ${p.name}`)));
  if (c.collectMethods) standIn.mountCollectMethods((ctx) => cb<string[]>({ name: 'collect_methods', ctx: wire(ctx) }, 'collectMethods'));
  for (const m of c.sandboxMethods) {
    const fn = (ctx: ChatContext, args: Record<string, unknown>) => cb({ name: 'sandbox_method', ctx: wire(ctx), method: m.name, args }, `sandbox method ${m.name}`);
    standIn.mountSandboxMethod(m.type, m.name, m.description, fn, m.parameters);
  }
  // Always: the process must know whether its plugin is enabled (isEnabled, and the plugin's own callbacks).
  standIn.onEnabled(() => cb({ name: 'enabled' }, 'onEnabled'));
  standIn.onDisabled(() => cb({ name: 'disabled' }, 'onDisabled'));
  return standIn;
}

/** A declaration goes through the plugin's own path, so a late one (made in init) registers as inline. */
function addDeclaration(plugin: Plugin, d: Declaration): void {
  // `declare` is the Plugin's single entry for declarations; it is private to keep plugin authors on the typed methods.
  (plugin as unknown as { declare(d: Declaration): void }).declare(d);
}

/** What the plugin's process may ask of the app: its own store and settings, sending, events, and the plugin services. */
function appHandlers(key: string, host: PluginHost, config: () => PluginConfig<z.ZodObject> | undefined): Record<string, RpcHandler> {
  const configAddress = (k: KVKey) => k.pluginKey === '__config__' && k.key === key && k.chatKey === undefined && k.userKey === undefined;
  const own = (k: KVKey): KVKey => {
    if (k.pluginKey === key || configAddress(k)) return k;
    throw new ValidationError(`a store address of plugin ${key}`, [`it may use only its own store, not ${k.pluginKey}'s`]);
  };
  return {
    'kv.get': ([k]: [KVKey]) => host.kv.get(own(k)),
    'kv.set': async ([k, value]: [KVKey, string]) => {
      const created = await host.kv.set(own(k), value);
      // The plugin changed its settings in its process: the app's copy reads them again.
      if (configAddress(k)) await config()?.load();
      return created;
    },
    'kv.delete': ([k]: [KVKey]) => host.kv.delete(own(k)),
    'kv.list': ([q]: [KVListQuery]) => host.kv.list({ ...q, pluginKey: own({ pluginKey: q.pluginKey, key: '' }).pluginKey }),
    'kv.clearPlugin': ([pluginKey]: [string]) => host.kv.clearPlugin(own({ pluginKey, key: '' }).pluginKey),
    send: ({ chatKey, content }: { chatKey: string; content: string | Segment[] }) =>
      host.send(chatKey, typeof content === 'string' ? [{ type: 'text', text: content }] : content),
    emit: ({ eventName, payload }: { eventName: string; payload: unknown }) =>
      host.hooks.emit('custom_event', { eventName, payload, sourcePlugin: key, timestamp: Date.now() }),
    'plugins.enable': (k: string) => host.services().plugins.enable(k),
    'plugins.disable': (k: string) => host.services().plugins.disable(k),
    'plugins.reload': (k: string) => host.services().plugins.reload(k),
    resetChannel: ({ chatKey, by }: { chatKey: string; by: string }) => host.services().resetChannel(chatKey, by),
    pushSystemMessage: ({ chatKey, text, opts }: { chatKey: string; text: string; opts?: { trigger?: boolean } }) =>
      host.services().pushSystemMessage(chatKey, text, opts),
  };
}

/** A log line of the plugin's process, logged by the app's logger at its level. */
function relayLog(log: pino.Logger, line: string): void {
  try {
    const { level, msg, ...rest } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
    const label = (pino.levels.labels[level] ?? 'info') as pino.Level;
    log[label](rest, msg ?? '');
  } catch {
    log.info(line.trim());
  }
}
