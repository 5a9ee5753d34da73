import { pino, type Logger } from 'pino';
import { Metrics } from '../../core/metrics/index.js';

/** A silent logger that keeps what was logged, so tests can assert on errors. */
export function captureLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'trace' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

export function testDeps(): { log: Logger; lines: Record<string, unknown>[]; metrics: Metrics } {
  return { ...captureLogger(), metrics: new Metrics() };
}
