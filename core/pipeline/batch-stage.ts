import type { BatchHandler } from '../buffer/index.js';
import { BatchEvent, type HookRegistry } from '../hooks/index.js';
import type { Metrics } from '../metrics/index.js';
import type { SessionManager } from '../session/index.js';

/**
 * What the buffer driver hands each released batch to: `im_batch_message` hooks (any may stop the batch),
 * then the chat's session.
 */
export function createBatchStage(deps: { hooks: HookRegistry; sessions: SessionManager; metrics: Metrics }): BatchHandler {
  return async (batch) => {
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
