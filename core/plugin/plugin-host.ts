import type { Logger } from 'pino';
import type { SendResult } from '../adapter/index.js';
import type { NamedSet, TagDefinition, ToolDefinition } from '../agent/index.js';
import type { BufferDriver } from '../buffer/index.js';
import type { ControlPlane } from '../control/index.js';
import { toError } from '../errors/index.js';
import { withTimeLimit, type HookRegistry, type MsgSignal } from '../hooks/index.js';
import { parseChatKey, type ChatKey, type InboundMessage, type Segment } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { KVStore } from '../store/index.js';
import type { CommandRegistry, CommandService } from '../command/index.js';
import type { ChatHistory, ResetResult } from '../session/index.js';
import type { ChatPolicy } from '../pipeline/index.js';
import type { PluginInfo } from './lifecycle.js';
import type { ChatContext } from './context.js';
import type { PluginIsolation } from './isolation.js';
import type { MessageBus } from '../bus/index.js';
import type { HttpRoutes } from '../http/index.js';
import type { RunManager } from '../runs/index.js';
import type { EntryRegistry } from './entries.js';
import type { TimerDriver } from './plugin-timer.js';

/** What the plugin manager needs from the app. */
export interface PluginHost {
  hooks: HookRegistry;
  kv: KVStore;
  history: ChatHistory;
  buffer: BufferDriver;
  tools: NamedSet<ToolDefinition>;
  tags: NamedSet<TagDefinition>;
  commands: CommandRegistry;
  log: Logger;
  metrics: Metrics;
  send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult>;
  /** Tells every process when a plugin is enabled, disabled or reconfigured here, and what others changed. */
  control: ControlPlane;
  settings: PluginSettings;
  /** The app's services, for plugins that manage the app (the built-in commands). */
  services: () => PluginServices;
  /** Starts plugins in processes of their own; without it every plugin runs inline. */
  isolation?: PluginIsolation | undefined;
  /** What N.E.K.O-style registrations use: entries, runs, the bus, timers and the HTTP server. */
  neko: NekoParts;
}

/** The app parts behind entries, runs, the message bus, timers and plugin routes. */
export interface NekoParts {
  entries: EntryRegistry;
  runs: RunManager;
  bus: MessageBus;
  timers: TimerDriver;
  http: HttpRoutes;
}

/** What built-in and admin plugins may ask of the app. */
export interface PluginServices {
  commands: CommandService;
  plugins: {
    list(): PluginInfo[];
    enable(key: string): Promise<void>;
    disable(key: string): Promise<void>;
    reload(key: string): Promise<PluginInfo>;
  };
  resetChannel(chatKey: ChatKey, by: string): Promise<ResetResult>;
  /** Sends to any chat through its adapter (KiraAI's `send_message_chain`). */
  send(chatKey: ChatKey, content: string | Segment[]): Promise<SendResult>;
  /** Nekro's `push_system_message`: records a system message, triggering the bot on request or FORCE_TRIGGER. */
  pushSystemMessage(chatKey: ChatKey, text: string, opts?: { trigger?: boolean }): Promise<MsgSignal>;
  /** The configured default strategies (`CHAT_*`), applied by the built-in chat policy plugin. */
  readonly chatPolicy: ChatPolicy;
}

export interface PluginSettings {
  /** Root of every plugin's data directory (`DATA_DIR`). */
  dataDir: string;
  /** Per-call time limit for plugin code, ms. */
  callTimeoutMs: number;
  /** Keys of third-party plugins enabled without being enabled by hand. */
  enabledByDefault: readonly string[];
  /** The Nekomata version a plugin's `[plugin.sdk]` ranges are checked against. */
  sdkVersion: string;
}

/** Builds the `ChatContext` (Nekro's `AgentCtx`) callbacks receive. */
export function chatContext(host: PluginHost, chatKey: ChatKey, message?: InboundMessage): ChatContext {
  const { adapter, chatType, id } = parseChatKey(chatKey);
  return {
    chatKey,
    chatType,
    adapter,
    chatId: id,
    userId: message?.userId,
    userName: message?.userName,
    message,
    send: (content) => host.send(chatKey, typeof content === 'string' ? [{ type: 'text', text: content }] : content),
    log: host.log.child({ chatKey }),
  };
}

/**
 * Runs one piece of plugin code in isolation: a throw or a run past the time limit is logged with the
 * plugin key, counted, reported to `exception` hooks, and turned into `{ ok: false }` for the caller.
 */
export async function callPlugin<T>(
  host: PluginHost,
  pluginKey: string,
  stage: string,
  fn: () => T | Promise<T>,
  chatKey?: ChatKey,
): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  try {
    const value = await withTimeLimit(Promise.resolve().then(fn), host.settings.callTimeoutMs, `${stage} of plugin ${pluginKey}`);
    return { ok: true, value };
  } catch (thrown) {
    const error = toError(thrown);
    host.metrics.count('plugin_errors_total', { plugin: pluginKey, stage });
    host.log.error({ err: error, plugin: pluginKey, stage, chatKey }, `${stage} of plugin ${pluginKey} failed; the app goes on`);
    await host.hooks.emit('exception', { error, stage, owner: pluginKey, chatKey });
    return { ok: false, error };
  }
}
