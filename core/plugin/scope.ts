import type { Logger } from 'pino';
import { toError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { Metrics } from '../metrics/index.js';

/**
 * Everything a plugin registers, recorded so that disposing the scope undoes it exactly (Koishi's idea).
 * Disposers run in reverse order of registration; one that throws is logged and counted, and the rest
 * still run (Koishi's fault we avoid).
 */
export class Scope {
  private disposers: { dispose: Disposer | (() => Promise<void>); what: string }[] = [];
  private disposed = false;

  constructor(
    readonly owner: string,
    private readonly deps: { log: Logger; metrics: Metrics },
  ) {}

  get size(): number {
    return this.disposers.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Records how to undo one registration. Adding to a disposed scope undoes it at once. */
  add(dispose: Disposer | (() => Promise<void>), what: string): void {
    if (this.disposed) {
      void this.run({ dispose, what });
      return;
    }
    this.disposers.push({ dispose, what });
  }

  /** Undoes every registration, newest first. Never rejects. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const list = this.disposers.reverse();
    this.disposers = [];
    for (const entry of list) await this.run(entry);
  }

  private async run(entry: { dispose: Disposer | (() => Promise<void>); what: string }): Promise<void> {
    try {
      await entry.dispose();
    } catch (thrown) {
      this.deps.metrics.count('dispose_errors_total', { owner: this.owner });
      this.deps.log.error({ err: toError(thrown), plugin: this.owner, what: entry.what }, `undoing ${entry.what} of ${this.owner} failed; the rest are still undone`);
    }
  }
}
