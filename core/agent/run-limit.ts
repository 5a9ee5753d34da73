import { TimeoutError } from '../errors/index.js';

/**
 * The time limit of one agent run (`AGENT_RUN_TIMEOUT_MS`). `signal` is what the run's model calls, tool
 * calls and sends watch: it aborts on the session's signal (a channel reset) or when the limit is reached.
 * `expired` rejects at the limit, so the run can be raced against it: a run stuck in something that does
 * not watch the signal is abandoned all the same, and the chat moves on.
 */
export class RunLimit {
  readonly signal: AbortSignal;
  readonly expired: Promise<never>;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(parent: AbortSignal, readonly ms: number) {
    this.signal = AbortSignal.any([parent, this.controller.signal]);
    this.expired = new Promise<never>((_resolve, reject) => {
      this.controller.signal.addEventListener('abort', () => reject(this.controller.signal.reason), { once: true });
    });
    // Raced, so handled there; this only keeps a limit reached after the race from being reported as unhandled.
    this.expired.catch(() => undefined);
    this.timer = setTimeout(() => this.controller.abort(new TimeoutError('the agent run', ms)), ms);
  }

  /** Whether the limit was reached. */
  get reached(): boolean {
    return this.controller.signal.aborted;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
