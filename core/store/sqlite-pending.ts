import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { InboundMessage } from '../message/index.js';
import type { PendingMessageStore } from './store.js';

/** `PendingMessageStore` on the `pending` table; the row id keeps save order. */
export class SqlitePending implements PendingMessageStore {
  private readonly saveAll: (rows: readonly string[]) => void;
  private readonly takeAllRows: () => string[];

  constructor(
    db: Database.Database,
    private readonly log: Logger,
    /** Throws `ClosedError` once the owning store is closed. */
    private readonly assertOpen: () => void,
  ) {
    const insert: Database.Statement<[string]> = db.prepare('INSERT INTO pending (message) VALUES (?)');
    const selectAll: Database.Statement<[], { message: string }> = db.prepare(
      'SELECT message FROM pending ORDER BY id',
    );
    const deleteAll = db.prepare('DELETE FROM pending');
    this.saveAll = db.transaction((rows: readonly string[]) => {
      for (const row of rows) insert.run(row);
    });
    // One transaction, so a message is either handed back or still saved, never both and never neither.
    this.takeAllRows = db.transaction(() => {
      const rows = selectAll.all().map((r) => r.message);
      deleteAll.run();
      return rows;
    });
  }

  async save(messages: readonly InboundMessage[]): Promise<void> {
    this.assertOpen();
    this.saveAll(messages.map((m) => this.serialise(m)));
  }

  async takeAll(): Promise<InboundMessage[]> {
    this.assertOpen();
    // Written by save from InboundMessage values; the table is ours, so no second validation on the way out.
    return this.takeAllRows().map((row) => JSON.parse(row) as InboundMessage);
  }

  // `raw` is whatever the platform sent and may not be JSON (a BigInt id, a cycle). Saving happens on shutdown,
  // where failing would lose the message itself, so the message is kept without its raw event.
  private serialise(m: InboundMessage): string {
    try {
      return JSON.stringify(m);
    } catch (err) {
      this.log.warn(
        { err, chatKey: m.chatKey, messageId: m.messageId },
        'pending message has a raw event that cannot be stored as JSON: saved without it',
      );
      const { raw: _raw, ...rest } = m;
      return JSON.stringify(rest);
    }
  }
}
