import { createHash } from 'node:crypto';
import type { Batch } from '../message/index.js';

/**
 * The idempotency key of a batch's `index`-th reply (counted from the batch's first message as delivered,
 * before a head already applied was skipped). A batch run again (a worker took it over, or its handler failed
 * for want of Redis) starts at the same message, so its replies get the same keys and the outbox sends each
 * at most once. The first message's id is in the key so that a sequence number reused after Redis lost its
 * data does not match an old reply. Letters, digits, `-` and `_` only (a BullMQ job id).
 */
export function replyKey(batch: Batch, index: number): string {
  const first = batch.messages[0]?.messageId ?? '';
  return `r${createHash('sha1').update(`${batch.chatKey}\u0000${batch.lane}\u0000${batch.firstSeq}\u0000${first}\u0000${index}`).digest('base64url')}`;
}
