import { afterEach, describe, expect, it } from 'vitest';
import type { ExceptionEvent } from '../../core/hooks/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { until } from '../support/messages.js';
import { makePlugin } from '../support/plugins.js';

let app: App;
afterEach(async () => app?.stop());

async function start(): Promise<App> {
  ({ app } = makeTestApp({}, { builtinPluginDirs: [] }));
  await app.start();
  return app;
}

describe('plugin timers', () => {
  it('run while the plugin is enabled; a throw is the plugin\'s, reported, and the schedule goes on', async () => {
    await start();
    const errors: ExceptionEvent[] = [];
    app.hooks.on('exception', (e) => void errors.push(e));
    let runs = 0;
    const p = makePlugin();
    p.timer('tick', { every: 15 }, () => {
      runs++;
      if (runs === 1) throw new Error('timer boom');
      if (runs === 2) return Promise.reject(new Error('timer rejection'));
      return undefined;
    });
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    await until(() => runs >= 4, 'the timer to keep running after it threw');
    expect(errors.map((e) => [e.owner, e.stage, e.error.message])).toEqual([
      [p.key, 'timer tick', 'timer boom'],
      [p.key, 'timer tick', 'timer rejection'],
    ]);
    expect(app.metrics.get('plugin_errors_total', { plugin: p.key, stage: 'timer tick' })).toBe(2);
    await app.plugins.disable(p.key);
    const stoppedAt = runs;
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(stoppedAt);
  });

  it('skips a run while the previous one is still going, and counts it', async () => {
    await start();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const p = makePlugin();
    p.timer('slow', { every: 10 }, async () => {
      started++;
      await gate;
    });
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    await until(() => app.metrics.get('plugin_timer_skipped_total', { plugin: p.key, timer: 'slow' }) >= 3, 'overlapping runs to be skipped');
    expect(started).toBe(1);
    release();
    await until(() => started >= 2, 'the timer to run again once the slow run ended');
  });

  it('refuses a timer that could never run as declared', () => {
    const p = makePlugin();
    expect(() => p.timer('bad id!', { every: 100 }, () => undefined)).toThrow(/timer id/);
    expect(() => p.timer('huge', { every: 2 ** 31 }, () => undefined)).toThrow(/"every" must be/);
    p.timer('once', { every: 100 }, () => undefined);
    expect(() => p.timer('once', { every: 100 }, () => undefined)).toThrow(/already has a timer/);
    expect(() => p.timer('once', { every: 100 }, () => undefined)).toThrow(expect.objectContaining({ code: 'PLUGIN_TIMER_INVALID' }));
  });
});
