import type { BufferDriver } from '../buffer/index.js';
import type { ControlPlane } from '../control/index.js';
import type { HookRegistry } from '../hooks/index.js';
import type { ChatKey } from '../message/index.js';
import type { HistoryStore } from '../store/index.js';
import type { SessionManager } from './session-manager.js';

export interface ResetResult {
  /** Buffered messages dropped before they reached the bot. */
  dropped: number;
  /** History entries removed. */
  archived: number;
  /** Whether a batch in progress was aborted (on whichever process held it). */
  aborted: boolean;
}

export interface ChannelResetDeps {
  buffer: BufferDriver;
  control: ControlPlane;
  history: HistoryStore;
  /** Chat state kept in the shared store besides history, cleared once by the process that resets: the agent's memory, pending waits. */
  forget: readonly ((chatKey: ChatKey) => Promise<unknown>)[];
  /** How long every process gets for its part (its batch aborted and returned, its plugins' callbacks). */
  timeoutMs: number;
}

/**
 * Clears a chat everywhere: its buffer, then, on every process through the control plane, the batch it is
 * handling and what plugins keep for it (`reset` → `onChannelReset`), then, once, its history and the rest of
 * its stored state. The store is cleared after every batch of the chat has returned, so that an aborted run
 * cannot write itself back. Rejects with `ControlIncompleteError` when a process did not confirm its part in
 * time; the store is cleared all the same.
 */
export async function resetChannel(deps: ChannelResetDeps, chatKey: ChatKey, by: string): Promise<ResetResult> {
  const dropped = await deps.buffer.clear(chatKey);
  let confirmed: { results: unknown[] }[] = [];
  let incomplete: unknown;
  try {
    confirmed = await deps.control.request({ kind: 'reset', chatKey, by }, deps.timeoutMs);
  } catch (err) {
    incomplete = err;
  }
  const archived = await deps.history.clear(chatKey);
  for (const forget of deps.forget) await forget(chatKey);
  if (incomplete !== undefined) throw incomplete;
  const aborted = confirmed.some((r) => r.results.some((x) => (x as Partial<ProcessReset> | undefined)?.aborted === true));
  return { dropped, archived, aborted };
}

/** What one process did for a reset. */
export interface ProcessReset {
  aborted: boolean;
}

/**
 * One process's part of a reset (the control plane's `reset` handler): the chat's batch in hand is aborted and
 * awaited, the process forgets its own state for the chat (`forgetHere`), and `channel_reset` hooks run (plugins'
 * `onChannelReset`). A reset caught up late (`live` false) aborts nothing: a batch running now came after it.
 */
export async function resetHere(
  deps: { sessions: SessionManager; hooks: HookRegistry; forgetHere: (chatKey: ChatKey) => void },
  message: { chatKey: ChatKey; by: string },
  live: boolean,
): Promise<ProcessReset> {
  const aborted = live ? await deps.sessions.abort(message.chatKey, `chat ${message.chatKey} was reset by ${message.by}`) : false;
  deps.forgetHere(message.chatKey);
  await deps.hooks.emit('channel_reset', { chatKey: message.chatKey, by: message.by });
  return { aborted };
}
