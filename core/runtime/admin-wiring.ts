import { createAdminApi } from '../admin/index.js';
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
      entries: app.neko.entries, runs: app.neko.runs, bus: app.neko.bus,
      chatsHeld: () => app.sessions.chatsHeld,
      adapters: () => app.adapterStates(),
      reconnect: (name) => app.reconnectAdapter(name),
      resetChannel: (chatKey, by) => app.resetChannel(chatKey, by),
    }),
  );
}
