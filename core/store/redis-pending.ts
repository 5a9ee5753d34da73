import type { InboundMessage } from '../message/index.js';
import type { RedisStoreContext } from './redis-store.js';
import type { PendingMessageStore } from './store.js';

/** `PendingMessageStore` on one list, `<prefix>:pending`, of JSON messages in save order. */
export class RedisPending implements PendingMessageStore {
  constructor(private readonly ctx: RedisStoreContext) {}

  async save(messages: readonly InboundMessage[]): Promise<void> {
    this.ctx.assertOpen();
    // RPUSH needs at least one value.
    if (messages.length === 0) return;
    await this.ctx.redis.rpush(this.listKey(), ...messages.map((m) => this.serialise(m)));
  }

  async takeAll(): Promise<InboundMessage[]> {
    this.ctx.assertOpen();
    const key = this.listKey();
    // One transaction, so a message is either handed back or still saved, never both and never neither, even
    // when two processes start at once.
    const [rows] = await this.ctx.exec(this.ctx.redis.multi().lrange(key, 0, -1).del(key));
    // Written by save from InboundMessage values; the list is ours, so no second validation on the way out.
    return (rows as string[]).map((row) => JSON.parse(row) as InboundMessage);
  }

  /** `<prefix>:pending` */
  private listKey(): string {
    return `${this.ctx.prefix}:pending`;
  }

  // `raw` is whatever the platform sent and may not be JSON (a BigInt id, a cycle). Saving happens on shutdown,
  // where failing would lose the message itself, so the message is kept without its raw event (as in SQLite).
  private serialise(m: InboundMessage): string {
    try {
      return JSON.stringify(m);
    } catch (err) {
      this.ctx.log.warn(
        { err, chatKey: m.chatKey, messageId: m.messageId },
        'pending message has a raw event that cannot be stored as JSON: saved without it',
      );
      const { raw: _raw, ...rest } = m;
      return JSON.stringify(rest);
    }
  }
}
