import type { BufferPolicy } from './driver.js';

/** Rejects a policy that could never release or would release at once, naming the field. */
export function validateBufferPolicy(policy: BufferPolicy): BufferPolicy {
  const { debounceMs, maxBatch, maxWaitMs } = policy;
  if (!Number.isFinite(debounceMs) || debounceMs < 0) throw new RangeError(`buffer debounceMs must be ≥ 0, got ${debounceMs}`);
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`buffer maxBatch must be an integer ≥ 1, got ${maxBatch}`);
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < debounceMs) {
    throw new RangeError(`buffer maxWaitMs must be ≥ debounceMs (${debounceMs}), got ${maxWaitMs}`);
  }
  return { debounceMs, maxBatch, maxWaitMs };
}
