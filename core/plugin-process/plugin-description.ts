import { toolParametersSchema, type JsonSchemaObject } from '../agent/index.js';
import type { Plugin, PluginMetadata, SandboxMethodType } from '../plugin/index.js';
import type { ChatContextWire, ChildRuntime } from './child-runtime.js';
import { describeDeclaration, type DeclarationWire } from './declaration-kinds.js';
import { z } from 'zod';

/** What the plugin's process tells the app about the plugin it imported: enough to stand in for it. */
export interface PluginDescription {
  meta: Required<Pick<PluginMetadata, 'name' | 'moduleName' | 'description' | 'version' | 'author' | 'url'>> & {
    supportAdapter: string[];
    isBuiltin: boolean;
    isPackage: boolean;
  };
  /** Its config schema as JSON Schema, when it has one. */
  config: Record<string, unknown> | undefined;
  declarations: DeclarationWire[];
  callbacks: {
    init: boolean;
    cleanup: boolean;
    channelReset: boolean;
    userMessage: boolean;
    systemMessage: boolean;
    collectMethods: boolean;
    promptInjections: { name: string; description: string }[];
    sandboxMethods: { type: SandboxMethodType; name: string; description: string; parameters?: JsonSchemaObject | undefined }[];
  };
}

export function describePlugin(plugin: Plugin): PluginDescription {
  const key = plugin.key;
  return {
    meta: {
      name: plugin.name, moduleName: plugin.moduleName, description: plugin.description, version: plugin.version, author: plugin.author, url: plugin.url,
      supportAdapter: [...plugin.supportAdapter], isBuiltin: plugin.isBuiltin, isPackage: plugin.isPackage,
    },
    config: plugin.configSchema ? (z.toJSONSchema(plugin.configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>) : undefined,
    declarations: plugin.declarations.map((d) => describeDeclaration(d, key)),
    callbacks: {
      init: plugin.initMethod !== undefined,
      cleanup: plugin.cleanupMethod !== undefined,
      channelReset: plugin.channelResetCallback !== undefined,
      userMessage: plugin.userMessageCallback !== undefined,
      systemMessage: plugin.systemMessageCallback !== undefined,
      collectMethods: plugin.collectMethods !== undefined,
      promptInjections: plugin.promptInjections.map(({ name, description }) => ({ name, description })),
      sandboxMethods: plugin.sandboxMethods.map((m) => ({
        type: m.type, name: m.name, description: m.description, parameters: m.parameters ? toolParametersSchema({ parameters: m.parameters }) : undefined,
      })),
    },
  };
}

/** A Nekro callback call as it crosses the pipe. */
export type CallbackCall =
  | { name: 'init' | 'cleanup' | 'enabled' | 'disabled' }
  | { name: 'channel_reset'; ctx: ChatContextWire }
  | { name: 'user_message'; ctx: ChatContextWire }
  | { name: 'system_message'; ctx: ChatContextWire; text: string }
  | { name: 'prompt_inject'; ctx: ChatContextWire; index: number }
  | { name: 'collect_methods'; ctx: ChatContextWire }
  | { name: 'sandbox_method'; ctx: ChatContextWire; method: string; args: Record<string, unknown> };

/** Runs a Nekro callback on the real plugin, in its process. */
export async function runCallback(plugin: Plugin, child: ChildRuntime, call: CallbackCall): Promise<unknown> {
  switch (call.name) {
    case 'init':
      return void (await plugin.initMethod?.());
    case 'cleanup':
      return void (await plugin.cleanupMethod?.());
    case 'enabled':
    case 'disabled': {
      child.enabled = call.name === 'enabled';
      const fns = call.name === 'enabled' ? plugin.enabledCallbacks : plugin.disabledCallbacks;
      // Each runs, as inline; the first failure is reported after the rest.
      const failures: unknown[] = [];
      for (const fn of fns) await Promise.resolve().then(fn).catch((err: unknown) => failures.push(err));
      if (failures.length > 0) throw failures[0];
      return undefined;
    }
    case 'channel_reset':
      return void (await plugin.channelResetCallback?.(child.chatContext(call.ctx)));
    case 'user_message': {
      const ctx = child.chatContext(call.ctx);
      return (await plugin.userMessageCallback?.(ctx, ctx.message!)) ?? undefined;
    }
    case 'system_message':
      return (await plugin.systemMessageCallback?.(child.chatContext(call.ctx), call.text)) ?? undefined;
    case 'prompt_inject':
      return plugin.promptInjections[call.index]?.fn(child.chatContext(call.ctx));
    case 'collect_methods': {
      const chosen = (await plugin.collectMethods?.(child.chatContext(call.ctx))) ?? [];
      return chosen.map((c) => (typeof c === 'string' ? c : typeof c === 'function' ? plugin.sandboxMethods.find((m) => m.fn === c)?.name : c.name));
    }
    case 'sandbox_method': {
      const method = plugin.sandboxMethods.find((m) => m.name === call.method);
      if (!method) throw new Error(`plugin ${plugin.key} has no sandbox method ${call.method}`);
      return method.fn(child.chatContext(call.ctx), call.args);
    }
  }
}
