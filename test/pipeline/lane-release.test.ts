import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBufferDriver, type PushMode, type PushResult } from '../../core/buffer/index.js';
import type { Batch, InboundMessage } from '../../core/message/index.js';
import { Metrics } from '../../core/metrics/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makeMessage, sleep, until } from '../support/messages.js';

/**
 * A buffer whose pushes take a round trip, as Redis's do, and refuse the texts in `refuse` once each. `issued`
 * holds, for each push, how many pushes had been stored when it was made.
 */
class RoundTripBuffer extends MemoryBufferDriver {
  issued: number[] = [];
  private stored = 0;
  readonly refuse = new Set<string>();

  constructor() {
    super({ debounceMs: 40, maxBatch: 10, maxWaitMs: 1000 }, { log: pino({ level: 'silent' }), metrics: new Metrics() });
  }

  override async push(message: InboundMessage, mode?: PushMode): Promise<PushResult> {
    this.issued.push(this.stored);
    await sleep(20);
    if (this.refuse.delete(message.text)) throw new Error('refused by the test');
    const result = await super.push(message, mode);
    this.stored++;
    return result;
  }
}

describe('pipeline: a chat is not held while its messages are stored', () => {
  let app: App;
  let buffer: RoundTripBuffer;
  const batches: Batch[] = [];
  const start = async () => {
    batches.length = 0;
    buffer = new RoundTripBuffer();
    ({ app } = makeTestApp({}, { buffer, sessionHandler: async (b) => void batches.push(b) }));
    await app.start();
  };
  afterEach(async () => app.stop());

  it("hands a burst's pushes to the buffer together, in order; each ingest resolves once its message is stored", async () => {
    await start();
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((t) => app.ingest(makeMessage(t))));
    // Each push was made before the first was stored: one push call for the burst on Redis.
    expect(buffer.issued).toEqual([0, 0, 0, 0, 0]);
    expect(results.map((r) => [r.outcome, r.seq])).toEqual([['buffer', 1], ['buffer', 2], ['buffer', 3], ['buffer', 4], ['buffer', 5]]);
    await until(() => batches.length === 1, 'one batch');
    expect(batches[0]!.messages.map((m) => m.text)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('waits for each push when message_buffered hooks run, so that they see the chat in order', async () => {
    await start();
    const seen: [string, number][] = [];
    app.hooks.on('message_buffered', async (e) => {
      await sleep(5);
      seen.push([e.message.text, e.seq]);
    });
    await Promise.all(['a', 'b', 'c'].map((t) => app.ingest(makeMessage(t))));
    expect(buffer.issued).toEqual([0, 1, 2]);
    expect(seen).toEqual([['a', 1], ['b', 2], ['c', 3]]);
  });

  it('a refused push rejects its ingest and forgets its id (a redelivery gets through); the next message goes on', async () => {
    await start();
    buffer.refuse.add('lost');
    const lost = makeMessage('lost', { id: 'm-lost' });
    const [first, next] = await Promise.allSettled([app.ingest(lost), app.ingest(makeMessage('next'))]);
    expect(first).toMatchObject({ status: 'rejected', reason: { message: 'refused by the test' } });
    expect(next).toMatchObject({ status: 'fulfilled', value: { outcome: 'buffer' } });
    expect((await app.ingest({ ...lost })).outcome).toBe('buffer');
    await until(() => batches.reduce((n, b) => n + b.messages.length, 0) === 2, 'two messages');
    expect(batches.flatMap((b) => b.messages.map((m) => m.text))).toEqual(['next', 'lost']);
  });
});
