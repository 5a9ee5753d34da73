import { Redis, ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isUnavailable, UnavailableError } from '../../core/errors/index.js';
import { bullmqErrorListener } from '../../core/redis/index.js';
import { captureLogger } from '../support/logger.js';

describe('isUnavailable: Redis could not be reached, as opposed to a command refused', () => {
  it("is true for ioredis's connection errors, UnavailableError and anything caused by one", async () => {
    // A port nothing listens on, one attempt: ioredis gives the command up with MaxRetriesPerRequestError.
    const redis = new Redis({ port: 1, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    redis.on('error', () => undefined);
    const refused = await redis.get('k').then(() => undefined, (e: unknown) => e);
    redis.disconnect();
    expect(isUnavailable(refused)).toBe(true);
    expect(isUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(isUnavailable(new UnavailableError('the outbox did not answer'))).toBe(true);
    expect(isUnavailable(new Error('send failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }))).toBe(true);
  });

  it('is false for a script or command error, and for anything else', () => {
    expect(isUnavailable(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isUnavailable(new Error('plugin bug'))).toBe(false);
    expect(isUnavailable('a string')).toBe(false);
  });
});

describe('the error listener of BullMQ parts', () => {
  it('leaves an outage to the connection\'s own line (debug), and logs any other error', () => {
    const { log, lines } = captureLogger();
    const listener = bullmqErrorListener(log, 'buffer worker');
    for (let i = 0; i < 10; i++) listener(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' }));
    listener(new Error('Missing lock for job 7'));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([...Array(10).fill([20, 'buffer worker: Redis is unreachable']), [50, 'buffer worker error']]);
  });
});
