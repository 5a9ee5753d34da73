import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditTrail } from '../admin/index.js';
import type { Adapter, AdapterHost, SendResult } from '../adapter/index.js';
import type { AgentRunner, ChatProvider, NamedSet, TagDefinition, ToolDefinition } from '../agent/index.js';
import type { BufferDriver } from '../buffer/index.js';
import type { CommandService } from '../command/index.js';
import { ClosedError, NekomataError, toError } from '../errors/index.js';
import type { HookRegistry, PlatformEvent } from '../hooks/index.js';
import type { HttpServer } from '../http/index.js';
import type { ChatKey, InboundMessage, Segment } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Outbox } from '../outbox/index.js';
import { createBatchStage, type FloodLimit, type IngestResult, type InterceptorChain, type Pipeline } from '../pipeline/index.js';
import type { NekoParts, Plugin, PluginManager, TimerDriver } from '../plugin/index.js';
import type { MessageBus } from '../bus/index.js';
import type { RunQueue } from '../runs/index.js';
import type { ChatHistory, ResetResult, SessionHandler, SessionManager } from '../session/index.js';
import type { Store } from '../store/index.js';
import type { ControlPlane } from '../control/index.js';
import type { AppParts } from './assembly.js';
import { AdapterNotFoundError, type AdapterTable, type ChatSender } from './chat-sender.js';
import type { Config } from './config.js';
import { mountAdmin } from './admin-wiring.js';
import type { LogFeed } from './log-feed.js';
import { adapterStates, type AdapterState, type ReadinessProbe } from './readiness.js';

export { BUILTIN_PLUGIN_DIR } from './assembly.js';
export { AdapterNotFoundError } from './chat-sender.js';
export type { AdapterState } from './readiness.js';

export interface AppOptions {
  log?: Logger;
  /** Default: SQLite at `DATA_DIR/nekomata.db`. */
  store?: Store;
  /** Default: the in-process driver with the configured policy. */
  buffer?: BufferDriver;
  /** What answers a batch. Default: log it. */
  sessionHandler?: SessionHandler;
  adapters?: Adapter[];
  /** Plugin instances to load at start, besides those found in the plugin folders. */
  plugins?: Plugin[];
  /** Folders of built-in plugins. Default: the project's `plugins/builtin`. */
  builtinPluginDirs?: string[];
  /** The agent's model API; default: OpenAI-compatible from the `LLM_*` settings. */
  provider?: ChatProvider;
  /** Where replies for adapters this process does not hold go (a worker's gateways). */
  outbox?: Outbox;
  metrics?: Metrics;
  /**
   * Count flood limits and claim message ids (the duplicate check) in this Redis, under `REDIS_PREFIX`, shared by
   * every gateway on it; the app closes it at stop.
   */
  ingestRedis?: Redis;
  /** How processes tell each other of chat-wide changes (resets, plugin state, waits). Default: this process alone. */
  control?: ControlPlane;
  /** Where the admin API reads recent and live log lines; `createApp` makes one and logs into it. */
  logFeed?: LogFeed;
  /** The message bus; default in process (`openApp` with REDIS_URL: Redis Streams). The app closes it at stop. */
  bus?: MessageBus;
  /** Where runs wait for a worker; default this process (`openApp` with REDIS_URL: BullMQ). */
  runQueue?: RunQueue;
  /** Where plugin timers fire; default this process (`openApp` with REDIS_URL: BullMQ job schedulers). */
  timers?: TimerDriver;
}

type AppState = 'created' | 'running' | 'stopping' | 'stopped';

/**
 * The assembled framework: config, logger, store, hooks, pipeline, buffer, sessions and adapters, started
 * in that order and stopped so that no work is lost (see `stop`). Its parts are built by `assembleApp`.
 */
