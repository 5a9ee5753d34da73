import type { Batch, ChatKey, InboundMessage } from '../message/index.js';

/** When a chat's buffer is released. */
export interface BufferPolicy {
  /** Release once the chat has been quiet this long (sliding window). */
  debounceMs: number;
  /** Release at once when the buffer holds this many messages. */
  maxBatch: number;
  /** Release once the oldest buffered message has waited this long, however busy the chat is. */
  maxWaitMs: number;
}

export const defaultBufferPolicy: BufferPolicy = { debounceMs: 1500, maxBatch: 10, maxWaitMs: 6000 };

/**
 * - `buffer`: append to the chat's buffer; released by the policy.
 * - `flush`: append, then release the whole buffer now.
 * - `trigger`: release this message alone now, leaving the buffer as it is.
 */
export type PushMode = 'buffer' | 'flush' | 'trigger';

export interface PushResult {
  /**
   * The message's sequence number in its lane (`buffered` or `triggered`), from 1; 0 when the message was
   * `spooled` (not numbered yet).
   */
  seq: number;
  /** Messages left waiting in the chat's buffer after this push (0 when it was just released, or spooled). */
  pending: number;
  /**
   * The buffer's store (Redis) was unreachable: the message is held by this process, and stored, in order
   * behind the chat's earlier messages, once it is back.
   */
  spooled?: boolean;
}

/** Processes one batch. The driver starts no other batch of the same chat until it settles. */
export type BatchHandler = (batch: Batch) => Promise<void>;

export interface ConsumeOptions {
  /** How many chats may have a batch in flight at once. */
  concurrency: number;
}

export interface CloseOptions {
  /** How long to let released and in-flight batches finish before giving up on them. */
  timeoutMs: number;
}

export interface CloseResult {
  /** Messages that were not handled in time, in per-chat order, for the caller to persist. */
  unhandled: InboundMessage[];
}

/** How much a buffer holds now (the admin API's system page and the `buffer_depth` gauge). */
export interface BufferDepth {
  /** Messages waiting in chats' buffers, not yet released. */
  buffered: number;
  /** Released batches waiting for their turn or for a free slot. */
  queuedBatches: number;
  /** Batches being handled. */
  activeBatches: number;
}

/**
 * The contract every buffer driver keeps (suite: `test/buffer/buffer.contract.ts`):
 * - a chat's messages are released in push order, in batches of at most `maxBatch`;
 * - at most one batch per chat is in flight across all consumers, and batches of a chat start in release order;
 * - different chats are handled in parallel up to `concurrency`;
 * - `clear` drops a chat's waiting messages and released batches that have not started;
 * - `close` releases every buffer, lets the work finish within its time limit and returns what did not.
 */
export interface BufferDriver {
  readonly policy: BufferPolicy;
  /** What it is, for the start-up summary and the admin API: `in-process`, `BullMQ on redis://host:6379`. */
  readonly description: string;
  /**
   * Whether waiting messages outlive the process (Redis): then `close` leaves them for the next consumer
   * instead of releasing them, and returns nothing to persist.
   */
  readonly durable?: boolean;
  push(message: InboundMessage, mode?: PushMode): Promise<PushResult>;
  /** Starts handing released batches to `handler`. Batches released before this call wait for it. */
  consume(handler: BatchHandler, opts: ConsumeOptions): void;
  /** Resolves how many messages were dropped. */
  clear(chatKey: ChatKey): Promise<number>;
  /** What it holds now; omitted by a driver that cannot say cheaply. */
  depth?(): Promise<BufferDepth>;
  close(opts: CloseOptions): Promise<CloseResult>;
}
