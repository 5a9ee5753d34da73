import { Redis, ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../core/errors/index.js';
import { isUnavailable } from '../../core/errors/index.js';

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
