import type Database from 'better-sqlite3';
import type { WaitRecord, WaitStore } from './store.js';

interface Row {
  chat_key: string;
  user_id: string;
  id: string;
  deadline: number;
  data: string;
}

/** `WaitStore` on the `waits` table, one row per (chat, user). */
export class SqliteWaits implements WaitStore {
  private readonly upsert: Database.Statement<[string, string, string, number, string]>;
  private readonly remove: Database.Statement<[string, string], Row>;
  private readonly removeId: Database.Statement<[string, string, string]>;
  private readonly clear: (chatKey: string, now: number) => number;
  private readonly live: Database.Statement<[number], Row>;

  constructor(
    db: Database.Database,
    /** Throws `ClosedError` once the owning store is closed. */
    private readonly assertOpen: () => void,
  ) {
    this.upsert = db.prepare('INSERT OR REPLACE INTO waits (chat_key, user_id, id, deadline, data) VALUES (?, ?, ?, ?, ?)');
    this.remove = db.prepare('DELETE FROM waits WHERE chat_key = ? AND user_id = ? RETURNING chat_key, user_id, id, deadline, data');
    this.removeId = db.prepare('DELETE FROM waits WHERE chat_key = ? AND user_id = ? AND id = ?');
    const countLive: Database.Statement<[string, number], { n: number }> = db.prepare('SELECT count(*) AS n FROM waits WHERE chat_key = ? AND deadline > ?');
    const removeChat = db.prepare<[string]>('DELETE FROM waits WHERE chat_key = ?');
    this.clear = db.transaction((chatKey: string, now: number) => {
      const n = countLive.get(chatKey, now)!.n;
      removeChat.run(chatKey);
      return n;
    });
    this.live = db.prepare('SELECT chat_key, user_id, id, deadline, data FROM waits WHERE deadline > ? ORDER BY deadline');
  }

  async put(wait: WaitRecord): Promise<void> {
    this.assertOpen();
    this.upsert.run(wait.chatKey, wait.userId, wait.id, wait.deadline, wait.data);
  }

  async take(chatKey: string, userId: string, now = Date.now()): Promise<WaitRecord | undefined> {
    this.assertOpen();
    // Deleted even when expired: a dead wait has nothing left to say.
    const row = this.remove.get(chatKey, userId);
    return row && row.deadline > now ? record(row) : undefined;
  }

  async expire(chatKey: string, userId: string, id: string): Promise<boolean> {
    this.assertOpen();
    return this.removeId.run(chatKey, userId, id).changes > 0;
  }

  async clearChat(chatKey: string, now = Date.now()): Promise<number> {
    this.assertOpen();
    return this.clear(chatKey, now);
  }

  async list(now = Date.now()): Promise<WaitRecord[]> {
    this.assertOpen();
    return this.live.all(now).map(record);
  }
}

function record(row: Row): WaitRecord {
  return { chatKey: row.chat_key, userId: row.user_id, id: row.id, deadline: row.deadline, data: row.data };
}
