import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBufferDriver } from '../../core/buffer/index.js';
import type { Batch } from '../../core/message/index.js';
import type { App } from '../../core/runtime/index.js';
import { testDeps } from '../support/logger.js';
import { makeTestApp } from '../support/app.js';
import { makeMessage, until } from '../support/messages.js';
import { chatPolicy } from '../support/plugins.js';

let app: App;
afterEach(async () => app?.stop());

function start(env: Record<string, string>): Batch[] {
  const batches: Batch[] = [];
  ({ app } = makeTestApp({ DEBOUNCE_MS: '10', MAX_WAIT_MS: '200', ...env }, { sessionHandler: async (b) => void batches.push(b), builtinPluginDirs: [], plugins: [chatPolicy()] }));
  return batches;
}

const held = () => ({ buffer: (app.buffer as MemoryBufferDriver).chatsHeld, sessions: app.sessions.chatsHeld });

describe('per-chat state of idle chats', () => {
  it('is released after CHAT_STATE_IDLE_MS, and a chat that comes back is still answered', async () => {
    const batches = start({ CHAT_STATE_IDLE_MS: '80' });
    await app.start();
    for (let c = 0; c < 2000; c++) await app.ingest(makeMessage(`hello ${c}`, { chat: `c${c}`, user: `u${c}` }));
    await until(() => batches.length === 2000, 'every chat to be answered');
    await until(() => held().buffer === 0 && held().sessions === 0, 'the idle chats to be forgotten');
    expect(app.metrics.get('chat_state_evicted_total', { part: 'buffer' })).toBe(2000);
    expect(app.metrics.get('chat_state_evicted_total', { part: 'session' })).toBe(2000);
    // A returning chat numbers on from the forgotten ones, so its batch is not taken for one already applied.
    await app.ingest(makeMessage('back again', { chat: 'c7' }));
    await until(() => batches.length === 2001, 'the returning chat to be answered');
    expect(batches.at(-1)!.messages.map((m) => m.text)).toEqual(['back again']);
  });

  it('keeps every chat with CHAT_STATE_IDLE_MS=0', async () => {
    const batches = start({ CHAT_STATE_IDLE_MS: '0' });
    await app.start();
    for (let c = 0; c < 50; c++) await app.ingest(makeMessage(`hello ${c}`, { chat: `c${c}`, user: `u${c}` }));
    await until(() => batches.length === 50, 'every chat to be answered');
    await new Promise((r) => setTimeout(r, 100));
    expect(held()).toEqual({ buffer: 50, sessions: 50 });
  });
});

describe('the memory buffer forgetting a chat', () => {
  it('numbers a returning chat on from where it was, so sessions never mistake its batches for old ones', async () => {
    const driver = new MemoryBufferDriver({ debounceMs: 5, maxBatch: 10, maxWaitMs: 50 }, { ...testDeps(), idleEvictMs: 30 });
    const batches: Batch[] = [];
    driver.consume(async (b) => void batches.push(b), { concurrency: 4 });
    await driver.push(makeMessage('one', { chat: 'a' }));
    await driver.push(makeMessage('two', { chat: 'a' }));
    await driver.push(makeMessage('now', { chat: 'a' }), 'trigger');
    await until(() => batches.length === 2, 'both batches');
    await until(() => driver.chatsHeld === 0, 'the chat to be forgotten');
    await driver.push(makeMessage('three', { chat: 'a' }));
    await driver.push(makeMessage('later', { chat: 'a' }), 'trigger');
    await until(() => batches.length === 4, 'the returning chat\'s batches');
    const byLane = (lane: string) => batches.filter((b) => b.lane === lane).map((b) => [b.firstSeq, b.lastSeq]);
    expect(byLane('buffered')[1]![0]).toBeGreaterThan(byLane('buffered')[0]![1]!);
    expect(byLane('triggered')[1]![0]).toBeGreaterThan(byLane('triggered')[0]![1]!);
    await driver.close({ timeoutMs: 100 });
  });
});
