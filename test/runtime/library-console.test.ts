import { describe, expect, it } from 'vitest';
import { routeLibraryConsole } from '../../core/runtime/index.js';
import { captureLogger } from '../support/logger.js';

describe('what libraries print on the console', () => {
  it('goes through the logger once per distinct text, and a fact the app reports itself only at debug', () => {
    const { log, lines } = captureLogger();
    const printed: string[] = [];
    const target = { warn: (...a: unknown[]) => void printed.push(a.join(' ')), error: (...a: unknown[]) => void printed.push(a.join(' ')) };
    const restore = routeLibraryConsole(log, target);
    for (let i = 0; i < 5; i++) target.warn('IMPORTANT! Eviction policy is allkeys-lru. It should be "noeviction"');
    for (let i = 0; i < 50; i++) target.error('[ioredis] Unhandled error event:', 'Error: connect ECONNREFUSED 127.0.0.1:6390');
    target.warn('It is highly recommended to use a minimum Redis version of %s', '6.2.0');
    expect(printed).toEqual([]);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ...Array(5).fill([20, 'IMPORTANT! Eviction policy is allkeys-lru. It should be "noeviction"']),
      [50, '[ioredis] Unhandled error event: Error: connect ECONNREFUSED 127.0.0.1:6390'],
      [40, 'It is highly recommended to use a minimum Redis version of 6.2.0'],
    ]);
    restore();
    target.warn('after restore');
    expect(printed).toEqual(['after restore']);
  });
});
