import { combineSignals, MsgSignal } from '../hooks/index.js';
import type { ChatKey, InboundMessage } from '../message/index.js';
import type { ChatContext } from './context.js';
import type { LoadedPlugin } from './lifecycle.js';
import { callPlugin, chatContext, type PluginHost } from './plugin-host.js';
import type { SandboxMethod } from './sandbox.js';

/**
 * Nekro's message callbacks of every enabled plugin that serves the message's adapter, in load order,
 * all of them (no short-circuit), combined by Nekro's rule, with the keys of the plugins whose callbacks
 * returned the combined signal. A callback that throws or hangs counts as CONTINUE (reference decision §1.5).
 */
export async function userMessageSignal(host: PluginHost, plugins: readonly LoadedPlugin[], message: InboundMessage): Promise<{ signal: MsgSignal; from: string[] }> {
  const answers: { key: string; signal: MsgSignal | undefined }[] = [];
  let ctx: ChatContext | undefined;
  for (const { plugin } of plugins) {
    const cb = plugin.userMessageCallback;
    if (!cb || !plugin.supports(message.adapter)) continue;
    ctx ??= chatContext(host, message.chatKey, message);
    const c = ctx;
    const r = await callPlugin(host, plugin.key, 'onUserMessage', () => cb(c, message), message.chatKey);
    if (r.ok) answers.push({ key: plugin.key, signal: r.value ?? undefined });
  }
  const signal = combineSignals(answers.map((a) => a.signal));
  return { signal, from: answers.filter((a) => a.signal === signal).map((a) => a.key) };
}

/**
 * Nekro's `push_system_message`: the system callbacks decide (BLOCK_ALL drops it); otherwise it is recorded
 * as a system message, and it triggers the bot when asked to or when a callback returned FORCE_TRIGGER.
 */
export async function pushSystemMessage(
  host: PluginHost,
  plugins: readonly LoadedPlugin[],
  chatKey: ChatKey,
  text: string,
  opts: { trigger?: boolean } = {},
): Promise<MsgSignal> {
  const ctx = chatContext(host, chatKey);
  const signals: (MsgSignal | undefined)[] = [];
  for (const { plugin } of plugins) {
    const cb = plugin.systemMessageCallback;
    if (!cb || !plugin.supports(ctx.adapter)) continue;
    const r = await callPlugin(host, plugin.key, 'onSystemMessage', () => cb(ctx, text), chatKey);
    if (r.ok) signals.push(r.value ?? undefined);
  }
  const signal = combineSignals(signals);
  if (signal === MsgSignal.BLOCK_ALL) return signal;
  const entry = host.history.record({ kind: 'note', chatKey, text });
  if (signal === MsgSignal.BLOCK_TRIGGER || !(opts.trigger || signal === MsgSignal.FORCE_TRIGGER)) return signal;
  const message: InboundMessage = {
    adapter: ctx.adapter, botId: 'system', chatKey, chatType: ctx.chatType, chatId: ctx.chatId,
    userId: 'system', userName: 'system', segments: entry.segments, text, toMe: true, messageId: entry.messageId, time: entry.time,
  };
  await host.buffer.push(message, 'flush');
  return signal;
}

export interface PromptInjectionResult {
  pluginKey: string;
  moduleName: string;
  name: string;
  text: string;
}

/** Every enabled plugin's prompt injections for this chat, isolated from each other's errors. */
export async function promptInjections(host: PluginHost, plugins: readonly LoadedPlugin[], ctx: ChatContext): Promise<PromptInjectionResult[]> {
  const out: PromptInjectionResult[] = [];
  for (const { plugin } of plugins) {
    if (!plugin.supports(ctx.adapter)) continue;
    for (const inject of plugin.promptInjections) {
      const r = await callPlugin(host, plugin.key, `prompt injection ${inject.name}`, () => inject.fn(ctx), ctx.chatKey);
      if (r.ok && typeof r.value === 'string' && r.value.trim() !== '') {
        out.push({ pluginKey: plugin.key, moduleName: plugin.moduleName, name: inject.name, text: r.value });
      }
    }
  }
  return out;
}

export interface AvailableMethod {
  pluginKey: string;
  /** `<pluginKey>.<name>`: the identity the agent calls it by. */
  id: string;
  method: SandboxMethod;
}

/**
 * The sandbox methods the agent may use in this context: enabled plugins serving the adapter, each narrowed
 * by its collect filter. A filter that fails offers none of that plugin's methods (fail closed).
 */
export async function availableMethods(host: PluginHost, plugins: readonly LoadedPlugin[], ctx: ChatContext): Promise<AvailableMethod[]> {
  const out: AvailableMethod[] = [];
  for (const { plugin } of plugins) {
    if (!plugin.supports(ctx.adapter) || plugin.sandboxMethods.length === 0) continue;
    let methods = plugin.sandboxMethods;
    const collect = plugin.collectMethods;
    if (collect) {
      const r = await callPlugin(host, plugin.key, 'collectMethods', () => collect(ctx), ctx.chatKey);
      if (!r.ok) continue;
      const chosen = new Set(r.value.map((x) => (typeof x === 'string' ? x : typeof x === 'function' ? x : x.name)));
      methods = methods.filter((m) => chosen.has(m.name) || chosen.has(m.fn));
    }
    for (const method of methods) out.push({ pluginKey: plugin.key, id: `${plugin.key}.${method.name}`, method });
  }
  return out;
}
