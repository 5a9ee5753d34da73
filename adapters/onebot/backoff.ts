/** How a redialing client spaces its attempts. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in ms. Default 1000. */
  baseMs?: number;
  /** No delay exceeds this, in ms. Default 30 000 (reference onebot11.md §8.9: cap at 30–60 s). */
  capMs?: number;
  /** Source of jitter in [0, 1); injectable so tests can pin it. Default `Math.random`. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of min(cap, base·2ⁿ⁻¹).
 * Jitter keeps many bots that lost the same OneBot instance from redialing in lockstep; keeping the lower
 * half fixed means delays never shrink from one attempt to the next until the cap is reached.
 *
 * @example
 * const backoff = new Backoff({ baseMs: 1000, capMs: 30_000 });
 * setTimeout(redial, backoff.next()); // 500–1000 ms, then 1000–2000 ms, …
 * backoff.reset(); // after a connection succeeds
 */
export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;
  private attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1000;
    this.capMs = options.capMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** Attempts made since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** Counts one more attempt and returns how long to wait before it, in whole ms. */
  next(): number {
    const ceiling = backoffCeiling(this.attempts, this.baseMs, this.capMs);
    this.attempts += 1;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempts = 0;
  }
}

/** The largest delay of the attempt that follows `previousAttempts` failures: min(cap, base·2ⁿ). */
export function backoffCeiling(previousAttempts: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** previousAttempts);
}
