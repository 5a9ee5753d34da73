import { expect, it } from 'vitest';
import { buildWorkload, Recorder } from '../../bench/pipeline-workload.js';
import type { Batch, InboundMessage } from '../../core/message/index.js';

const policy = { debounceMs: 50, maxBatch: 10, maxWaitMs: 1000 };
const batchOf = (messages: InboundMessage[]): Batch => ({
  chatKey: messages[0]!.chatKey, lane: 'buffered', firstSeq: 1, lastSeq: messages.length, messages, reason: 'idle', releasedAt: Date.now(), pushedAt: messages.map(() => Date.now()),
});

// The benchmarks' guarantee checks: what they call ok must be every message once, in per-chat order.
it('passes every message once in per-chat order, and names a reordered, lost or repeated one', () => {
  const workload = buildWorkload(20, 2, 5);
  const run = (bursts: InboundMessage[][]): { ok: boolean; detail: string } => {
    const recorder = new Recorder(workload, policy);
    for (const burst of bursts) recorder.onBatch(batchOf(burst));
    return recorder.check();
  };
  expect(run(workload.bursts)).toEqual({ ok: true, detail: 'all 20 messages exactly once, in per-chat order' });

  const [a, b, ...rest] = workload.bursts;
  const swapped = run([[a![1]!, a![0]!, ...a!.slice(2)], b!, ...rest]);
  expect(swapped.ok).toBe(false);
  expect(swapped.detail).toContain(`message 1 is ${a![1]!.messageId}, expected ${a![0]!.messageId}`);

  expect(run([a!.slice(1), b!, ...rest]).ok).toBe(false);
  const repeated = run([...workload.bursts, [a![0]!]]);
  expect(repeated.ok).toBe(false);
  expect(repeated.detail).toContain('21 messages received, expected 20');
});