export class App {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly buffer: BufferDriver;
  readonly hooks: HookRegistry;
  readonly interceptors: InterceptorChain;
  readonly sessions: SessionManager;
  readonly pipeline: Pipeline;
  /** Flood limits per user and per chat, checked first at ingest (`FLOOD_*`). */
  readonly flood: FloodLimit;
  /** Global agent tools (`plugin.registerTool`). */
  readonly tools: NamedSet<ToolDefinition>;
  /** Global reply tags (`plugin.registerTag`). */
  readonly tags: NamedSet<TagDefinition>;
  readonly plugins: PluginManager;
  /** Entries and calls between plugins, runs, the message bus and timers (N.E.K.O's plugin runtime). */
  readonly neko: NekoParts;
  readonly commands: CommandService;
  /** The HTTP server (GET /healthz, adapters' webhooks); runs when HTTP_PORT is set. */
  readonly http: HttpServer;
  /** The LLM agent that answers batches; `undefined` when no model is configured (`LLM_MODEL`). */
  readonly agent: AgentRunner | undefined;
  /** The one writer of chat history: everything recorded goes through it (the store's `history` is for reading). */
  readonly history: ChatHistory;
  /** Recent and live log lines, for the admin API (filled when the logger writes into it, as `createApp`'s does). */
  readonly logFeed: LogFeed;
  /** Changes made through the admin API, with who made them. */
  readonly audit: AuditTrail;
  /** When the app was made (ms since the epoch): the admin API's uptime. */
  readonly startedAt = Date.now();
  private readonly readiness: ReadinessProbe;
  private readonly sender: ChatSender;
  private readonly reset: AppParts['resetChannel'];
  private readonly initialPlugins: Plugin[];
  /** How this process and the others tell each other of resets, plugin changes, overrides and waits. */
  readonly control: ControlPlane;
  private readonly outbox: Outbox | undefined;
  private readonly ingestRedis: Redis | undefined;
  private readonly serving: (() => void)[] = [];
  private readonly adapters: AdapterTable;
  private state: AppState = 'created';
  private inputClosed = false;
  private ingesting = 0;
  private ingestDrained: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private markStopped!: () => void;
  /** Resolves once the app has stopped, whoever stopped it. */
  readonly stopped: Promise<void> = new Promise((resolve) => (this.markStopped = resolve));

  constructor(parts: AppParts, options: Pick<AppOptions, 'adapters' | 'plugins'> = {}) {
    ({
      config: this.config, log: this.log, metrics: this.metrics, store: this.store, buffer: this.buffer, hooks: this.hooks,
      interceptors: this.interceptors, sessions: this.sessions, pipeline: this.pipeline, flood: this.flood, tools: this.tools,
      tags: this.tags, plugins: this.plugins, neko: this.neko, commands: this.commands, http: this.http, agent: this.agent, history: this.history,
      sender: this.sender, resetChannel: this.reset, outbox: this.outbox, ingestRedis: this.ingestRedis, control: this.control, adapters: this.adapters,
      logFeed: this.logFeed, audit: this.audit, readiness: this.readiness,
    } = parts);
    this.initialPlugins = options.plugins ?? [];
    for (const adapter of options.adapters ?? []) this.addAdapter(adapter);
    mountAdmin(this);
  }

  /** Names of the registered adapters. */
  get adapterNames(): string[] {
    return [...this.adapters.keys()];
  }

  /** Started and not (yet) stopping. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Each adapter, whether it is starting, open (started and not closed) or closed, and whether it can reconnect. */
  adapterStates(): AdapterState[] {
    return adapterStates(this.adapters);
  }

  /** Drops an open adapter's connections and dials again (the admin API's reconnect). */
  async reconnectAdapter(name: string): Promise<void> {
    const entry = this.adapters.get(name);
    if (!entry) throw new AdapterNotFoundError(name);
    if (!entry.open || !entry.adapter.reconnect) throw new NekomataError('ADAPTER_CANNOT_RECONNECT', `adapter ${name} cannot reconnect now: it is ${entry.open ? 'without a connection of its own' : 'closed'}`);
    this.log.info({ adapter: name }, `adapter ${name}: reconnecting`);
    await entry.adapter.reconnect();
  }

