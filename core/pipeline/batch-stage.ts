import type { BatchHandler } from '../buffer/index.js';
import { BatchEvent, type HookRegistry } from '../hooks/index.js';
import type { Metrics } from '../metrics/index.js';
import type { SessionManager } from '../session/index.js';

/**
 * What the buffer driver hands each released batch to: `im_batch_message` hooks (any may stop the batch),
 * then the chat's session.
 */
export function createBatchStage(deps: { hooks: HookRegistry; sessions: SessionManager; metrics: Metrics; debounceMs: number }): BatchHandler {
  const lateness = deps.metrics.histogram('batch_wait_beyond_window_seconds', {
    help: 'How long after its debounce window closed a batch reached its session (release and queueing delay).',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  return async (batch) => {
    // Released early (maxBatch, maxWait, flush, trigger) counts as no wait beyond the window.
    const windowEnd = batch.pushedAt[batch.pushedAt.length - 1]! + deps.debounceMs;
    lateness.observe(batch.reason === 'idle' || batch.reason === 'shutdown' ? Math.max(0, Date.now() - windowEnd) / 1000 : 0);
    if (deps.hooks.has('im_batch_message')) {
      const event = new BatchEvent(batch);
      await deps.hooks.emit('im_batch_message', event);
      if (event.stopped) {
        deps.metrics.count('batches_stopped_total', {});
        return;
      }
    }
    await deps.sessions.handle(batch);
  };
}
