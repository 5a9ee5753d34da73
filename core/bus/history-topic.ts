import type { HistoryEntry, HistoryStore } from '../store/index.js';
import { clampLimit, matchesFilter } from './bus-filter.js';
import type { BusInput, BusRecord, BusTopicReader } from './bus-types.js';
import type { Watchers } from './watchers.js';

/** A history store that keeps one order across chats (SQLite), which the `memory` topic reads through. */
export type NumberedHistory = Required<Pick<HistoryStore, 'newest'>>;

// Read newest first in pages this long, until there are enough matches or `history` entries were looked at.
const PAGE = 256;

/** A history entry as the `memory` topic shows it (the same on every backend). */
export function memoryInput(entry: HistoryEntry): BusInput & { ts: number } {
  return { type: entry.role, chat: entry.chatKey, text: entry.text, ts: entry.time, payload: { messageId: entry.messageId, userId: entry.userId, userName: entry.userName } };
}

/** What the bot sent, as the `messages` topic shows it: the history writer's `bot` entries. */
export function sentInput(entry: HistoryEntry): BusInput & { ts: number } {
  return { type: 'sent', chat: entry.chatKey, text: entry.text, ts: entry.time };
}

function recordOf(seq: number, entry: HistoryEntry): BusRecord {
  return { ...memoryInput(entry), id: String(seq), topic: 'memory' };
}

/**
 * The `memory` topic of an in-process bus over a store that numbers its entries: nothing is copied or kept
 * per message. `getRecent` reads the newest `history` entries of the store (of one chat with `filter.chat`);
 * a record is built for watchers only while there are any. Ids are the store's numbers, so a record seen live
 * and read back later have the same id (the admin API's live view joins the two by id).
 */
export class HistoryTopic {
  constructor(
    private readonly store: NumberedHistory,
    private readonly history: number,
    private readonly watchers: Watchers,
  ) {}

  /** The history writer's feed: `seq` is the number the store gave `entry`. */
  recorded(entry: HistoryEntry, seq: number): void {
    if (this.watchers.has('memory')) this.watchers.deliver(recordOf(seq, entry));
  }

  /** The topic's reading half: it has no `publish` (records come from `recorded`). */
  reader(): BusTopicReader {
    return {
      getRecent: async (query = {}) => {
        const limit = clampLimit(query.limit, this.history);
        const out: BusRecord[] = [];
        const chatKey = query.filter?.chat;
        let before: number | undefined;
        for (let scanned = 0; out.length < limit && scanned < this.history; ) {
          const page = await this.store.newest({ before, chatKey, limit: Math.min(PAGE, this.history - scanned) });
          for (const { seq, entry } of page) {
            const record = recordOf(seq, entry);
            if (matchesFilter(record, query.filter)) out.push(record);
            if (out.length >= limit) break;
          }
          if (page.length < PAGE) break;
          scanned += page.length;
          before = page[page.length - 1]!.seq;
        }
        return out.reverse();
      },
      watch: (filter, fn) => this.watchers.add('memory', filter, fn),
    };
  }
}
