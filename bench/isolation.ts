/**
 * Isolation benchmark: what one isolated `im_message` hook costs the pipeline. Three apps are run in turn in the
 * same process, on the same messages: no plugin, the same no-op hook plugin inline (PLUGIN_ISOLATION=inline), and
 * that plugin isolated (its plugin.toml says process). For each: the latency of one `app.ingest` at a time
 * (p50/p99, BENCH_ISOLATION_SERIAL messages, default 3,000), then throughput with BENCH_ISOLATION_CHATS chats
 * (default 50) ingesting at once (BENCH_ISOLATION_MESSAGES in all, default 20,000). The aim: an isolated hook adds
 * at most 150 µs per message at p50. Then, for the inline and isolated plugin, entry calls to an entry that returns
 * its argument: latency of one call at a time (BENCH_ISOLATION_CALLS, default 3,000) and calls/s with 32 in flight.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createApp, loadConfig, type App } from '../core/runtime/index.js';
import { createInboundMessage } from '../core/message/index.js';
import { openSqliteStore } from '../core/store/index.js';
import { envInt, fixed, int, summarize, table, type Summary } from './stats.js';

const CORE = path.resolve(import.meta.dirname, '../core/index.ts');
const KEY = 'bench.noop_hook';
const AIM_US = 150;

function pluginFolder(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-isolation-'));
  const dir = path.join(root, 'noop_hook');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'plugin.toml'), `[plugin]\nid = "${KEY}"\nname = "noop hook"\nversion = "1.0.0"\n[plugin.runtime]\nisolation = "process"\n`);
  fs.writeFileSync(path.join(dir, 'index.ts'), `import * as N from ${JSON.stringify(CORE)};
const plugin = new N.Plugin({ name: 'noop hook', moduleName: 'noop_hook', description: 'reads each message', version: '1.0.0', author: 'bench', url: '' });
let seen = 0;
plugin.on('im_message', (event) => { if (event.message.text.length >= 0) seen++; });
plugin.entry('echo', {}, (args) => args);
export default plugin;
`);
  return dir;
}

let seq = 0;
const message = (chat: number) => createInboundMessage({
  adapter: 'bench', botId: 'bot', chatType: 'private', chatId: `c${chat}`, userId: `u${chat}`, userName: 'u',
  segments: [{ type: 'text', text: `message ${++seq}` }], messageId: `m${seq}`,
});

async function startApp(dataDir: string, env: Record<string, string>): Promise<App> {
  const log = pino({ level: 'silent' });
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0', DEBOUNCE_MS: '20', ...env });
  const app = createApp(config, { log, store: openSqliteStore({ path: ':memory:', log }), builtinPluginDirs: [], sessionHandler: async () => undefined });
  await app.start();
  return app;
}

interface Run { name: string; latency: Summary; msgsPerSec: number; calls?: { latency: Summary; perSec: number } }

/** Entry calls: one at a time for latency, then 32 in flight for throughput. */
async function measureCalls(app: App): Promise<{ latency: Summary; perSec: number }> {
  const n = envInt('BENCH_ISOLATION_CALLS', 3_000);
  const call = (i: number) => app.neko.entries.call(KEY, 'echo', { i });
  for (let i = 0; i < 300; i++) await call(i);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await call(i);
    times[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const inFlight = 32;
  const per = Math.ceil((n * 4) / inFlight);
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    for (let i = 0; i < per; i++) await call(i);
  }));
  return { latency: summarize(times), perSec: (per * inFlight) / (Number(process.hrtime.bigint() - t0) / 1e9) };
}

async function measure(name: string, app: App): Promise<Run> {
  const serial = envInt('BENCH_ISOLATION_SERIAL', 3_000);
  const total = envInt('BENCH_ISOLATION_MESSAGES', 20_000);
  const chats = envInt('BENCH_ISOLATION_CHATS', 50);
  for (let i = 0; i < 500; i++) await app.ingest(message(i % chats)); // warm-up: JIT, IPC, SQLite
  const times = new Float64Array(serial);
  for (let i = 0; i < serial; i++) {
    const m = message(i % chats);
    const t = process.hrtime.bigint();
    await app.ingest(m);
    times[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const per = Math.ceil(total / chats);
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: chats }, async (_, c) => {
    for (let i = 0; i < per; i++) await app.ingest(message(c));
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name, latency: summarize(times), msgsPerSec: (per * chats) / secs };
}

export async function run(): Promise<boolean> {
  const folder = pluginFolder();
  const runs: Run[] = [];
  const modes: [string, Record<string, string>][] = [
    ['no hook', {}],
    ['hook inline', { PLUGIN_DIRS: folder, PLUGINS_ENABLED: KEY, PLUGIN_ISOLATION: 'inline' }],
    ['hook isolated', { PLUGIN_DIRS: folder, PLUGINS_ENABLED: KEY }],
  ];
  for (const [name, env] of modes) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-data-'));
    const app = await startApp(dataDir, env);
    const info = app.plugins.list().find((p) => p.key === KEY);
    if (name !== 'no hook' && info?.state !== 'enabled') throw new Error(`${KEY} did not load: ${info?.error?.message ?? 'not found'}`);
    if (name === 'hook isolated' && info?.process?.state !== 'running') throw new Error(`${KEY} is not isolated`);
    const r = await measure(name, app);
    if (name !== 'no hook') r.calls = await measureCalls(app);
    runs.push(r);
    await app.stop('bench done');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  fs.rmSync(path.dirname(folder), { recursive: true, force: true });
  const base = runs[0]!;
  console.log(`\nisolation: one im_message hook, ${os.cpus().length} cores, node ${process.version}`);
  console.log(table([
    ['run', 'ingest p50 µs', 'p99 µs', 'added p50 µs', 'msg/s (concurrent)'],
    ...runs.map((r) => [r.name, fixed(r.latency.p50), fixed(r.latency.p99), fixed(r.latency.p50 - base.latency.p50), int(r.msgsPerSec)]),
  ]));
  console.log('\nentry calls (an entry returning its argument)');
  const inline = runs[1]!.calls!;
  console.log(table([
    ['plugin', 'call p50 µs', 'p99 µs', 'calls/s (32 in flight)', 'ratio to inline'],
    ...runs.slice(1).map((r) => [r.name.replace('hook ', ''), fixed(r.calls!.latency.p50), fixed(r.calls!.latency.p99), int(r.calls!.perSec), fixed(r.calls!.perSec / inline.perSec)]),
  ]));
  const added = runs[2]!.latency.p50 - base.latency.p50;
  const ok = added <= AIM_US;
  console.log(`isolated hook adds ${fixed(added)} µs per message at p50 (aim ≤ ${AIM_US} µs): ${ok ? 'met' : 'NOT met'}`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
