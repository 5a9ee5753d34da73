import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeMessage } from '../support/messages.js';
import { manifest, PluginFolders } from '../support/plugin-folders.js';
import { startWithFolders, type FolderApp } from './example-app.js';

// Fast limits: restarts after 20, 40, 80 ms; a crash loop is the third crash within a minute. Health pings get 20 s
// (the spinner 1 s), so that a busy machine does not pass for a stuck plugin: with 5 s, a plugin process just
// restarted on an overloaded machine (the suite beside two busy loops on 2 cores) once missed its ping and was
// killed, and the crash test read that as its last error instead of the exit.
const LIMITS = {
  PLUGIN_RESTART_BASE_MS: '20', PLUGIN_RESTART_MAX_MS: '1000', PLUGIN_CRASH_LOOP_COUNT: '3', PLUGIN_CRASH_LOOP_WINDOW_MS: '60000',
  PLUGIN_HEALTH_INTERVAL_MS: '100', PLUGIN_STOP_TIMEOUT_MS: '500',
};
/** Starting a process (node, tsx, the plugin's import) takes a while on a busy machine. */
// Each case restarts node processes: on a loaded 2-core machine that takes seconds, so give it room.
const WAIT = { timeout: 40_000, interval: 20 };
const runtime = (extra = 'call_timeout_ms = 400\nhealth_timeout_ms = 20000') => `[plugin.runtime]\nisolation = "process"\n${extra}\n`;

/** A plugin that misbehaves on one word, and otherwise marks the messages it saw. */
const misbehaves = (word: string, how: string) => `
plugin.on('im_message', (event) => {
  if (event.message.text === '${word}') { ${how} }
});
plugin.mountCommand({ name: 'pid', description: 'its process' }, () => N.CmdCtl.success(String(process.pid)));`;

const folders = new PluginFolders();
folders.add('crasher', { toml: manifest('crasher', runtime()), body: misbehaves('crash', 'process.exit(3);') });
// The spinner's calls reach their limit (400 ms) before its health ping gives up (1 s); the hog's heap runs out first.
folders.add('spinner', { toml: manifest('spinner', runtime('call_timeout_ms = 400\nhealth_timeout_ms = 1000')), body: misbehaves('spin', 'for (;;) {}') });
folders.add('hanger', { toml: manifest('hanger', runtime()), body: misbehaves('hang', 'return new Promise(() => {});') });
folders.add('hog', {
  toml: manifest('hog', runtime('memory_mb = 64\ncall_timeout_ms = 20000\nhealth_timeout_ms = 20000')),
  body: misbehaves('hog', 'const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(1));'),
});
// Speaks the app's wire before the app has its stand-in: a note the app cannot act on yet (it once threw out of
// the pipe's message event and ended the app).
folders.add('early', {
  toml: manifest('early', runtime()),
  body: `process.send!({ t: 'note', kind: 'bus.watch', payload: { id: 'early', topic: 'messages' } });
plugin.mountCommand({ name: 'pid', description: 'its process' }, () => N.CmdCtl.success(String(process.pid)));`,
});
afterAll(() => folders.remove());

let ex: FolderApp | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const start = async (name: string) => {
  ex = await startWithFolders([`${folders.root}/${name}`], [`tester.${name}`], LIMITS);
  expect(ex.info(`tester.${name}`)?.process?.state).toBe('running');
  return `tester.${name}`;
};
const say = (text: string, chat: string) => ex!.app.ingest(makeMessage(text, { chat }));
const hookErrors = (key: string) => ex!.lines.filter((l) => l.plugin === key && String(l.msg).startsWith('hook im_message')).map((l) => (l.err as { code?: string }).code);
const restartLines = (key: string) => ex!.lines.filter((l) => l.plugin === key && typeof l.delayMs === 'number').map((l) => l.delayMs);

