import { afterEach, describe, expect, it, vi } from 'vitest';
import { RepeatLog } from '../../core/metrics/index.js';
import { captureLogger } from '../support/logger.js';

afterEach(() => void vi.useRealTimers());

describe('RepeatLog', () => {
  it('logs the first of each kind with its details, then one summary line a window with the counts', () => {
    vi.useFakeTimers();
    const { log, lines } = captureLogger();
    const noise = new RepeatLog(log, 'frames ignored', { summaryMs: 1000 });
    for (let i = 0; i < 10_000; i++) noise.warn(i % 2 ? 'not-json' : 'binary', { example: i }, 'frame ignored');
    expect(lines.map((l) => [l.kind, l.example])).toEqual([['binary', 0], ['not-json', 1]]);
    vi.advanceTimersByTime(1000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ level: 40, repeats: { binary: 4999, 'not-json': 4999 } });
    expect(lines[2]!.msg).toBe('frames ignored: 9998 more in the last 1 s (binary ×4999, not-json ×4999)');
    // A steady flood: one summary a window, no new examples.
    noise.warn('binary', {}, 'frame ignored');
    vi.advanceTimersByTime(1000);
    expect(lines.slice(3).map((l) => l.repeats)).toEqual([{ binary: 1 }]);
    // Quiet windows log nothing; a kind quiet for a window is shown with its details again.
    vi.advanceTimersByTime(5000);
    expect(lines).toHaveLength(4);
    noise.warn('binary', { example: 'again' }, 'frame ignored');
    expect(lines[4]).toMatchObject({ kind: 'binary', example: 'again' });
  });

  it('flush logs what was tallied so far and stops the timer', () => {
    vi.useFakeTimers();
    const { log, lines } = captureLogger();
    const noise = new RepeatLog(log, 'requests refused', { summaryMs: 1000 });
    noise.info('not_found', { path: '/a' }, 'not found');
    noise.info('not_found', { path: '/b' }, 'not found');
    noise.flush();
    expect(lines.map((l) => l.msg)).toEqual([expect.stringMatching(/^not found; more/), 'requests refused: 1 more so far (not_found ×1)']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tells at most maxKinds kinds apart and sums the rest as other', () => {
    const { log, lines } = captureLogger();
    const noise = new RepeatLog(log, 'x', { maxKinds: 3 });
    for (let i = 0; i < 1000; i++) noise.warn(`kind-${i}`, {}, 'odd');
    noise.flush();
    expect(lines).toHaveLength(5);
    expect(lines[4]!.repeats).toEqual({ other: 996 });
  });
});
