import fs from 'node:fs';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import type { SendResult } from '../adapter/index.js';
import { NekomataError } from '../errors/index.js';
import type { MsgSignal } from '../hooks/index.js';
import { parseChatKey, type ChatKey, type InboundMessage, type Segment } from '../message/index.js';
import { pluginDataDir, PluginConfig, PluginStore, resolveInside, type ChatContext, type Declaration, type Plugin, type PluginRuntime, type PluginServices } from '../plugin/index.js';
import type { KVStore } from '../store/index.js';
import { ChildNeko } from './child-neko.js';
import type { CommandContextWire } from './declaration-kinds.js';
import type { EntryCallWire } from './neko-kinds.js';
import { describeDeclaration } from './declaration-kinds.js';
import type { RpcChannel } from './rpc.js';

/** What the app sends the plugin's process to start it. */
export interface StartRequest {
  entry: string;
  dataDir: string;
  logLevel: string;
  chatPolicy: PluginServices['chatPolicy'];
}

/** A chat context as it crosses the pipe. */
export interface ChatContextWire {
  chatKey: ChatKey;
  message?: InboundMessage | undefined;
}

/**
 * The plugin's runtime inside its own process: the same store, config and data directory classes as inline,
 * over a KV store and services that are calls to the app. Log lines go to the app's logger as notes.
 */
export class ChildRuntime {
  readonly log: Logger;
  readonly kv: KVStore;
  enabled = false;
  pluginKey = '';
  readonly neko: ChildNeko;
  private config: PluginConfig<z.ZodObject> | undefined;

  constructor(
    private readonly rpc: RpcChannel,
    private readonly start: StartRequest,
  ) {
    const lines = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        try {
          rpc.note('log', chunk.toString('utf8'));
        } catch {
          // The pipe is gone: the process is about to be ended, and so is its log.
        }
        done();
      },
    });
    this.neko = new ChildNeko(rpc);
    this.log = pino({ level: start.logLevel, base: undefined, timestamp: false }, lines);
    const call = (kind: string) => (...args: unknown[]) => rpc.call(kind, args);
    this.kv = {
      get: call('kv.get') as KVStore['get'],
      set: call('kv.set') as KVStore['set'],
      delete: call('kv.delete') as KVStore['delete'],
      list: call('kv.list') as KVStore['list'],
      clearPlugin: call('kv.clearPlugin') as KVStore['clearPlugin'],
    };
  }

  /** Binds `plugin` as the loader does inline; declarations made after this go to the app as notes. */
  async bind(plugin: Plugin): Promise<{ runtime: PluginRuntime<z.ZodObject>; config: PluginConfig<z.ZodObject> }> {
    const key = plugin.key;
    this.pluginKey = key;
    const config = new PluginConfig({ kv: this.kv, pluginKey: key, schema: plugin.configSchema ?? z.object({}), log: this.log });
    await config.load();
    this.config = config;
    const root = pluginDataDir(this.start.dataDir, key);
    const log = this.log.child({ plugin: key });
    const runtime: PluginRuntime<z.ZodObject> = {
      store: new PluginStore(this.kv, key),
      config,
      log,
      dataDir: (...parts) => {
        fs.mkdirSync(root, { recursive: true });
        return resolveInside(root, ...parts);
      },
      isEnabled: () => this.enabled,
      declare: (d) => this.rpc.note('declare', { ref: plugin.declarations.indexOf(d), declaration: describeDeclaration(d, key) }),
      emit: async (eventName, payload) => void (await this.rpc.call('emit', { eventName, payload })),
      services: () => this.services(),
      onConfigChange: (listener) => void config.onChange(listener as never),
      callPlugin: (target, entryId, args, opts) => this.neko.callPlugin(target, entryId, args, opts),
      context: () => this.neko.context(),
    };
    return { runtime, config };
  }

  /** The app changed the plugin's settings: read them again, which tells the plugin's listeners. */
  async reloadConfig(): Promise<void> {
    await this.config?.load();
  }

  chatContext(wire: ChatContextWire): ChatContext {
    const { adapter, chatType, id } = parseChatKey(wire.chatKey);
    return {
      chatKey: wire.chatKey, chatType, adapter, chatId: id, message: wire.message, userId: wire.message?.userId, userName: wire.message?.userName,
      send: (content) => this.send(wire.chatKey, content),
      log: this.log.child({ chatKey: wire.chatKey }),
    };
  }

  commandContext(wire: CommandContextWire): import('../command/index.js').CommandContext {
    return { ...wire, send: (content) => this.send(wire.chatKey, content), log: this.log.child({ chatKey: wire.chatKey, command: true }) };
  }

  runEntry(d: Extract<Declaration, { kind: 'entry' }>, call: EntryCallWire): Promise<unknown> {
    return this.neko.runEntry(d, call);
  }

  private send(chatKey: ChatKey, content: string | Segment[]): Promise<SendResult> {
    return this.rpc.call('send', { chatKey, content }) as Promise<SendResult>;
  }

  private services(): PluginServices {
    const rpc = this.rpc;
    return {
      get commands(): never {
        throw new NekomataError('PLUGIN_COMMUNICATION', 'the command service cannot be reached from a plugin process: run a plugin that manages commands inline');
      },
      plugins: {
        list: () => {
          throw new NekomataError('PLUGIN_COMMUNICATION', 'plugins.list() is synchronous and cannot be answered in a plugin process: run a plugin that manages plugins inline');
        },
        enable: async (key) => void (await rpc.call('plugins.enable', key)),
        disable: async (key) => void (await rpc.call('plugins.disable', key)),
        reload: (key) => rpc.call('plugins.reload', key) as never,
      },
      resetChannel: (chatKey, by) => rpc.call('resetChannel', { chatKey, by }) as never,
      send: (chatKey, content) => this.send(chatKey, content),
      pushSystemMessage: (chatKey, text, opts) => rpc.call('pushSystemMessage', { chatKey, text, opts }) as Promise<MsgSignal>,
      chatPolicy: this.start.chatPolicy,
    };
  }
}
