import { Cron } from 'croner';
import type { Disposer } from '../hooks/index.js';
import type { Declaration } from './plugin.js';
import { callPlugin, type PluginHost } from './plugin-host.js';

export type TimerDeclaration = Extract<Declaration, { kind: 'timer' }>;

/** Where timers fire: in this process (embedded), or once across a cluster (BullMQ job schedulers). */
export interface TimerDriver {
  readonly description: string;
  /** Starts firing `timer` of `pluginKey` through `fire` (given the time the tick was due); the result stops it. */
  start(pluginKey: string, timer: TimerDeclaration, fire: (scheduledAt: number) => Promise<void>): Disposer;
  close(): Promise<void>;
}

/**
 * How one tick of a timer runs: through `callPlugin`, so a throw, a rejection or a run past the call time
 * limit is the plugin's (logged, counted, `exception` hooks) and never reaches the process; a tick due while
 * the previous one of the same timer still runs is skipped and counted. Resolves once the tick has finished
 * or was given up on; the next tick still waits for the plugin's own promise.
 */
export function timerTick(host: PluginHost, pluginKey: string, timer: TimerDeclaration): (scheduledAt: number) => Promise<void> {
  const stage = `timer ${timer.id}`;
  let running = false;
  return async (scheduledAt) => {
    if (running) {
      host.metrics.count('plugin_timer_skipped_total', { plugin: pluginKey, timer: timer.id });
      return;
    }
    running = true;
    host.metrics.count('plugin_timer_runs_total', { plugin: pluginKey, timer: timer.id });
    const work = Promise.resolve().then(() => timer.fn({ scheduledAt }));
    const done = (): void => {
      running = false;
    };
    work.then(done, done);
    await callPlugin(host, pluginKey, stage, () => work);
  };
}

/** Timers of this process: `setInterval` for `every`, croner for `cron`; neither keeps the process alive. */
export class EmbeddedTimers implements TimerDriver {
  readonly description = 'in process';

  start(_pluginKey: string, timer: TimerDeclaration, fire: (scheduledAt: number) => Promise<void>): Disposer {
    const s = timer.schedule;
    if ('every' in s) {
      const handle = setInterval(() => void fire(Date.now()), s.every);
      handle.unref();
      return () => clearInterval(handle);
    }
    const job = new Cron(s.cron, { timezone: s.timezone, unref: true }, () => void fire(Date.now()));
    return () => job.stop();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Whether `pattern` is a cron pattern both croner and BullMQ read alike: 5 fields, or 6 with seconds first. */
export function cronProblem(pattern: string, timezone: string | undefined): string | undefined {
  const fields = pattern.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `"cron" must have 5 fields (minute first) or 6 (second first), got ${fields}`;
  try {
    new Cron(pattern, { paused: true, timezone }).stop();
    return undefined;
  } catch (err) {
    return `"cron" is not a valid pattern: ${err instanceof Error ? err.message : String(err)}`;
  }
}
