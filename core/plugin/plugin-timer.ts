import type { Disposer } from '../hooks/index.js';
import type { Declaration } from './plugin.js';
import { callPlugin, type PluginHost } from './plugin-host.js';

type TimerDeclaration = Extract<Declaration, { kind: 'timer' }>;

/**
 * Starts one plugin timer; the returned function stops it. Each run goes through `callPlugin`, so a throw,
 * a rejection or a run past the call time limit is the plugin's (logged, counted, `exception` hooks) and can
 * never reach the process as an uncaught error. The interval does not keep the process alive.
 */
export function startTimer(host: PluginHost, pluginKey: string, timer: TimerDeclaration): Disposer {
  const stage = `timer ${timer.id}`;
  let running = false;
  const done = (): void => {
    running = false;
  };
  const handle = setInterval(() => {
    if (running) {
      host.metrics.count('plugin_timer_skipped_total', { plugin: pluginKey, timer: timer.id });
      return;
    }
    running = true;
    // The plugin's own promise decides when the next run may start, even after callPlugin gave up waiting.
    const work = Promise.resolve().then(() => timer.fn());
    work.then(done, done);
    void callPlugin(host, pluginKey, stage, () => work);
  }, timer.every);
  handle.unref();
  return () => clearInterval(handle);
}
