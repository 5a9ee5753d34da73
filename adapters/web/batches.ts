import { Priority, type BatchEvent, type HookRegistry } from '../../core/hooks/index.js';
import type { Batch } from '../../core/message/index.js';

/** Where the web chat learns about released batches: the pipeline's `im_batch_message` hooks. */
export interface BatchSource {
  /** Calls `listener` with each batch released for a web chat until the returned function is called. */
  onBatch(listener: (batch: Batch) => void): () => void;
}

/**
 * A batch source from the app's hooks (wired by `configuredAdapters`). The hook only looks: it never stops or
 * changes a batch, and it runs at the lowest priority so that every other hook has had its say.
 */
export function webBatchSource(hooks: Pick<HookRegistry, 'on'>): BatchSource {
  return {
    onBatch: (listener) =>
      hooks.on(
        'im_batch_message',
        (event: BatchEvent) => {
          if (event.batch.chatKey.startsWith('web-')) listener(event.batch);
        },
        { owner: 'web.batches', priority: Priority.SYS_LOW },
      ),
  };
}
