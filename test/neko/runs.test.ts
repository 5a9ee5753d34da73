import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { App } from '../../core/runtime/index.js';
import { openSqliteStore } from '../../core/store/index.js';
import type { Plugin } from '../../core/plugin/index.js';
import { captureLogger } from '../support/logger.js';
import { makeTestApp } from '../support/app.js';
import { until } from '../support/messages.js';
import { makePlugin } from '../support/plugins.js';

const apps: App[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.stop();
});

async function start(dir: string, env: Record<string, string>, plugin: Plugin): Promise<App> {
  const store = openSqliteStore({ path: path.join(dir, 'nekomata.db'), log: captureLogger().log });
  const { app } = makeTestApp({ DATA_DIR: dir, ...env }, { builtinPluginDirs: [], store });
  apps.push(app);
  await app.start();
  await app.plugins.load(plugin);
  await app.plugins.enable(plugin.key);
  return app;
}

/** Polls an async check until it holds. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-runs-'));

describe('runs', () => {
  it('go queued → running → succeeded with progress, stage, metrics and text, url and binary exports', async () => {
    const dir = tmp();
    const p = makePlugin();
    const seen: number[] = [];
    p.entry('report', { input: z.object({ pages: z.number() }) }, async ({ pages }, call) => {
      const run = call.run!;
      await run.progress(0.5, { stage: 'fetch', message: 'half way', metrics: { pages } });
      await run.export({ type: 'text', text: 'summary', description: 'the summary' });
      await run.export({ type: 'url', url: 'https://example.invalid/r' });
      await run.export({ type: 'binary', data: Buffer.from([1, 2, 3]), mime: 'application/x-test', name: 'r.bin' });
      return { pages };
    });
    const app = await start(dir, {}, p);
    p.ctx.bus.runs.watch({ plugin: p.key, type: 'progress' }, (r) => void seen.push((r.payload as { progress: number }).progress));
    const queued = await p.ctx.runs.start('report', { pages: 3 });
    expect(queued).toMatchObject({ status: 'queued', plugin: p.key, entry: 'report', startedBy: p.key });
    const done = await p.ctx.runs.wait(queued.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, stage: 'fetch', message: 'half way', metrics: { pages: 3 }, result: { pages: 3 } });
    expect(seen).toEqual([0.5]);
    const exports = await app.neko.runs.exports(queued.id);
    expect(exports.map((e) => e.type)).toEqual(['text', 'url', 'binary']);
    const blob = exports[2]!;
    if (blob.type !== 'binary') throw new Error('expected a binary export');
    expect(blob.path.startsWith(path.join(dir, 'plugins', p.key, 'runs', queued.id))).toBe(true);
    expect([...fs.readFileSync(blob.path)]).toEqual([1, 2, 3]);
    expect((await app.neko.bus.topic('exports').getRecent({ filter: { plugin: p.key } })).map((r) => r.text)).toEqual(['summary', 'https://example.invalid/r', 'r.bin']);
  });

  it('fail with the entry error, time out at RUN_TIMEOUT_MS, and refuse bad input', async () => {
    const p = makePlugin();
    p.entry('boom', {}, () => Promise.reject(new Error('kaput')));
    p.entry('slow', {}, () => new Promise(() => undefined));
    p.entry('typed', { input: z.object({ n: z.number() }) }, () => 1);
    await start(tmp(), { RUN_TIMEOUT_MS: '50', RUN_CANCEL_GRACE_MS: '20' }, p);
    const failed = await p.ctx.runs.wait((await p.ctx.runs.start('boom')).id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'PLUGIN_EXECUTION', message: expect.stringContaining('kaput') } });
    const slow = await p.ctx.runs.wait((await p.ctx.runs.start('slow')).id);
    expect(slow).toMatchObject({ status: 'timed_out', error: { code: 'PLUGIN_TIMEOUT' } });
    const typed = await p.ctx.runs.wait((await p.ctx.runs.start('typed', { n: 'x' })).id);
    expect(typed).toMatchObject({ status: 'failed', error: { code: 'VALIDATION_FAILED' } });
  });

  it('cancel: the entry sees its signal aborted; one that ignores it is abandoned after the grace period', async () => {
    const p = makePlugin();
    let started = 0;
    p.entry('polite', {}, (_a, call) => {
      started++;
      return new Promise((_, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason as Error)));
    });
    p.entry('stubborn', {}, () => {
      started++;
      return new Promise(() => undefined);
    });
    const app = await start(tmp(), { RUN_CANCEL_GRACE_MS: '30' }, p);
    const polite = await p.ctx.runs.start('polite');
    await until(() => started === 1, 'the polite run to start');
    await p.ctx.runs.cancel(polite.id, 'no longer needed');
    expect(await p.ctx.runs.wait(polite.id)).toMatchObject({ status: 'canceled', cancelRequested: { reason: 'no longer needed' } });
    const stubborn = await p.ctx.runs.start('stubborn');
    await until(() => started === 2, 'the stubborn run to start');
    await p.ctx.runs.cancel(stubborn.id);
    expect(await p.ctx.runs.wait(stubborn.id)).toMatchObject({ status: 'canceled' });
    expect(app.metrics.get('runs_abandoned_total', { plugin: p.key })).toBe(1);
    // A queued run is canceled before it starts; a finished one stays as it is.
    const queued = await p.ctx.runs.start('polite');
    expect(await p.ctx.runs.cancel(queued.id)).toMatchObject({ status: 'canceled' });
    expect(started).toBe(2);
    expect(await p.ctx.runs.cancel(queued.id)).toMatchObject({ status: 'canceled' });
    await expect(p.ctx.runs.get('no-such-run')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('survive a restart as their final state; a run cut off by the stop is failed as interrupted', async () => {
    const dir = tmp();
    const make = (): Plugin => {
      const p = makePlugin({ moduleName: 'restart_runs' });
      p.entry('quick', {}, () => 'ok');
      p.entry('hang', {}, () => new Promise(() => undefined));
      return p;
    };
    const first = make();
    const app = await start(dir, { RUN_CANCEL_GRACE_MS: '10' }, first);
    const quick = await first.ctx.runs.wait((await first.ctx.runs.start('quick')).id);
    expect(quick.status).toBe('succeeded');
    // Stored as running when the process dies (no stop to cancel it).
    const hung = await first.ctx.runs.start('hang');
    await eventually(async () => (await first.ctx.runs.get(hung.id)).status === 'running', 'the run to be stored as running');
    await app.store.close();
    apps.splice(apps.indexOf(app), 1);

    const second = make();
    const again = await start(dir, {}, second);
    expect(await again.neko.runs.get(quick.id)).toMatchObject({ status: 'succeeded', result: 'ok' });
    expect(await again.neko.runs.get(hung.id)).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
  });

  it('keep the newest RUN_KEEP finished runs and evict older ones', async () => {
    const p = makePlugin();
    p.entry('quick', {}, () => 'ok');
    const app = await start(tmp(), { RUN_KEEP: '2' }, p);
    const ids: string[] = [];
    // All four in one millisecond (as a fast host does now and then): the order must not come from the clock alone.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now());
    try {
      for (let i = 0; i < 4; i++) ids.push((await p.ctx.runs.wait((await p.ctx.runs.start('quick')).id)).id);
    } finally {
      clock.mockRestore();
    }
    await eventually(async () => (await app.neko.runs.list({ plugin: p.key })).length === 2, 'old runs to be evicted');
    // One after another, even within one millisecond: the last two are the newest, listed oldest first.
    expect((await app.neko.runs.list({ plugin: p.key })).map((r) => r.id)).toEqual(ids.slice(2));
  });
});
