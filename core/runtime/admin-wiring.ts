import { createAdminApi } from '../admin/index.js';
import type { Readiness, ReadinessCheck } from '../http/index.js';
import type { App } from './app.js';
import { packageVersion } from './package-info.js';

/**
 * Serves the admin API and the Web UI on the app's HTTP server when it has one with the admin API on
 * (`HTTP_PORT`, `ADMIN_API`), and exports the app's gauges (adapters connected, buffer depth) to `/metrics`.
 */
export function mountAdmin(app: App): void {
  app.metrics.gauge('adapters_connected', {
    help: 'Adapters whose connection is open.',
    collect: () => app.adapterStates().filter((a) => a.state === 'open').length,
  });
  const depth = app.buffer.depth?.bind(app.buffer);
  if (depth) {
    app.metrics.gauge('buffer_depth', {
      help: 'Messages and batches the buffer holds, by kind (buffered, queued_batches, active_batches).',
      labelNames: ['kind'],
      collect: async () => {
        const d = await depth();
        return [
          { labels: { kind: 'buffered' }, value: d.buffered },
          { labels: { kind: 'queued_batches' }, value: d.queuedBatches },
          { labels: { kind: 'active_batches' }, value: d.activeBatches },
        ];
      },
    });
  }
  const access = app.http.access;
  if (!access) return;
  app.http.mount(
    createAdminApi({
      version: packageVersion(), startedAt: app.startedAt, role: app.config.role, log: app.log.child({ component: 'admin' }), metrics: app.metrics,
      access, audit: app.audit, logFeed: app.logFeed, plugins: app.plugins, commands: app.commands, store: app.store, buffer: app.buffer,
      chatsHeld: () => app.sessions.chatsHeld,
      adapters: () => app.adapterStates(),
      reconnect: (name) => app.reconnectAdapter(name),
      resetChannel: (chatKey, by) => app.resetChannel(chatKey, by),
    }),
  );
}

/** `/readyz`: every adapter open, the plugins loaded, and the store's backend answering (Redis). */
export async function readiness(app: App): Promise<Readiness> {
  const checks: ReadinessCheck[] = [];
  const adapters = app.adapterStates();
  const down = adapters.filter((a) => a.state !== 'open');
  checks.push({
    name: 'adapters',
    ok: down.length === 0,
    detail: adapters.length === 0 ? 'no adapter' : down.length === 0 ? `${adapters.length} connected` : `not connected: ${down.map((a) => `${a.name} (${a.state})`).join(', ')}`,
  });
  const failed = app.plugins.list().filter((p) => p.state === 'failed');
  checks.push({
    name: 'plugins',
    ok: app.pluginsLoaded,
    detail: !app.pluginsLoaded ? 'loading' : `${app.plugins.enabled().length} enabled${failed.length > 0 ? `; failed to load (not counted against readiness): ${failed.map((p) => p.key).join(', ')}` : ''}`,
  });
  if (app.store.ping) {
    const ping = app.store.ping.bind(app.store);
    const answer = await withTimeout(ping(), 2000).then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err)));
    checks.push({ name: 'store', ok: answer === undefined, detail: answer ?? app.store.description });
  }
  return { ready: checks.every((c) => c.ok), checks };
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
