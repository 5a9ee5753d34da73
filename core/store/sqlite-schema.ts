import type Database from 'better-sqlite3';
import { NekomataError } from '../errors/index.js';

/**
 * Step `i` upgrades a database from schema version `i` to `i + 1`; the version lives in `PRAGMA user_version`.
 * Once released, a step is never edited: a change to the schema is a new step appended here.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS kv (
    id INTEGER PRIMARY KEY,
    plugin_key TEXT NOT NULL,
    chat_key TEXT NOT NULL,
    user_key TEXT NOT NULL,
    store_key TEXT NOT NULL,
    value TEXT NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS kv_scope ON kv (plugin_key, chat_key, user_key, store_key);

  CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    chat_key TEXT NOT NULL,
    role TEXT NOT NULL,
    message_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    segments TEXT NOT NULL,
    text TEXT NOT NULL,
    time INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS history_chat ON history (chat_key, id);

  CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY,
    message TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE IF NOT EXISTS waits (
    chat_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (chat_key, user_id)
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to `SCHEMA_VERSION`; refuses a database written by a newer release. */
export function migrate(db: Database.Database): void {
  // IMMEDIATE so that two processes opening the same new file cannot both run the same step.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new NekomataError(
        'STORE_SCHEMA_NEWER',
        `sqlite store "${db.name}" has schema version ${current} but this release knows up to ${SCHEMA_VERSION}: ` +
          'upgrade nekomata or point it at another database file',
      );
    }
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
