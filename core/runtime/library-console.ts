import { format } from 'node:util';
import type { Logger } from 'pino';

/** What a library printed that the app already reports itself, in its own words (checkEvictionPolicy). */
const OWNED_ELSEWHERE = [/^IMPORTANT! Eviction policy is /];

const REPEAT_WINDOW_MS = 60_000;
const MAX_REMEMBERED = 1000;

/**
 * Sends what libraries print with `console.warn` / `console.error` (BullMQ's Redis checks, ioredis's
 * "Unhandled error event") through the app's logger, so that it is in the same format and place as every
 * other line, and prints each distinct text once a minute rather than once per connection or per retry.
 * Only the CLI installs it: an embedding program keeps its console. Returns a function that restores it.
 */
export function routeLibraryConsole(log: Logger, target: Pick<Console, 'warn' | 'error'> = console): () => void {
  const original = { warn: target.warn, error: target.error };
  const lastLogged = new Map<string, number>();
  const route = (level: 'warn' | 'error') => (...args: unknown[]): void => {
    const text = format(...args);
    if (OWNED_ELSEWHERE.some((re) => re.test(text))) return void log.debug({ source: 'library' }, text);
    const now = Date.now();
    const last = lastLogged.get(text);
    if (last !== undefined && now - last < REPEAT_WINDOW_MS) return;
    if (lastLogged.size >= MAX_REMEMBERED) lastLogged.clear();
    lastLogged.set(text, now);
    log[level]({ source: 'library' }, text);
  };
  target.warn = route('warn');
  target.error = route('error');
  return () => {
    target.warn = original.warn;
    target.error = original.error;
  };
}
