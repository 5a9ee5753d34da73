import { busView } from '../bus/index.js';
import { toError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { ChatKey } from '../message/index.js';
import type { Declaration } from './plugin.js';
import { callPlugin, type PluginHost } from './plugin-host.js';
import { timerTick } from './plugin-timer.js';
import type { LifecycleEvent, LifecycleHandler, LifecycleInfo, PluginContext } from './neko-types.js';
import type { Scope } from './scope.js';

type NekoDeclaration = Extract<Declaration, { kind: 'timer' | 'entry' | 'lifecycle' | 'custom_event' | 'route' }>;

/** Every plugin's lifecycle handlers, by plugin; each registration is undone with the plugin's scope. */
export class LifecycleHandlers {
  private readonly byPlugin = new Map<string, Set<{ event: LifecycleEvent; fn: LifecycleHandler }>>();

  add(plugin: string, event: LifecycleEvent, fn: LifecycleHandler): Disposer {
    let set = this.byPlugin.get(plugin);
    if (!set) this.byPlugin.set(plugin, (set = new Set()));
    const item = { event, fn };
    set.add(item);
    return () => void set.delete(item);
  }

  /** Runs the plugin's handlers of `event` one after the other (each isolated) and records it on the `lifecycle` topic. */
  async fire(host: PluginHost, plugin: string, event: LifecycleEvent, extra: Omit<LifecycleInfo, 'event' | 'plugin'> = {}): Promise<void> {
    host.neko.bus.topic('lifecycle').publish({ type: event, plugin, text: `${plugin} ${event}` });
    const info: LifecycleInfo = { event, plugin, ...extra };
    for (const h of [...(this.byPlugin.get(plugin) ?? [])]) {
      if (h.event === event) await callPlugin(host, plugin, `lifecycle ${event}`, () => h.fn(info));
    }
  }
}

/** Registers one N.E.K.O-style declaration in the app, its undoing in `scope`. */
export function registerNeko(host: PluginHost, handlers: LifecycleHandlers, key: string, scope: Scope, d: NekoDeclaration): void {
  const { neko } = host;
  switch (d.kind) {
    case 'timer':
      return scope.add(neko.timers.start(key, d, timerTick(host, key, d)), `timer ${d.id}`);
    case 'entry':
      return scope.add(neko.entries.add(key, d.id, d.options, d.fn), `entry ${d.id}`);
    case 'lifecycle':
      return scope.add(handlers.add(key, d.event, d.fn), `lifecycle handler ${d.event}`);
    case 'custom_event': {
      const dispose = host.hooks.on('custom_event', (event) => (event.eventName === d.type ? d.fn(event.payload, event) : undefined), {
        owner: key, timeoutMs: host.settings.callTimeoutMs,
      });
      return scope.add(dispose, `custom event handler ${d.type}/${d.id}`);
    }
    case 'route': {
      const { method, path, handler } = d.route;
      const full = `/plugins/${key}${path}`;
      try {
        return scope.add(neko.http.route(method, full, handler), `route ${method} ${full}`);
      } catch (err) {
        // The rest of the plugin still serves: a route that cannot be served is the plugin's error, reported.
        host.metrics.count('plugin_errors_total', { plugin: key, stage: 'route' });
        host.log.error({ err: toError(err), plugin: key }, `route ${method} ${full} of plugin ${key} is not served: ${toError(err).message}`);
        return;
      }
    }
  }
}

/** What a loaded plugin's `callPlugin` and `ctx` reach. `own` records a registration made at run time. */
export function nekoRuntime(
  host: PluginHost,
  key: string,
  own: (dispose: Disposer, what: string) => void,
  report: (status: Record<string, unknown>) => void,
): { callPlugin: (target: string, entryId: string, args: unknown, opts: { timeoutMs?: number }) => Promise<unknown>; context: () => PluginContext } {
  const { neko } = host;
  let ctx: PluginContext | undefined;
  const context = (): PluginContext =>
    (ctx ??= {
      bus: busView(neko.bus, own),
      runs: {
        start: (entry, args, opts = {}) => neko.runs.create({ plugin: opts.plugin ?? key, entry, args, startedBy: key }),
        get: (id) => neko.runs.get(id),
        list: (q) => neko.runs.list(q),
        cancel: (id, reason) => neko.runs.cancel(id, reason),
        wait: (id, timeoutMs) => neko.runs.wait(id, timeoutMs),
        exports: (id) => neko.runs.exports(id),
      },
      pushMessage: async (m) => {
        neko.bus.topic('messages').publish({
          type: m.type ?? 'text', plugin: key, chat: m.chatKey, text: m.content,
          payload: { description: m.description ?? '', priority: m.priority ?? 0, metadata: m.metadata ?? {}, source: 'plugin' },
        });
        if (m.chatKey !== undefined) await host.send(m.chatKey as ChatKey, m.segments ?? [{ type: 'text', text: m.content }]);
      },
      reportStatus: (status) => {
        report(status);
        neko.bus.topic('lifecycle').publish({ type: 'status', plugin: key, payload: status });
      },
    });
  return { callPlugin: (target, entryId, args, opts) => neko.entries.call(target, entryId, args, { ...opts, caller: key }), context };
}