  addAdapter(adapter: Adapter): void {
    if (this.adapters.has(adapter.name)) throw new NekomataError('ADAPTER_DUPLICATE', `an adapter named "${adapter.name}" is already registered`);
    if (this.state !== 'created') throw new NekomataError('APP_STARTED', 'adapters must be added before app.start()');
    this.adapters.set(adapter.name, { adapter, open: false, starting: false });
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new NekomataError('APP_STARTED', 'app.start() was already called');
    this.state = 'running';
    for (const { variable, closest } of this.config.typos) {
      this.log.warn({ variable, closest }, `${variable} is not a Nekomata setting and is ignored: did you mean ${closest}? (see .env.example)`);
    }
    const role = this.config.role;
    // Listening before any state is read: a change another process makes meanwhile is not missed.
    await this.control.start();
    await this.restorePending();
    await this.commands.start();
    await this.neko.runs.start();
    await this.plugins.loadAll();
    for (const plugin of this.initialPlugins) {
      // Like a plugin file that fails: recorded as failed (with its error) and the app starts without it.
      await this.plugins.load(plugin).catch((err: unknown) => this.log.error({ err, plugin: plugin.key }, `plugin ${plugin.key} failed to load`));
    }
    // Only now, with every plugin's hooks and tools in place: a backlog waiting in Redis is handled as any batch.
    // A gateway only ingests: its batches are taken by workers.
    if (role !== 'gateway') {
      this.buffer.consume(createBatchStage({ hooks: this.hooks, sessions: this.sessions, metrics: this.metrics, debounceMs: this.buffer.policy.debounceMs }), {
        concurrency: this.config.maxConcurrentChats,
      });
    }
    this.readiness.pluginsLoaded = true;
    if (this.config.plugins.watch) this.plugins.watch();
    // Listening before adapters start: a webhook route is live before the adapter tells the platform about it.
    await this.http.start();
    for (const [name, entry] of this.adapters) {
      if (this.state !== 'running') break;
      // Open while starting: a stop in the meantime (a platform unreachable, its client retrying) stops it too.
      entry.open = true;
      entry.starting = true;
      try {
        await entry.adapter.start(this.adapterHost(name));
      } catch (err) {
        entry.starting = false;
        if (this.state === 'running') {
          entry.open = false;
          throw err;
        }
        this.log.debug({ err: toError(err), adapter: name }, `adapter ${name} did not finish starting: the app stopped`);
      }
      entry.starting = false;
      if (this.state !== 'running') break;
      if (!entry.open) {
        // It started and closed again at once (its platform ended the session): as if it closed just after.
        if (![...this.adapters.values()].some((e) => e.open)) void this.stop('the last adapter closed');
        continue;
      }
      if (this.outbox) this.serving.push(this.outbox.serve(entry.adapter));
      this.log.info({ adapter: name }, `adapter ${name} started`);
    }
    if (this.adapters.size === 0 && role !== 'worker') this.log.warn('no adapter is enabled: nothing will receive messages (set CONSOLE=1 to chat in the terminal)');
  }

  /** Hands a message to the pipeline. Rejects with `ClosedError` once shutdown has begun. */
  async ingest(message: InboundMessage): Promise<IngestResult> {
    if (this.inputClosed) throw new ClosedError('app (shutting down)');
    this.ingesting++;
    try {
      return await this.pipeline.ingest(message);
    } finally {
      if (--this.ingesting === 0) this.ingestDrained?.();
    }
  }

  /**
   * Sends to a chat through the adapter its chat key names, and records the reply in history. With a `key`
   * (a session's reply) and Redis, a send under a key already sent by any process is not repeated.
   */
  send(chatKey: ChatKey, segments: Segment[], key?: string): Promise<SendResult> {
    return this.sender.send(chatKey, segments, key);
  }

  /** Hands a non-message platform event (member joined, message edited, …) to `platform_event` hooks. */
  async emitPlatformEvent(event: PlatformEvent): Promise<void> {
    this.metrics.count('platform_events_total', { adapter: event.adapter, kind: event.kind });
    await this.hooks.emit('platform_event', event);
  }

