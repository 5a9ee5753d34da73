import { HttpError } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkRetryReport } from '../../../adapters/telegram/network-retries.js';
import { testDeps } from '../../support/logger.js';

const TOKEN = '123456:TEST-token';
type Prev = Parameters<NetworkRetryReport['transformer']>[0];
type Answer = Awaited<ReturnType<Prev>>;

/** What the network does with each attempt, in order: fail (a refused connection), or answer. */
function network(outcomes: ('down' | Answer)[]): Prev {
  return (async () => {
    const next = outcomes.shift();
    if (next === undefined || next === 'down') {
      const refused = Object.assign(new Error(`connect ECONNREFUSED 10.0.0.1:443 (https://api.telegram.org/bot${TOKEN}/getUpdates)`), { code: 'ECONNREFUSED' });
      throw new HttpError("Network request for 'getUpdates' failed!", new TypeError('fetch failed', { cause: refused }));
    }
    return next;
  }) as unknown as Prev;
}

/** Calls the transformer the way auto-retry does: the same payload for every attempt of one call. */
async function attempt(report: NetworkRetryReport, prev: Prev, payload: object, signal?: AbortSignal): Promise<void> {
  await report.transformer(prev, 'getUpdates', payload as never, signal as never).catch(() => undefined);
}

afterEach(() => vi.useRealTimers());

describe('NetworkRetryReport', () => {
  it('logs the first failure at warn, then at most one line per interval with the count, and the recovery at info', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { log, lines, metrics } = testDeps();
    const report = new NetworkRetryReport({ log, metrics, token: TOKEN, intervalMs: 60_000 });
    const prev = network(['down', 'down', 'down', 'down', 'down', { ok: true, result: [] } as Answer]);
    const call = {};
    for (let i = 0; i < 4; i++) await attempt(report, prev, call);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[40, expect.stringMatching(/^Telegram unreachable: getUpdates failed \(connect ECONNREFUSED .*\); auto-retry tries again in 3 s/)]]);
    expect(report.failing).toBe(true);
    vi.setSystemTime(Date.now() + 60_000);
    await attempt(report, prev, call);
    expect(lines[1]).toMatchObject({ level: 40, failures: 4, retryInSeconds: 48, msg: expect.stringMatching(/^Telegram still unreachable: 4 failed attempts in the last 60 s/) });
    await attempt(report, prev, call);
    expect(lines[2]).toMatchObject({ level: 30, msg: 'Telegram reachable again after 5 failed attempts' });
    expect(report.failing).toBe(false);
    expect(metrics.get('telegram_network_errors_total', { method: 'getUpdates' })).toBe(5);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it("follows auto-retry's wait per call: 3 s doubling, started over after a retry_after wait", async () => {
    const { log, lines, metrics } = testDeps();
    const report = new NetworkRetryReport({ log, metrics, token: TOKEN, intervalMs: 0 });
    const tooMany = { ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 1 } } as Answer;
    const prev = network(['down', 'down', 'down', tooMany, 'down']);
    const call = {};
    for (let i = 0; i < 5; i++) await attempt(report, prev, call);
    expect(lines.filter((l) => l.level === 40).map((l) => l.retryInSeconds)).toEqual([3, 6, 12, 3]);
    // Another call has its own wait.
    await attempt(report, network(['down']), {});
    expect(lines.at(-1)?.retryInSeconds).toBe(3);
  });

  it('does not count a call aborted on purpose', async () => {
    const { log, lines, metrics } = testDeps();
    const report = new NetworkRetryReport({ log, metrics, token: TOKEN });
    const stop = new AbortController();
    stop.abort();
    await attempt(report, network(['down']), {}, stop.signal);
    expect(lines).toEqual([]);
    expect(metrics.get('telegram_network_errors_total', { method: 'getUpdates' })).toBe(0);
    expect(report.failing).toBe(false);
  });
});
