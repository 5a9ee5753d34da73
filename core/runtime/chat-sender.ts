import type { Adapter, SendResult } from '../adapter/index.js';
import { NekomataError } from '../errors/index.js';
import type { HookRegistry } from '../hooks/index.js';
import { parseChatKey, type ChatKey, type Segment } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import type { Delivery, Outbox } from '../outbox/index.js';
import type { ChatHistory } from '../session/index.js';

/** One registered adapter and where it is in its life (the app starts and stops it). */
export interface AdapterEntry {
  adapter: Adapter;
  /** Started (or starting) and not closed. */
  open: boolean;
  /** Inside its `start()`: an adapter that closes itself then fails its start instead of stopping the app. */
  starting: boolean;
}

/** The app's adapters by name: the app adds, starts and stops them; the sender and the agent look them up. */
export type AdapterTable = Map<string, AdapterEntry>;

/** Raised when a reply names a chat whose adapter is not running. */
export class AdapterNotFoundError extends NekomataError {
  constructor(readonly adapter: string) {
    super('ADAPTER_NOT_FOUND', `no adapter named "${adapter}" is running: enable it in the configuration before sending to its chats`);
  }
}

/**
 * Every message the bot sends goes out here: sessions' replies, command output, plugins, flood notices. It
 * picks the adapter the chat key names (or the outbox, for one held by a gateway), then counts the message,
 * runs `message_sent` hooks and records it in history, once per message however often a batch is run.
 */
export class ChatSender {
  /** `messages_sent_total` by adapter, bound once: a send is on every reply's path. */
  private readonly sentCounters = new Map<string, Counter>();

  constructor(
    private readonly deps: { adapters: AdapterTable; outbox: Outbox | undefined; hooks: HookRegistry; metrics: Metrics; history: ChatHistory },
  ) {}

  /** With a `key` (a session's reply) and Redis, a send under a key already sent by any process is not repeated. */
  async send(chatKey: ChatKey, segments: Segment[], key?: string): Promise<SendResult> {
    const { adapter: name } = parseChatKey(chatKey);
    const { outbox } = this.deps;
    const entry = this.deps.adapters.get(name);
    let result: Delivery;
    if (entry) result = key && outbox ? await outbox.sendOnce(key, () => entry.adapter.send(chatKey, segments)) : await entry.adapter.send(chatKey, segments);
    else if (outbox) result = await outbox.send(name, chatKey, segments, key);
    else throw new AdapterNotFoundError(name);
    // Sent before under this key (a batch run again): counted and recorded then.
    if (result.duplicate) return {};
    let sent = this.sentCounters.get(name);
    if (!sent) this.sentCounters.set(name, (sent = this.deps.metrics.counter('messages_sent_total', { adapter: name })));
    sent.inc();
    if (this.deps.hooks.has('message_sent')) await this.deps.hooks.emit('message_sent', { chatKey, segments, messageId: result.messageId });
    this.deps.history.record({ kind: 'reply', chatKey, segments, messageId: result.messageId });
    return result;
  }
}