describe('an isolated plugin that misbehaves', { timeout: 60_000 }, () => {
  it('sends a note before the app is ready for it: the app logs and counts it and goes on', async () => {
    const key = await start('early');
    expect(ex!.app.metrics.get('plugin_errors_total', { plugin: key, stage: 'process note bus.watch' })).toBe(1);
    expect(ex!.lines.find((l) => l.plugin === key && l.note === 'bus.watch')?.msg).toContain('is still starting');
    expect((await say('hello', 'a')).outcome).toBe('buffer');
  });

  it('crashes (process.exit): the call in flight fails at once, other chats go on, it restarts with backoff, and a crash loop stops it', async () => {
    const key = await start('crasher');
    const firstPid = ex!.info(key)!.process!.pid;
    // The crash fails its own call with PLUGIN_NOT_RUNNING, not after call_timeout_ms: the chat goes on.
    expect((await say('crash', 'a')).outcome).toBe('buffer');
    expect(hookErrors(key)).toEqual(['PLUGIN_NOT_RUNNING']);
    expect((await say('hello', 'b')).outcome).toBe('buffer');
    await vi.waitFor(() => expect(ex!.info(key)!.process).toMatchObject({ state: 'running', restarts: 1 }), WAIT);
    expect(ex!.info(key)!.process!.pid).not.toBe(firstPid);
    expect(ex!.info(key)!.process!.lastError?.message).toBe('exited with code 3');

    await say('crash', 'a');
    await vi.waitFor(() => expect(ex!.info(key)!.process).toMatchObject({ state: 'running', restarts: 2 }), WAIT);
    expect(restartLines(key).slice(0, 2)).toEqual([20, 40]);
    await say('crash', 'a');
    await vi.waitFor(() => expect(ex!.info(key)!.process!.state).toBe('crashed'), WAIT);
    expect(ex!.info(key)).toMatchObject({ state: 'enabled', process: { restarts: 2, lastError: { message: 'exited with code 3' } } });
    expect(ex!.lines.some((l) => l.level === 50 && String(l.msg).includes('crashed 3 times'))).toBe(true);

    // Stopped: its calls fail at once, the chats are still answered, and a reload brings it back.
    expect((await say('hello', 'c')).outcome).toBe('buffer');
    expect(hookErrors(key).at(-1)).toBe('PLUGIN_NOT_RUNNING');
    await ex!.app.plugins.reload(key);
    expect(ex!.info(key)!.process).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('hangs (a promise that never settles): that call costs its time limit, and the next chat does not wait for it', async () => {
    const key = await start('hanger');
    const hung = say('hang', 'a');
    let hungDone = false;
    void hung.then(() => (hungDone = true));
    expect((await say('hello', 'b')).outcome).toBe('buffer');
    expect(hungDone).toBe(false);
    expect((await hung).outcome).toBe('buffer');
    expect(hookErrors(key)).toEqual(['PLUGIN_TIMEOUT']);
    // Its event loop is free: the health ping is answered, and the process is kept.
    await vi.waitFor(() => expect(ex!.lines.some((l) => l.plugin === key && String(l.msg).includes('health ping'))).toBe(false));
    expect(ex!.info(key)!.process).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('spins forever: its calls cost their time limit, the chats are answered, and the health ping restarts it', async () => {
    const key = await start('spinner');
    // A spinning process holds its plugin's other calls until their limit: both chats are answered after it.
    const [a, b] = await Promise.all([say('spin', 'a'), say('hello', 'b')]);
    expect([a.outcome, b.outcome]).toEqual(['buffer', 'buffer']);
    expect(hookErrors(key)).toEqual(['PLUGIN_TIMEOUT', 'PLUGIN_TIMEOUT']);
    await vi.waitFor(() => expect(ex!.info(key)!.process).toMatchObject({ state: 'running', restarts: 1 }), WAIT);
    expect(ex!.info(key)!.process!.lastError?.message).toContain('no answer to a health ping within 1000 ms');
    expect((await say('hello again', 'b')).outcome).toBe('buffer');
    expect(hookErrors(key)).toHaveLength(2);
  });

  it('exceeds its memory limit: the process dies, the call fails at once, and it restarts', async () => {
    const key = await start('hog');
    expect(ex!.info(key)!.process!.memoryMb).toBe(64);
    expect((await say('hog', 'a')).outcome).toBe('buffer');
    expect(hookErrors(key)).toEqual(['PLUGIN_NOT_RUNNING']);
    await vi.waitFor(() => expect(ex!.info(key)!.process).toMatchObject({ state: 'running', restarts: 1 }), WAIT);
    expect(ex!.info(key)!.process!.lastError?.message).toMatch(/heap/i);
    expect((await say('hello', 'b')).outcome).toBe('buffer');
  });
});
