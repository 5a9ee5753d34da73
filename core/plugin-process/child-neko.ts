import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { BUS_TOPICS, type BusFilter, type BusRecord, type BusTopicReader, type BusView } from '../bus/index.js';
import type { Declaration, EntryCall, PluginContext, PluginRuns } from '../plugin/index.js';
import type { RunExportInput, RunHandle } from '../runs/index.js';
import { busFilterToWire, exportToWire } from './neko-wire.js';
import type { EntryCallWire } from './neko-kinds.js';
import type { RpcChannel } from './rpc.js';

/**
 * N.E.K.O's side of a plugin in its own process: entry calls with their abort signals and run handles, the call
 * chain (so the A1 policy sees a cycle that passes through a process), calls to other plugins, and `ctx` (the
 * bus, runs, pushed messages and status), each a call to the app, which does them for the plugin as inline.
 */
export class ChildNeko {
  /** The call chain of the entry being answered, across awaits: the app's A1 policy needs it on calls out. */
  private readonly chain = new AsyncLocalStorage<readonly string[]>();
  private readonly aborts = new Map<string, AbortController>();
  private readonly watchers = new Map<string, (record: BusRecord) => unknown>();
  private ctx: PluginContext | undefined;

  constructor(private readonly rpc: RpcChannel) {}

  /** Runs an entry for the app: arguments parsed by the real schema, the app's abort and run handle proxied. */
  async runEntry(d: Extract<Declaration, { kind: 'entry' }>, wire: EntryCallWire): Promise<unknown> {
    const controller = new AbortController();
    this.aborts.set(wire.token, controller);
    try {
      const args = d.options.input ? d.options.input.parse(wire.args ?? {}) : wire.args;
      const call: EntryCall = { signal: controller.signal, caller: wire.caller, chain: wire.chain, run: wire.runId ? this.runHandle(wire.runId, wire.token, controller.signal) : undefined };
      return await this.chain.run(wire.chain, () => d.fn(args as never, call));
    } finally {
      this.aborts.delete(wire.token);
    }
  }

  /** The app aborted an entry call (its time limit, or its run was canceled). */
  abort(token: string, reason: string): void {
    this.aborts.get(token)?.abort(new Error(reason));
  }

  /** A bus record for one of this process's watches. */
  record(id: string, record: BusRecord): void {
    const fn = this.watchers.get(id);
    if (!fn) return;
    // A throwing watcher is the plugin's error, not the bus's: it goes to the app's log like any uncaught one.
    void Promise.resolve().then(() => fn(record)).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      try {
        this.rpc.note('watch_error', { id, message });
      } catch {
        // The pipe is closing (the app is stopping this process): stderr still reaches the app's log.
        process.stderr.write(`a bus watcher threw while the pipe to the app was closing: ${message}\n`);
      }
    });
  }

  callPlugin(target: string, entryId: string, args: unknown, opts: { timeoutMs?: number }): Promise<unknown> {
    return this.rpc.call('callPlugin', { target, entryId, args, opts, chain: this.chain.getStore() ?? [] });
  }

  context(): PluginContext {
    const rpc = this.rpc;
    const runs: PluginRuns = {
      start: (entry, args, opts) => rpc.call('runs.start', { entry, args, opts }) as never,
      get: (id) => rpc.call('runs.get', [id]) as never,
      list: (q) => rpc.call('runs.list', [q]) as never,
      cancel: (id, reason) => rpc.call('runs.cancel', [id, reason]) as never,
      wait: (id, timeoutMs) => rpc.call('runs.wait', [id, timeoutMs]) as never,
      exports: (id) => rpc.call('runs.exports', [id]) as never,
    };
    return (this.ctx ??= {
      runs,
      bus: this.busView(),
      pushMessage: async (m) => void (await rpc.call('pushMessage', m)),
      reportStatus: (status) => rpc.note('reportStatus', status),
    });
  }

  private busView(): BusView {
    const view = {} as Record<string, BusTopicReader>;
    for (const topic of BUS_TOPICS) {
      view[topic] = {
        getRecent: (query = {}) => this.rpc.call('bus.getRecent', { topic, limit: query.limit, filter: busFilterToWire(query.filter) }) as Promise<BusRecord[]>,
        watch: (filter: BusFilter, fn) => {
          const id = randomUUID();
          this.watchers.set(id, fn);
          this.rpc.note('bus.watch', { id, topic, filter: busFilterToWire(filter) });
          return () => {
            if (!this.watchers.delete(id)) return;
            try {
              this.rpc.note('bus.unwatch', { id });
            } catch {
              // The pipe is gone, and with it the app's half of the watch.
            }
          };
        },
      };
    }
    return view as BusView;
  }

  private runHandle(id: string, token: string, signal: AbortSignal): RunHandle {
    return {
      id,
      signal,
      progress: async (value, details) => void (await this.rpc.call('entry.progress', { token, value, details })),
      export: (item: RunExportInput) => this.rpc.call('entry.export', { token, item: exportToWire(item) }) as never,
    };
  }
}
