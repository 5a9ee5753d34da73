import type { Logger } from 'pino';

export interface RepeatLogOptions {
  /** How often the repeats are summed up in one line (only when there were some). Default 60 000 ms. */
  summaryMs?: number;
  /** At most this many kinds are told apart in one window; later ones are summed as `other`. Default 100. */
  maxKinds?: number;
}

type Level = 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { info: 0, warn: 1, error: 2 };

interface Tally {
  level: Level;
  repeats: number;
}

/**
 * The log of events that a peer or a stranger can repeat without bound (malformed frames, odd HTTP requests).
 * The first event of each kind is logged with its details, as an example; later ones are only tallied, and one
 * line every `summaryMs` gives the counts of the window, when there were any. A kind quiet for a whole window
 * is logged with its details again the next time. Counting each event in `Metrics` stays the caller's job: the
 * log is bounded, the counters are exact.
 *
 * @example
 * const noise = new RepeatLog(log, 'OneBot frames ignored');
 * metrics.count('onebot_bad_frames_total', { category });
 * noise.warn(category, { example: reason }, `OneBot frame ignored (${category}): ${reason}`);
 */
export class RepeatLog {
  private readonly summaryMs: number;
  private readonly maxKinds: number;
  private window = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;

  /** `what`: the events in a few words, for the summary line ("OneBot frames ignored"). */
  constructor(
    private readonly log: Logger,
    private readonly what: string,
    options: RepeatLogOptions = {},
  ) {
    this.summaryMs = options.summaryMs ?? 60_000;
    this.maxKinds = options.maxKinds ?? 100;
  }

  info(kind: string, fields: object, message: string): void {
    this.note('info', kind, fields, message);
  }

  warn(kind: string, fields: object, message: string): void {
    this.note('warn', kind, fields, message);
  }

  error(kind: string, fields: object, message: string): void {
    this.note('error', kind, fields, message);
  }

  /** Logs the summary of the current window now (at shutdown, say) and stops the timer. */
  flush(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.summarize('so far');
    this.window.clear();
  }

  private note(level: Level, kind: string, fields: object, message: string): void {
    const tally = this.window.get(kind) ?? (this.window.size >= this.maxKinds ? this.window.get('other') : undefined);
    if (tally) {
      tally.repeats += 1;
      return;
    }
    this.window.set(this.window.size >= this.maxKinds ? 'other' : kind, { level, repeats: 0 });
    this.log[level]({ ...fields, kind }, `${message}; more of this kind are counted and summed up every ${Math.round(this.summaryMs / 1000)} s`);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.summaryMs);
      this.timer.unref();
    }
  }

  private tick(): void {
    this.summarize(`in the last ${Math.round(this.summaryMs / 1000)} s`);
    // Kinds that repeated stay known, so a steady flood costs one line a window; quiet kinds are forgotten.
    for (const [kind, tally] of this.window) {
      if (tally.repeats === 0) this.window.delete(kind);
      else tally.repeats = 0;
    }
    if (this.window.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private summarize(when: string): void {
    const repeats: Record<string, number> = {};
    let total = 0;
    let level: Level = 'info';
    for (const [kind, tally] of this.window) {
      if (tally.repeats === 0) continue;
      repeats[kind] = tally.repeats;
      total += tally.repeats;
      if (RANK[tally.level] > RANK[level]) level = tally.level;
    }
    if (total === 0) return;
    const list = Object.entries(repeats).map(([kind, n]) => `${kind} ×${n}`).join(', ');
    this.log[level]({ repeats, windowMs: this.summaryMs }, `${this.what}: ${total} more ${when} (${list})`);
  }
}
