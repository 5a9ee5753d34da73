import type { Logger } from 'pino';
import type { BusTopicName } from '../bus/index.js';
import type { Disposer } from '../hooks/index.js';
import type { Plugin, PluginHost, PushMessage } from '../plugin/index.js';
import type { RunProgress } from '../runs/index.js';
import type { ProcessLink } from './declaration-kinds.js';
import { busFilterFromWire, exportFromWire, type BusFilterWire, type RunExportWire } from './neko-wire.js';
import type { RpcHandler } from './rpc.js';

/**
 * The app's half of N.E.K.O's runtime for a plugin in its own process. What the process asks (calls to other
 * plugins, runs, the bus, pushed messages, status) is done through the stand-in plugin's own runtime, so it is
 * owned, scoped and recorded exactly as for an inline plugin; only the call chain and the entry calls' run
 * handles need help crossing.
 */
export function nekoBridge(o: {
  key: string;
  host: PluginHost;
  link: ProcessLink;
  plugin: () => Plugin;
  note: (kind: string, payload: unknown) => void;
  log: Logger;
}): { handlers: Record<string, RpcHandler>; notes: Record<string, (payload: any) => void>; reset(): void } {
  const { key, host, link, plugin } = o;
  const watches = new Map<string, Disposer>();
  const runOf = (token: string) => {
    const run = link.entryCalls.get(token)?.run;
    if (!run) throw new Error('this entry call is over, or was not started as a run: progress and exports belong to a run in progress');
    return run;
  };
  const runs = () => plugin().ctx.runs;
  return {
    handlers: {
      callPlugin: (p: { target: string; entryId: string; args: unknown; opts: { timeoutMs?: number }; chain: readonly string[] }) =>
        host.neko.entries.call(p.target, p.entryId, p.args, { ...p.opts, caller: key, chain: p.chain }),
      'runs.start': (p: { entry: string; args: unknown; opts?: { plugin?: string } }) => runs().start(p.entry, p.args, p.opts),
      'runs.get': ([id]: [string]) => runs().get(id),
      'runs.list': ([q]: [Parameters<Plugin['ctx']['runs']['list']>[0]]) => runs().list(q),
      'runs.cancel': ([id, reason]: [string, string | undefined]) => runs().cancel(id, reason),
      'runs.wait': ([id, timeoutMs]: [string, number | undefined]) => runs().wait(id, timeoutMs),
      'runs.exports': ([id]: [string]) => runs().exports(id),
      pushMessage: (m: PushMessage) => plugin().ctx.pushMessage(m),
      'bus.getRecent': (p: { topic: BusTopicName; limit?: number; filter?: BusFilterWire }) => {
        const filter = busFilterFromWire(p.filter);
        return plugin().ctx.bus[p.topic].getRecent({ ...(p.limit !== undefined ? { limit: p.limit } : {}), ...(filter ? { filter } : {}) });
      },
      'entry.progress': (p: { token: string; value: number; details?: RunProgress }) => runOf(p.token).progress(p.value, p.details),
      'entry.export': (p: { token: string; item: RunExportWire }) => runOf(p.token).export(exportFromWire(p.item)),
    },
    notes: {
      reportStatus: (status: Record<string, unknown>) => plugin().ctx.reportStatus(status),
      'bus.watch': (p: { id: string; topic: BusTopicName; filter: BusFilterWire | undefined }) => {
        // The stand-in's bus view owns the watch: disabling or unloading the plugin ends it, as inline. Before the
        // stand-in exists (code run while the plugin's module loads) there is no owner: `plugin()` throws, and the
        // channel logs and counts the dropped watch (stage `process note bus.watch`).
        const dispose = plugin().ctx.bus[p.topic].watch(busFilterFromWire(p.filter) ?? {}, (record) => o.note('bus.record', { id: p.id, record }));
        watches.set(p.id, dispose);
      },
      'bus.unwatch': (p: { id: string }) => {
        watches.get(p.id)?.();
        watches.delete(p.id);
      },
      watch_error: (p: { id: string; message: string }) => {
        host.metrics.count('plugin_errors_total', { plugin: key, stage: 'bus watch' });
        o.log.warn({ plugin: key }, `a bus watcher of plugin ${key} threw: ${p.message}`);
      },
    },
    // A new process has none of the old one's watchers: their halves in the app go with it.
    reset: () => {
      for (const dispose of watches.values()) dispose();
      watches.clear();
    },
  };
}
