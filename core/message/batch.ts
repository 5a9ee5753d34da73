import type { ChatKey } from './chat-key.js';
import type { InboundMessage } from './inbound.js';

/**
 * Buffered messages and triggered ones are numbered separately per chat, each lane 1, 2, 3, … in the order
 * they were pushed, so that a session can recognise a batch delivered twice (at-least-once drivers) by its
 * sequence numbers.
 */
export type BatchLane = 'buffered' | 'triggered';

/** Why a batch left the buffer. */
export type ReleaseReason = 'idle' | 'maxBatch' | 'maxWait' | 'flush' | 'trigger' | 'shutdown';

/** Messages of one chat released together, in arrival order. */
export interface Batch {
  chatKey: ChatKey;
  lane: BatchLane;
  /** Sequence number of the first message; the others follow one by one up to `lastSeq`. */
  firstSeq: number;
  lastSeq: number;
  messages: InboundMessage[];
  reason: ReleaseReason;
  /** When the driver released it (ms since the epoch). */
  releasedAt: number;
  /** When each message entered the buffer (ms since the epoch), parallel to `messages`. */
  pushedAt: number[];
}
