import type { Readiness, ReadinessCheck } from '../http/index.js';
import type { PluginManager } from '../plugin/index.js';
import type { Store } from '../store/index.js';
import type { AdapterTable } from './chat-sender.js';

/** One adapter as the admin API and `/readyz` show it. */
export interface AdapterState {
  name: string;
  state: 'starting' | 'open' | 'closed';
  /** It has a connection of its own that the admin API can drop and dial again. */
  canReconnect: boolean;
}

/** Each adapter, whether it is starting, open (started and not closed) or closed, and whether it can reconnect. */
export function adapterStates(adapters: AdapterTable): AdapterState[] {
  return [...adapters].map(([name, e]) => ({ name, state: e.starting ? 'starting' : e.open ? 'open' : 'closed', canReconnect: typeof e.adapter.reconnect === 'function' }));
}

/**
 * What `/readyz` answers: every adapter open, the plugins loaded, and the store's backend answering (Redis).
 * Built with the parts it reads; the app says when the plugins have loaded (`pluginsLoaded`).
 */
export class ReadinessProbe {
  /** The plugins of the configured folders and the app's own have been loaded (set by `App.start`). */
  pluginsLoaded = false;

  constructor(private readonly deps: { adapters: AdapterTable; plugins: PluginManager; store: Store }) {}

  async check(): Promise<Readiness> {
    const { plugins, store } = this.deps;
    const checks: ReadinessCheck[] = [];
    const adapters = adapterStates(this.deps.adapters);
    const down = adapters.filter((a) => a.state !== 'open');
    checks.push({
      name: 'adapters',
      ok: down.length === 0,
      detail: adapters.length === 0 ? 'no adapter' : down.length === 0 ? `${adapters.length} connected` : `not connected: ${down.map((a) => `${a.name} (${a.state})`).join(', ')}`,
    });
    const failed = plugins.list().filter((p) => p.state === 'failed');
    checks.push({
      name: 'plugins',
      ok: this.pluginsLoaded,
      detail: !this.pluginsLoaded ? 'loading' : `${plugins.enabled().length} enabled${failed.length > 0 ? `; failed to load (not counted against readiness): ${failed.map((p) => p.key).join(', ')}` : ''}`,
    });
    if (store.ping) {
      const answer = await withTimeout(store.ping(), 2000).then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err)));
      checks.push({ name: 'store', ok: answer === undefined, detail: answer ?? store.description });
    }
    return { ready: checks.every((c) => c.ok), checks };
  }
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
