import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuditTrail } from '../admin/index.js';
import { forgetAgentMemory, NamedSet, type AgentRunner, type ChatProvider, type TagDefinition, type ToolDefinition } from '../agent/index.js';
import type { BufferDriver } from '../buffer/index.js';
import { CommandRegistry, CommandService, langFromCode } from '../command/index.js';
import { LocalControlPlane, type ControlPlane } from '../control/index.js';
import { HookRegistry } from '../hooks/index.js';
import { HttpServer } from '../http/index.js';
import type { ChatKey } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Outbox } from '../outbox/index.js';
import { FloodLimit, InterceptorChain, Pipeline, SharedDuplicates } from '../pipeline/index.js';
import { PluginManager, type PluginServices } from '../plugin/index.js';
import { ProcessIsolation } from '../plugin-process/index.js';
import { ChatHistory, logBatch, resetChannel, resetHere, SessionManager, type ResetResult, type SessionHandler } from '../session/index.js';
import type { Store } from '../store/index.js';
import { agentSessionHandler, createAgent, unansweredHandler } from './agent-wiring.js';
import { ChatSender, type AdapterTable } from './chat-sender.js';
import type { Config } from './config.js';
import { packageVersion } from './package-info.js';
import type { LogFeed } from './log-feed.js';
import { ReadinessProbe } from './readiness.js';
import { createNekoParts, type NekoBackends } from './neko-wiring.js';
import type { NekoParts } from '../plugin/index.js';

/** Where the built-in plugins live, whatever the working directory. */
export const BUILTIN_PLUGIN_DIR = fileURLToPath(new URL('../../plugins/builtin/', import.meta.url));

/** What the app is made of, besides its backends: the parts `assembleApp` builds. */
export interface AssemblyOptions extends NekoBackends {
  /** What answers a batch. Default: the agent, or (no model configured) log it. */
  sessionHandler?: SessionHandler | undefined;
  /** Folders of built-in plugins. Default: the project's `plugins/builtin`. */
  builtinPluginDirs?: string[] | undefined;
  /** The agent's model API; default: OpenAI-compatible from the `LLM_*` settings. */
  provider?: ChatProvider | undefined;
  /** Where replies for adapters this process does not hold go (a worker's gateways). */
  outbox?: Outbox | undefined;
  /**
   * Count flood limits and claim message ids (the duplicate check) in this Redis, under `REDIS_PREFIX`, shared by
   * every gateway on it; the app closes it at stop.
   */
  ingestRedis?: Redis | undefined;
  /** How processes tell each other of chat-wide changes (resets, plugin state, waits). Default: this process alone. */
  control?: ControlPlane | undefined;
}

/** The app's backends, made before it (`createApp`, `openApp`). */
export interface Backends {
  config: Config;
  log: Logger;
  metrics: Metrics;
  store: Store;
  buffer: BufferDriver;
  /** Recent and live log lines for the admin API: the logger writes into it (`createApp`'s does). */
  logFeed: LogFeed;
}

/** Everything the app holds, each part built with the parts it needs. */
export interface AppParts extends Backends {
  hooks: HookRegistry;
  http: HttpServer;
  history: ChatHistory;
  adapters: AdapterTable;
  sender: ChatSender;
  interceptors: InterceptorChain;
  tools: NamedSet<ToolDefinition>;
  tags: NamedSet<TagDefinition>;
  plugins: PluginManager;
  /** Entries, runs, the message bus, timers (N.E.K.O's plugin runtime). */
  neko: NekoParts;
  commands: CommandService;
  agent: AgentRunner | undefined;
  sessions: SessionManager;
  flood: FloodLimit;
  pipeline: Pipeline;
  resetChannel(chatKey: ChatKey, by: string): Promise<ResetResult>;
  outbox: Outbox | undefined;
  ingestRedis: Redis | undefined;
  control: ControlPlane;
  /** Changes made through the admin API, with who made them. */
  audit: AuditTrail;
  /** What `/readyz` checks: adapters, plugins, the store's backend. */
  readiness: ReadinessProbe;
}

/**
 * Builds the app bottom-up (DESIGN-NOTES "Assembly"): history → sender → commands and plugins → agent →
 * sessions → flood limits and pipeline → readiness and the HTTP server. A batch goes buffer → sessions → agent
 * → sender and never through the `App`. One binding is late on purpose: `PluginServices`, the app as the plugins that manage it see it
 * (reset a chat, enable a plugin), which is complete only once everything here is built.
 */
