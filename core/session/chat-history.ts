import type { Logger } from 'pino';
import { describeSegments, type ChatKey, type InboundMessage, type Segment } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import type { HistoryEntry, HistoryRole, HistoryStore } from '../store/index.js';

/** What may enter a chat's history; the entry itself is made here, so every source writes the same shape. */
export type HistoryRecord =
  /** A user's message: taken by the pipeline, or a command line kept by `recordInput`. */
  | { kind: 'message'; message: InboundMessage }
  /** The bot's own message, once its adapter (or a gateway) sent it. */
  | { kind: 'reply'; chatKey: ChatKey; segments: Segment[]; messageId?: string | undefined }
  /** A note of the framework, a plugin or the agent (Nekro's SYSTEM messages). */
  | { kind: 'note'; chatKey: ChatKey; text: string };

const ROLES: readonly HistoryRole[] = ['user', 'bot', 'system'];

/**
 * The one writer of chat history. The pipeline, the sender, commands, plugins and the agent hand it what
 * happened; it makes the entry, queues it in the store, counts it (`history_entries_total{role}`) and logs
 * it (debug). A second way into the store would write entries nobody counts: `test/session/chat-history.test.ts`
 * fails when any other file calls the store's `append`. Reads and `clear` (channel reset) go to the store.
 */
export class ChatHistory {
  private readonly counted: Record<HistoryRole, Counter>;

  constructor(
    private readonly store: HistoryStore,
    private readonly deps: { log: Logger; metrics: Metrics; onRecord?: (entry: HistoryEntry, seq: number | undefined) => void },
  ) {
    this.counted = Object.fromEntries(ROLES.map((role) => [role, deps.metrics.counter('history_entries_total', { role })])) as Record<HistoryRole, Counter>;
  }

  /**
   * Records one entry and returns it. Queued, not yet durable (the store groups writes; `flush` waits); a write
   * the store loses later is counted and logged by the store (`writeErrors`, `droppedEntries`).
   */
  record(what: HistoryRecord): HistoryEntry {
    const entry = entryOf(what);
    const seq = this.store.append(entry);
    this.counted[entry.role].inc();
    this.deps.onRecord?.(entry, seq);
    // Checked first: this runs for every message, and an unused debug line still builds its fields.
    if (this.deps.log.isLevelEnabled('debug')) {
      this.deps.log.debug({ chatKey: entry.chatKey, role: entry.role, messageId: entry.messageId }, `history: ${entry.role} entry recorded`);
    }
    return entry;
  }

  /** Resolves once every recorded entry is durable. */
  flush(): Promise<void> {
    return this.store.flush();
  }
}

function entryOf(what: HistoryRecord): HistoryEntry {
  switch (what.kind) {
    case 'message': {
      const m = what.message;
      return { chatKey: m.chatKey, role: 'user', messageId: m.messageId, userId: m.userId, userName: m.userName, segments: m.segments, text: describeSegments(m.segments), time: m.time };
    }
    case 'reply':
      return {
        chatKey: what.chatKey, role: 'bot', messageId: what.messageId ?? '', userId: 'bot', userName: 'bot',
        segments: what.segments, text: describeSegments(what.segments), time: Date.now(),
      };
    case 'note': {
      // A fresh id: a note has no platform message behind it.
      const time = Date.now();
      const messageId = `system-${time}-${Math.random().toString(36).slice(2, 10)}`;
      return { chatKey: what.chatKey, role: 'system', messageId, userId: 'system', userName: 'system', segments: [{ type: 'text', text: what.text }], text: what.text, time };
    }
  }
}
