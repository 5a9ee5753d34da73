import type { OneBotActions } from './api-actions.js';
import type { OneBotApi } from './api.js';
import type { OneBotConnection } from './connection.js';

/** Remembers the ids of the bot's own recent messages, to tell a reply to the bot (`toMe`) without a lookup. */
export class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();

  constructor(private readonly capacity = 5000) {}

  add(id: string): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(id);
  }

  has(id: string): boolean {
    return this.current.has(id) || this.previous.has(id);
  }
}

/** One QQ account connected through one link (forward or reverse). */
export interface OneBotAccount {
  selfId: string | undefined;
  connection: OneBotConnection;
  api: OneBotApi;
  actions: OneBotActions;
  sent: RecentIds;
}
