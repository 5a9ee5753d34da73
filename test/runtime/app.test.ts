import { PassThrough } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../../adapters/console/index.js';
import type { Adapter, AdapterHost } from '../../core/adapter/index.js';
import type { Batch, Segment } from '../../core/message/index.js';
import { openSqliteStore } from '../../core/store/index.js';
import { makeTestApp } from '../support/app.js';
import { captureLogger } from '../support/logger.js';
import { makeMessage, until } from '../support/messages.js';

const dirs: string[] = [];
const tempDb = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-app-'));
  dirs.push(dir);
  return path.join(dir, 'store.db');
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** An adapter the test drives by hand, recording what the app sends. */
class ScriptedAdapter implements Adapter {
  host: AdapterHost | undefined;
  sent: { chatKey: string; segments: Segment[] }[] = [];
  stopped = false;
  constructor(readonly name = 'test') {}
  async start(host: AdapterHost) { this.host = host; }
  async stop() { this.stopped = true; }
  async send(chatKey: string, segments: Segment[]) {
    this.sent.push({ chatKey, segments });
    return { messageId: `out${this.sent.length}` };
  }
}

describe('app lifecycle', () => {
  it('flushes buffered messages on stop and their replies still go out', async () => {
    const adapter = new ScriptedAdapter();
    const { app } = makeTestApp({ DEBOUNCE_MS: '60000', MAX_WAIT_MS: '60000' }, {
      adapters: [adapter],
      sessionHandler: async (b, ctx) => ctx.reply(`got ${b.messages.length} (${b.reason})`),
    });
    await app.start();
    await app.ingest(makeMessage('one'));
    await app.ingest(makeMessage('two'));
    await app.stop('test');
    expect(adapter.sent).toEqual([{ chatKey: 'test-private_c1', segments: [{ type: 'text', text: 'got 2 (shutdown)' }] }]);
    expect(adapter.stopped).toBe(true);
    await expect(app.ingest(makeMessage('late'))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('saves what did not finish in time and handles it on the next start', async () => {
    const file = tempDb();
    const first = makeTestApp({ SHUTDOWN_TIMEOUT_MS: '200' }, {
      store: openSqliteStore({ path: file, log: captureLogger().log }),
      sessionHandler: () => new Promise(() => {}),
    });
    await first.app.start();
    await first.app.ingest(makeMessage('stuck'));
    await first.app.ingest(makeMessage('waiting', { chat: 'second' }));
    await until(() => first.app.metrics.get('buffer_released_total', { reason: 'idle' }) >= 1, 'release');
    await first.app.stop('test');
    expect(first.lines.some((l) => String(l.msg).includes('will be handled on the next start'))).toBe(true);

    const handled: Batch[] = [];
    const second = makeTestApp({}, {
      store: openSqliteStore({ path: file, log: captureLogger().log }),
      sessionHandler: async (b) => void handled.push(b),
    });
    await second.app.start();
    await until(() => handled.length === 2, 'restored batches');
    expect(handled.flatMap((b) => b.messages.map((m) => m.text)).sort()).toEqual(['stuck', 'waiting']);
    // They were recorded before the first shutdown; restoring must not record them twice.
    expect(await second.app.store.history.count('test-private_c1')).toBe(1);
    await second.app.stop();
  });

  it('stops by itself when the last adapter closes', async () => {
    const a = new ScriptedAdapter('alpha');
    const b = new ScriptedAdapter('beta');
    const { app } = makeTestApp({}, { adapters: [a, b] });
    await app.start();
    a.host!.closed('gone');
    expect(await Promise.race([app.stopped.then(() => 'stopped'), new Promise((r) => setTimeout(() => r('running'), 100))])).toBe('running');
    b.host!.closed('gone too');
    await app.stopped;
    expect(a.stopped).toBe(false);
    expect(b.stopped).toBe(false);
  });

  it('send goes through the adapter the chat key names and is recorded as the bot', async () => {
    const adapter = new ScriptedAdapter();
    const { app } = makeTestApp({}, { adapters: [adapter] });
    await app.start();
    const result = await app.send('test-group_g1', [{ type: 'text', text: 'hello' }]);
    expect(result).toEqual({ messageId: 'out1' });
    const [entry] = await app.store.history.recent('test-group_g1', 5);
    expect(entry).toMatchObject({ role: 'bot', text: 'hello', messageId: 'out1' });
    await expect(app.send('nowhere-private_x', [{ type: 'text', text: 'x' }])).rejects.toMatchObject({ code: 'ADAPTER_NOT_FOUND' });
    await app.stop();
  });

  it('refuses a second adapter with the same name', () => {
    const { app } = makeTestApp({}, { adapters: [new ScriptedAdapter()] });
    expect(() => app.addAdapter(new ScriptedAdapter())).toThrow(/already registered/);
  });
});

describe('console adapter', () => {
  it('turns piped lines into private messages, prints replies, and closes at end of input', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (d: Buffer) => (printed += d.toString()));
    const { app } = makeTestApp({ DEBOUNCE_MS: '30' }, {
      adapters: [new ConsoleAdapter({ input, output, userId: 'alice', interactive: false })],
      sessionHandler: async (b, ctx) => ctx.reply(`you said: ${b.messages.map((m) => m.text).join(' / ')}`),
    });
    await app.start();
    input.write('hello\n\n  there  \n');
    input.end();
    await app.stopped;
    expect(printed).toBe('bot> you said: hello / there\n');
  });
});

describe('start-up warnings', () => {
  it('warns once per variable that looks like a setting but is not one, naming the closest', async () => {
    const { app, lines } = makeTestApp({ DEBOUNCE_MSS: '100' });
    await app.start();
    await app.stop();
    const warned = lines.filter((l) => l.variable === 'DEBOUNCE_MSS');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, closest: 'DEBOUNCE_MS' });
    expect(String(warned[0]!.msg)).toContain('did you mean DEBOUNCE_MS?');
  });
});
