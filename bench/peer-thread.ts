import { Worker } from 'node:worker_threads';

/**
 * A benchmark's load generator in a worker thread (its own event loop, and core on a multi-core machine), so
 * that its work is not charged to the bot under test, and the messages it reports, each with a `kind`.
 */
export class PeerThread<M extends { kind: string }> {
  private readonly worker: Worker;
  private readonly waiting = new Map<M['kind'], ((m: M) => void)[]>();

  /** `file`: the peer module; `bench`: the benchmark's name, for errors. */
  constructor(file: URL, private readonly bench: string, private readonly timeoutMs: number) {
    // Node 20 workers do not inherit tsx's loader: the worker registers it (tsx/esm/api) before importing the
    // peer. None of the parent's flags either: a --cpu-prof profiles the bot's thread, not the load generator.
    const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    this.worker = new Worker(`import(${api}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true, execArgv: [] });
    this.worker.on('message', (m: M) => this.waiting.get(m.kind)?.shift()?.(m));
    this.worker.on('error', (err) => {
      console.error(`${bench}: the peer worker failed`, err);
      process.exitCode = 1;
    });
  }

  /** The next message of this kind from the worker. Call before the action that causes it. */
  next<K extends M['kind']>(kind: K, timeoutMs = this.timeoutMs): Promise<Extract<M, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.bench}: no "${kind}" from the peer within ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiting.get(kind) ?? [];
      list.push((m) => {
        clearTimeout(timer);
        resolve(m as Extract<M, { kind: K }>);
      });
      this.waiting.set(kind, list);
    });
  }

  post(message: unknown): void {
    this.worker.postMessage(message);
  }

  /** Asks the peer to stop (`{ kind: 'stop' }`) and ends its thread, after 2 s at most. */
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage({ kind: 'stop' });
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    await this.worker.terminate();
  }
}
