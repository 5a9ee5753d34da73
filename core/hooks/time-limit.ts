import { TimeoutError } from '../errors/index.js';

/**
 * Settles like `work`, or rejects with `TimeoutError` once `ms` have passed. The work itself cannot be
 * cancelled; it is abandoned, so that a hung plugin call cannot hold up a chat.
 */
export function withTimeLimit<T>(work: PromiseLike<T>, ms: number, what: string): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return Promise.resolve(work);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
