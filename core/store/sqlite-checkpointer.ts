import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

// Plain JavaScript, evaluated in the worker: it must not depend on how the host loads TypeScript.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); }
  catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
}, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); db.close(); process.exit(0); } });
`;

/**
 * Runs SQLite's WAL checkpoints on a worker thread with its own connection. Left automatic, a checkpoint
 * runs inside whichever commit crosses 1,000 WAL pages and blocks the event loop for the disk's fsync
 * (measured: ~7 ms, several times per 50,000 messages), which is most of ingest's tail latency.
 * If the worker cannot run, automatic checkpoints are switched back on: slower, never unbounded.
 */
export class SqliteCheckpointer {
  private worker: Worker | undefined;

  constructor(
    private readonly db: Database.Database,
    file: string,
    private readonly log: Logger,
    intervalMs = 1000,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
    worker.unref();
    worker.on('message', (m: { error?: string }) => {
      if (m.error) log.warn({ error: m.error }, 'background WAL checkpoint failed; it will be tried again');
    });
    worker.on('error', (err) => this.fallBack(err));
    this.worker = worker;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.removeAllListeners('error');
    // Unreferenced, the worker would not keep the process alive while we wait for it to exit.
    worker.ref();
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage('stop');
    });
  }

  private fallBack(err: Error): void {
    this.worker = undefined;
    this.log.warn({ err }, 'background WAL checkpointing is unavailable; SQLite checkpoints automatically instead');
    try {
      this.db.pragma('wal_autocheckpoint = 1000');
    } catch {
      // The store was closed meanwhile: nothing left to checkpoint.
    }
  }
}
