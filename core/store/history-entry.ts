import { describeSegments, type InboundMessage } from '../message/index.js';
import type { HistoryEntry } from './store.js';

/** The history entry of a user's message: what the pipeline records, and command lines when they are recorded. */
export function historyEntryOf(message: InboundMessage): HistoryEntry {
  return {
    chatKey: message.chatKey,
    role: 'user',
    messageId: message.messageId,
    userId: message.userId,
    userName: message.userName,
    segments: message.segments,
    text: describeSegments(message.segments),
    time: message.time,
  };
}