  /**
   * Clears a chat everywhere, on every process: buffer, the batch in hand (aborted, its reply not sent), plugin
   * state (`channel_reset` hooks), pending waits, history and the agent's memory. Resolves once all of it is
   * done; rejects with `ControlIncompleteError` naming what did not finish within `RESET_TIMEOUT_MS`.
   */
  resetChannel(chatKey: ChatKey, by = 'api'): Promise<ResetResult> {
    return this.reset(chatKey, by);
  }

  /**
   * Stops without losing work: new input is refused, ingests in progress finish, every buffer is released
   * and its batches handled (replies still go out), what did not finish in `SHUTDOWN_TIMEOUT_MS` is saved
   * for the next start, then adapters and the store close. Safe to call more than once.
   */
  stop(reason = 'requested'): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string): Promise<void> {
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    this.state = 'stopping';
    this.log.info({ reason }, `stopping: ${reason}`);
    this.inputClosed = true;
    // Webhook requests now get 503, so the platform redelivers them later instead of losing them.
    this.http.refuse();
    if (this.ingesting > 0) await withDeadline(new Promise<void>((r) => (this.ingestDrained = r)), deadline);
    const { unhandled } = await this.buffer.close({ timeoutMs: Math.max(0, deadline - Date.now()) });
    if (unhandled.length > 0) {
      await this.store.pending.save(unhandled);
      this.log.warn({ count: unhandled.length }, `${unhandled.length} messages were not handled in time; saved, they will be handled on the next start`);
    }
    // After the last batch: plugins clean up once nothing can call them any more.
    this.sessions.close();
    this.commands.close();
    // Timers stop first: with Redis, closing them first keeps the cluster's schedules when plugins unload below.
    await this.neko.timers.close();
    await this.plugins.close();
    await this.neko.runs.close();
    await this.neko.bus.close();
    await this.control.close();
    for (const stop of this.serving.splice(0)) stop();
    await this.outbox?.close();
    for (const [name, entry] of [...this.adapters].reverse()) {
      if (!entry.open) continue;
      entry.open = false;
      try {
        await withDeadline(entry.adapter.stop(), Math.max(deadline, Date.now() + 1000));
      } catch (thrown) {
        this.log.error({ err: toError(thrown), adapter: name }, `adapter ${name} failed to stop cleanly`);
      }
    }
    await this.http.stop();
    await this.store.close();
    await this.ingestRedis?.quit().catch((err: unknown) => this.log.warn({ err }, 'the ingest Redis connection (flood limits, duplicate check) did not close cleanly'));
    this.state = 'stopped';
    this.log.info('stopped');
    this.markStopped();
  }

  private async restorePending(): Promise<void> {
    const saved = await this.store.pending.takeAll();
    if (saved.length === 0) return;
    // They passed ingest and were recorded before the last shutdown: straight back into their buffers.
    for (const message of saved) await this.buffer.push(message, 'buffer');
    this.log.info({ count: saved.length }, `restored ${saved.length} messages left unhandled by the last shutdown`);
  }

  private adapterHost(name: string): AdapterHost {
    const received = this.metrics.counter('messages_received_total', { adapter: name });
    return {
      ingest: (message) => {
        received.inc();
        return this.ingest(message);
      },
      platformEvent: (event) => this.emitPlatformEvent(event),
      metrics: this.metrics,
      log: this.log.child({ adapter: name }),
      http: this.http,
      closed: (why) => {
        const entry = this.adapters.get(name);
        if (!entry?.open) return;
        entry.open = false;
        this.log.info({ adapter: name }, `adapter ${name} closed: ${why}`);
        // While it starts, its start() settles the matter: a failure is thrown to app.start()'s caller.
        if (entry.starting) return;
        if (![...this.adapters.values()].some((e) => e.open)) void this.stop('the last adapter closed');
      },
    };
  }
}

function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()))));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
