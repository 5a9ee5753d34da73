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

/** A note of the framework or a plugin in a chat's history (Nekro's SYSTEM messages), with a fresh id. */
export function systemHistoryEntry(chatKey: string, text: string, time = Date.now()): HistoryEntry {
  const messageId = `system-${time}-${Math.random().toString(36).slice(2, 10)}`;
  return { chatKey, role: 'system', messageId, userId: 'system', userName: 'system', segments: [{ type: 'text', text }], text, time };
}
