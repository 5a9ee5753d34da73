/**
 * One process of the N.E.K.O cluster test: an app on the parent's Redis with one plugin whose timer records
 * each tick (when it was due, and by which process) in a Redis list, and whose entries serve runs.
 */
import { Redis } from 'ioredis';
import { z } from 'zod';
import { loadConfig } from '../../app/config.js';
import { Plugin } from '../../core/plugin/index.js';
import { openApp } from '../../core/runtime/index.js';

const config = loadConfig(process.env);
const prefix = config.redis!.prefix;
const probe = new Redis(config.redis!.url, { maxRetriesPerRequest: null });
const plugin = new Plugin({ name: 'Cluster', moduleName: 'cluster_neko', description: '', version: '1.0.0', author: 'tester', url: '' });
plugin.timer('beat', { every: Number(process.env.TICK_MS) }, async ({ scheduledAt }) => {
  await probe.rpush(`${prefix}:test:ticks`, `${scheduledAt}:${process.pid}`);
});
plugin.entry('work', { input: z.object({ steps: z.number().int().min(1) }) }, async ({ steps }, call) => {
  for (let i = 1; i <= steps; i++) {
    await new Promise((r) => setTimeout(r, 10));
    await call.run?.progress(i / (steps + 1), { stage: `step ${i}` });
  }
  await call.run?.export({ type: 'text', text: `done by ${process.pid}` });
  return { pid: process.pid };
});
plugin.entry('hang', {}, (_args, call) => new Promise((_, reject) => {
  void process.send?.({ type: 'hanging', pid: process.pid });
  call.signal.addEventListener('abort', () => reject(new Error('stopped on cancel')));
}));

const app = await openApp(config, { builtinPluginDirs: [], plugins: [plugin] });
await app.start();
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') void app.stop('parent asked').then(() => probe.quit()).then(() => process.exit(0));
});
process.send?.({ type: 'ready', pid: process.pid });
