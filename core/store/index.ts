export * from './store.js';
export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type { SqliteHistory } from './sqlite-history.js';
export { openRedisStore, type RedisStore, type RedisStoreOptions } from './redis-store.js';
export { REDIS_HISTORY_PER_CHAT, REDIS_HISTORY_SLACK, type RedisHistory } from './redis-history.js';
