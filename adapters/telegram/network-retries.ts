import { HttpError, type Transformer } from 'grammy';
import type { Logger } from 'pino';
import type { Metrics } from '../../core/metrics/index.js';

// auto-retry 2.0's schedule for network errors and 5xx (its INITIAL_LAST_DELAY and ONE_HOUR): 3 s, doubled
// after each wait, at most an hour; a `retry_after` wait starts it over. It keeps no count of network errors.
const FIRST_DELAY_S = 3;
const MAX_DELAY_S = 3600;

export interface NetworkRetryReportOptions {
  log: Logger;
  metrics: Metrics;
  /** Masked wherever a cause is logged (some fetch errors quote the URL, which holds it). */
  token: string;
  /** After the first line, at most one line per this many ms; default 60 s. */
  intervalMs?: number;
  /** Called on each network failure (the adapter gives up at once while stopping). */
  onFailure?: () => void;
}

/**
 * Says what grammY's auto-retry does silently: it retries a network error forever. Installed below
 * auto-retry, the transformer sees every attempt: each network failure is counted
 * (`telegram_network_errors_total`); the first is logged at warn with its cause and the wait before the next
 * try, then at most one line per interval with the count since the last line; the first answer after
 * failures is logged at info. A call aborted on purpose (the adapter stopping) is none of these.
 */
export class NetworkRetryReport {
  private readonly nextDelay = new WeakMap<object, number>();
  private readonly intervalMs: number;
  private failedSinceAnswer = 0;
  private unreported = 0;
  private lastLineAt = -Infinity;

  constructor(private readonly o: NetworkRetryReportOptions) {
    this.intervalMs = o.intervalMs ?? 60_000;
  }

  /** Whether the last call that ended failed on the network, i.e. Telegram looks unreachable now. */
  get failing(): boolean {
    return this.failedSinceAnswer > 0;
  }

  readonly transformer: Transformer = async (prev, method, payload, signal) => {
    let result: Awaited<ReturnType<typeof prev>>;
    try {
      result = await prev(method, payload, signal);
    } catch (err) {
      if (err instanceof HttpError && !signal?.aborted) this.failed(method, payload, err);
      throw err;
    }
    this.answered();
    // Follow auto-retry's wait for this call: a retry_after wait resets it, a 5xx backs it off.
    if (!result.ok && result.parameters?.retry_after !== undefined) this.nextDelay.delete(payload);
    else if (!result.ok && result.error_code >= 500) this.nextDelay.set(payload, Math.min(MAX_DELAY_S, 2 * this.delayOf(payload)));
    return result;
  };

  private delayOf(payload: object): number {
    return this.nextDelay.get(payload) ?? FIRST_DELAY_S;
  }

  private failed(method: string, payload: object, err: HttpError): void {
    const delay = this.delayOf(payload);
    this.nextDelay.set(payload, Math.min(MAX_DELAY_S, 2 * delay));
    this.failedSinceAnswer++;
    this.unreported++;
    this.o.metrics.count('telegram_network_errors_total', { method });
    this.o.onFailure?.();
    const now = Date.now();
    if (now - this.lastLineAt < this.intervalMs) return;
    const cause = causeOf(err, this.o.token);
    const fields = { method, cause, failures: this.unreported, retryInSeconds: delay };
    const text = this.failedSinceAnswer === 1
      ? `Telegram unreachable: ${method} failed (${cause}); auto-retry tries again in ${delay} s and keeps trying, backing off up to an hour`
      : `Telegram still unreachable: ${this.unreported} failed attempts in the last ${Math.round((now - this.lastLineAt) / 1000)} s, the last ${method} (${cause}); next try in ${delay} s`;
    this.o.log.warn(fields, text);
    this.lastLineAt = now;
    this.unreported = 0;
  }

  private answered(): void {
    if (this.failedSinceAnswer === 0) return;
    this.o.log.info({ failures: this.failedSinceAnswer }, `Telegram reachable again after ${this.failedSinceAnswer} failed attempts`);
    this.failedSinceAnswer = 0;
    this.unreported = 0;
    this.lastLineAt = -Infinity;
  }
}

/** The innermost cause of a network error (undici's "fetch failed" wraps the socket's error), token masked. */
function causeOf(err: HttpError, token: string): string {
  let e: unknown = err.error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const text = e instanceof Error ? e.message || (e as NodeJS.ErrnoException).code || e.name : String(e);
  return text.replaceAll(token, '<token>');
}
