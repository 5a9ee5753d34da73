import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { ClosedError } from '../errors/index.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { migrate } from './sqlite-schema.js';
import { SqliteHistory } from './sqlite-history.js';
import { SqliteKV } from './sqlite-kv.js';
import { SqlitePending } from './sqlite-pending.js';
import { SqliteWaits } from './sqlite-waits.js';
import type { Store } from './store.js';

export interface SqliteStoreOptions {
  /** Database file (its directory is created when missing), or `':memory:'` for a store that dies with the process. */
  path: string;
  log: Logger;
}

/** A `Store` whose history also reports the writes it lost. */
export interface SqliteStore extends Store {
  history: SqliteHistory;
}

/**
 * Opens (creating when needed) the embedded SQLite store.
 *
 * @example
 * const store = openSqliteStore({ path: 'data/nekomata.db', log });
 * await store.kv.set({ pluginKey: 'me.counter', chatKey, key: 'n' }, '1');
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const log = options.log.child({ component: 'sqlite-store' });
  const inMemory = options.path === ':memory:';
  if (!inMemory) fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });

  const db = new Database(options.path);
  try {
    // WAL lets readers run during the history batch writes; NORMAL is durable across process crashes in WAL
    // mode and only an OS crash may lose the last commits, which is the trade the history queue already makes.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }

  const checkpointer = inMemory ? undefined : new SqliteCheckpointer(db, path.resolve(options.path), log);
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new ClosedError('sqlite store');
  };
  const history = new SqliteHistory(db, log, assertOpen);

  return {
    description: inMemory ? 'SQLite in memory' : `SQLite at ${options.path}`,
    kv: new SqliteKV(db, assertOpen),
    history,
    pending: new SqlitePending(db, log, assertOpen),
    waits: new SqliteWaits(db, assertOpen),
    // Idempotent, so that shutdown paths which race to close the store do not fail on the second call.
    async close() {
      if (closed) return;
      closed = true;
      history.writeQueue();
      await checkpointer?.stop();
      // Closing the last connection checkpoints the WAL into the database file.
      db.close();
    },
  };
}
