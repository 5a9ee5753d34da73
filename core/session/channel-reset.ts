import type { BufferDriver } from '../buffer/index.js';
import type { HookRegistry } from '../hooks/index.js';
import type { ChatKey } from '../message/index.js';
import type { HistoryStore } from '../store/index.js';
import type { SessionManager } from './session-manager.js';

export interface ResetResult {
  /** Buffered messages dropped before they reached the bot. */
  dropped: number;
  /** History entries removed. */
  archived: number;
  /** Whether a batch in progress was aborted. */
  aborted: boolean;
}

/**
 * Clears a chat everywhere: its buffer, its in-flight batch, its history, and then whatever plugins keep
 * for it (`channel_reset` hooks, each isolated from the others' errors by the hook registry).
 */
export async function resetChannel(
  deps: { buffer: BufferDriver; sessions: SessionManager; history: HistoryStore; hooks: HookRegistry },
  chatKey: ChatKey,
  by: string,
): Promise<ResetResult> {
  const dropped = await deps.buffer.clear(chatKey);
  const aborted = deps.sessions.abort(chatKey, `chat ${chatKey} was reset by ${by}`);
  const archived = await deps.history.clear(chatKey);
  await deps.hooks.emit('channel_reset', { chatKey, by });
  return { dropped, archived, aborted };
}
