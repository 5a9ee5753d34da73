export * from './store.js';
export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type { SqliteHistory } from './sqlite-history.js';