export function assembleApp(b: Backends, o: AssemblyOptions): AppParts {
  const { config, log, metrics, store, buffer } = b;
  const deps = { log, metrics };
  const control = o.control ?? new LocalControlPlane(log, config.role);
  const hooks = new HookRegistry(log, metrics);
  // Made first, as plugins serve routes on it; /readyz asks the probe, made once the plugins it checks exist.
  let readiness!: ReadinessProbe;
  const http = new HttpServer(config.http, { log: log.child({ component: 'http' }), metrics, readiness: () => readiness.check() });
  // Built before the plugin manager whose state it asks: the closure reads it at call time.
  let plugins!: PluginManager;
  const neko = createNekoParts({ config, log, metrics, store, http }, o, (key) => plugins.get(key)?.info.state);
  // The bus's `memory` and `sent` records come from the one history writer (one owner, no hook per send).
  const history = new ChatHistory(store.history, { ...deps, onRecord: (entry, seq) => neko.bus.recordHistory(entry, seq) });
  const adapters: AdapterTable = new Map();
  const sender = new ChatSender({ adapters, outbox: o.outbox, hooks, metrics, history });
  const send = sender.send.bind(sender);
  const interceptors = new InterceptorChain(deps);
  const tools = new NamedSet<ToolDefinition>('tool');
  const tags = new NamedSet<TagDefinition>('tag');
  const registry = new CommandRegistry(log);
  // Set below, once the sessions it resets exist; plugins first ask for it when they load, at app.start().
  let services!: PluginServices;
  plugins = new PluginManager(
    {
      hooks, kv: store.kv, history, buffer, tools, tags, commands: registry, log, metrics, send, control, neko,
      settings: { dataDir: config.dataDir, callTimeoutMs: config.plugins.callTimeoutMs, enabledByDefault: config.plugins.enabled, sdkVersion: packageVersion() },
      services: () => services,
      isolation: new ProcessIsolation(config.plugins.isolation, config.plugins.process),
    },
    { builtin: o.builtinPluginDirs ?? [BUILTIN_PLUGIN_DIR], extra: config.plugins.dirs },
  );
  const commands = new CommandService({
    registry, kv: store.kv, waits: store.waits, control, history, log, metrics, settings: config.commands, send,
    recordSystemMessage: (chatKey, text) => plugins.pushSystemMessage(chatKey, text),
  });
  commands.install(interceptors);
  const agent = createAgent({
    config, log, metrics, hooks, store, history, tools, tags, plugins, commands,
    provider: o.provider, segmentTypes: (name) => adapters.get(name)?.adapter.segmentTypes,
  });
  const handler = o.sessionHandler ?? (agent ? agentSessionHandler(agent) : unansweredHandler(log, logBatch));
  const sessions = new SessionManager({ ...deps, handler, send, idleEvictMs: config.chatStateIdleMs });
  // Every process's part of a channel reset, whoever asked for it (see `resetChannel` below).
  control.on('reset', (m, { live }) => resetHere({ sessions, hooks, forgetHere: (chatKey) => commands.waits.forgetChat(chatKey) }, m, live));
  const shared = o.ingestRedis && config.redis ? { redis: o.ingestRedis, prefix: config.redis.prefix } : undefined;
  const flood = new FloodLimit(config.flood, {
    ...deps,
    exempt: (m) => commands.isSuperUser(m.adapter, m.userId),
    lang: (m) => langFromCode(m.language) ?? config.commands.defaultLang,
    send,
    redis: shared ? { client: shared.redis, prefix: shared.prefix } : undefined,
  });
  const pipeline = new Pipeline({
    ...deps, hooks, interceptors, buffer, history, dedupeTtlMs: config.dedupeTtlMs, dedupeMaxIds: config.dedupeMaxIds, flood,
    ...(shared ? { shared: new SharedDuplicates(shared.redis, shared.prefix, config.dedupeTtlMs, deps) } : {}),
  });
  readiness = new ReadinessProbe({ adapters, plugins, store });
  const audit = new AuditTrail({ log, metrics, lifecycle: neko.bus.topic('lifecycle') });
  // The agent's memory and stored waits are cleared once, by the resetting process, after every process's part.
  const forget = [(c: ChatKey) => forgetAgentMemory(store.kv, c), (c: ChatKey) => store.waits.clearChat(c)];
  const reset = (chatKey: ChatKey, by: string) =>
    resetChannel({ buffer, control, history: store.history, forget, timeoutMs: config.resetTimeoutMs }, chatKey, by);
  services = {
    commands,
    plugins,
    resetChannel: reset,
    send: (chatKey, content) => send(chatKey, typeof content === 'string' ? [{ type: 'text', text: content }] : content),
    pushSystemMessage: (chatKey, text, opts) => plugins.pushSystemMessage(chatKey, text, opts),
    chatPolicy: config.chatPolicy,
  };
  return {
    ...b, hooks, http, history, adapters, sender, interceptors, tools, tags, plugins, neko, commands, agent, sessions, flood, pipeline,
    resetChannel: reset, outbox: o.outbox, ingestRedis: o.ingestRedis, control, audit, readiness,
  };
}
