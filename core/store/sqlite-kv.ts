import type Database from 'better-sqlite3';
import type { KVEntry, KVKey, KVListQuery, KVStore } from './store.js';

interface KVRow {
  chat_key: string;
  user_key: string;
  store_key: string;
  value: string;
}

type ScopeParams = [pluginKey: string, chatKey: string, userKey: string, key: string];

function scopeOf(k: KVKey): ScopeParams {
  return [k.pluginKey, k.chatKey ?? '', k.userKey ?? '', k.key];
}

/** `KVStore` on the `kv` table; every scope column is NOT NULL so the unique index really is unique. */
export class SqliteKV implements KVStore {
  private readonly getStmt: Database.Statement<ScopeParams, { value: string }>;
  private readonly insertStmt: Database.Statement<[...ScopeParams, string]>;
  private readonly updateStmt: Database.Statement<[string, ...ScopeParams]>;
  private readonly deleteStmt: Database.Statement<ScopeParams>;
  private readonly listStmt: Database.Statement<[Record<string, string | null>], KVRow>;
  private readonly clearStmt: Database.Statement<[string]>;
  private readonly upsert: (k: KVKey, value: string) => boolean;

  constructor(
    db: Database.Database,
    /** Throws `ClosedError` once the owning store is closed. */
    private readonly assertOpen: () => void,
  ) {
    const scope = 'plugin_key = ? AND chat_key = ? AND user_key = ? AND store_key = ?';
    this.getStmt = db.prepare(`SELECT value FROM kv WHERE ${scope}`);
    this.insertStmt = db.prepare(
      'INSERT OR IGNORE INTO kv (plugin_key, chat_key, user_key, store_key, value) VALUES (?, ?, ?, ?, ?)',
    );
    this.updateStmt = db.prepare(`UPDATE kv SET value = ? WHERE ${scope}`);
    this.deleteStmt = db.prepare(`DELETE FROM kv WHERE ${scope}`);
    // substr rather than LIKE: a prefix is literal, and '%' or '_' in a key must not act as wildcards.
    this.listStmt = db.prepare(
      `SELECT chat_key, user_key, store_key, value FROM kv
       WHERE plugin_key = :pluginKey
         AND (:chatKey IS NULL OR chat_key = :chatKey)
         AND (:userKey IS NULL OR user_key = :userKey)
         AND (:prefix IS NULL OR substr(store_key, 1, length(:prefix)) = :prefix)
       ORDER BY chat_key, user_key, store_key`,
    );
    this.clearStmt = db.prepare('DELETE FROM kv WHERE plugin_key = ?');
    // Insert-or-update rather than ON CONFLICT DO UPDATE, whose change count cannot tell created from replaced.
    this.upsert = db.transaction((k: KVKey, value: string): boolean => {
      const scope = scopeOf(k);
      if (this.insertStmt.run(...scope, value).changes === 1) return true;
      this.updateStmt.run(value, ...scope);
      return false;
    });
  }

  async get(k: KVKey): Promise<string | undefined> {
    this.assertOpen();
    return this.getStmt.get(...scopeOf(k))?.value;
  }

  async set(k: KVKey, value: string): Promise<boolean> {
    this.assertOpen();
    return this.upsert(k, value);
  }

  async delete(k: KVKey): Promise<boolean> {
    this.assertOpen();
    return this.deleteStmt.run(...scopeOf(k)).changes > 0;
  }

  async list(q: KVListQuery): Promise<KVEntry[]> {
    this.assertOpen();
    const rows = this.listStmt.all({
      pluginKey: q.pluginKey,
      chatKey: q.chatKey ?? null,
      userKey: q.userKey ?? null,
      prefix: q.prefix ?? null,
    });
    return rows.map((r) => ({ chatKey: r.chat_key, userKey: r.user_key, key: r.store_key, value: r.value }));
  }

  async clearPlugin(pluginKey: string): Promise<number> {
    this.assertOpen();
    return this.clearStmt.run(pluginKey).changes;
  }
}
