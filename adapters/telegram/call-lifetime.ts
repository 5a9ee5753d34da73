import type { Transformer } from 'grammy';

/** The signal type grammY's API declares (the abort-controller package's); any AbortSignal works at run time. */
type GrammySignal = Parameters<Parameters<Transformer>[0]>[2];

/**
 * A transformer that ends every Bot API call once `stopped` aborts, besides the caller's own signal (grammY's
 * last getUpdates on stop has none). Installed outside auto-retry, it makes auto-retry stop waiting and give
 * up, where it would otherwise retry a network error forever. (`AbortSignal.any` would do, but grammY on Node
 * passes the `abort-controller` package's signals, which it refuses.)
 */
export function endCallsOn(stopped: AbortSignal): Transformer {
  return async (prev, method, payload, signal) => {
    const linked = new AbortController();
    const abort = (): void => linked.abort();
    if (stopped.aborted || signal?.aborted) abort();
    stopped.addEventListener('abort', abort, { once: true });
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return await prev(method, payload, linked.signal as unknown as GrammySignal);
    } finally {
      stopped.removeEventListener('abort', abort);
      signal?.removeEventListener('abort', abort);
    }
  };
}
