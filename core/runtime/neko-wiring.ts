import type { Logger } from 'pino';
import { MemoryBus, type MessageBus } from '../bus/index.js';
import type { HttpServer } from '../http/index.js';
import type { Metrics } from '../metrics/index.js';
import { EmbeddedTimers, EntryRegistry, pluginDataDir, resolveInside, type NekoParts, type TimerDriver } from '../plugin/index.js';
import { LocalRunQueue, RunManager, RunStore, type RunQueue } from '../runs/index.js';
import type { Store } from '../store/index.js';
import type { Config } from './config.js';

/** Backends of the N.E.K.O parts that `openApp` makes on Redis; embedded ones are made when absent. */
export interface NekoBackends {
  /** The message bus; default in process (`RedisBus` with REDIS_URL). */
  bus?: MessageBus | undefined;
  /** Where runs wait for a worker; default this process (`BullMQRunQueue` with REDIS_URL). */
  runQueue?: RunQueue | undefined;
  /** Where timers fire; default this process (`RedisTimers` with REDIS_URL). */
  timers?: TimerDriver | undefined;
}

/**
 * Builds entries, runs, the bus and timers. `pluginState` is read at call time: the plugin manager that knows
 * it is built after these parts, which it is handed.
 */
export function createNekoParts(
  b: { config: Config; log: Logger; metrics: Metrics; store: Store; http: HttpServer },
  o: NekoBackends,
  pluginState: (key: string) => string | undefined,
): NekoParts {
  const { config, log, metrics } = b;
  // SQLite numbers its history across chats, so `memory` reads it there instead of keeping a copy.
  const numbered = b.store.history.newest ? { newest: b.store.history.newest.bind(b.store.history) } : undefined;
  const bus = o.bus ?? new MemoryBus(config.bus.history, { log, metrics, historyStore: numbered });
  const entries = new EntryRegistry({
    log, metrics, events: bus.topic('events'), pluginState,
    settings: { policy: config.plugins.callPolicy, maxDepth: config.plugins.callMaxDepth, timeoutMs: config.plugins.callTimeoutMs },
  });
  const runs = new RunManager(
    {
      store: new RunStore(b.store.kv), runsTopic: bus.topic('runs'), exportsTopic: bus.topic('exports'), log, metrics, settings: config.runs,
      invoke: (request, run, timeoutMs) => entries.call(request.plugin, request.entry, request.args, { run, timeoutMs }),
      blobDir: (plugin, runId) => resolveInside(pluginDataDir(config.dataDir, plugin), 'runs', runId),
    },
    o.runQueue ?? new LocalRunQueue(),
  );
  return { entries, runs, bus, timers: o.timers ?? new EmbeddedTimers(), http: b.http };
}
