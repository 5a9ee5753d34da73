/**
 * Admin benchmark: the pipeline benchmark's workload (BENCH_MESSAGES over BENCH_CHATS, bursts of BENCH_BURST,
 * at full speed) through the real app twice per round, in the same process: once with the admin server on (the
 * HTTP server with the admin API and the web chat mounted, ADMIN_TOKEN set, logging at info into the log feed
 * and /dev/null, one client streaming the live log at debug, and a Prometheus scrape of /metrics every
 * BENCH_SCRAPE_MS), and once with all of it off (no HTTP server, a silent log). The aim: at most 5 % fewer
 * messages per second with it on.
 *
 * Settings: those of `npm run bench -- pipeline` (BENCH_MESSAGES, BENCH_CHATS, BENCH_BURST, BENCH_DEBOUNCE_MS, …),
 * except BENCH_MESSAGES (200,000 here); BENCH_ROUNDS (3, interleaved off/on), BENCH_SCRAPE_MS (250: far more often than
 * a Prometheus server scrapes, so that its cost shows).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../app/config.js';
import { configuredAdapters } from '../app/adapters.js';
import { createApp, LogFeed, REDACTED_FIELDS } from '../core/runtime/index.js';
import { openSqliteStore } from '../core/store/index.js';
import { collectGarbage, completionTimeoutMs, readSettings, result, type RunResult, type Settings } from './pipeline.js';
import { buildWorkload, drive, Recorder, type Workload } from './pipeline-workload.js';
import { envInt, fixed, int, median, table } from './stats.js';

const TOKEN = 'bench-admin-token-0123456789';

async function runOnce(workload: Workload, s: Settings, admin: boolean, scrapeMs: number): Promise<RunResult & { scrapes: number; logLines: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-admin-'));
  const stops: (() => void)[] = [];
  try {
    const config = loadConfig({
      DATA_DIR: dir, LOG_LEVEL: admin ? 'info' : 'silent', DEBOUNCE_MS: String(s.policy.debounceMs), MAX_WAIT_MS: String(s.policy.maxWaitMs),
      MAX_BATCH: String(s.policy.maxBatch), FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0',
      ...(admin ? { HTTP_PORT: '0', ADMIN_TOKEN: TOKEN } : {}),
    });
    const logFeed = new LogFeed();
    const log = admin
      ? pino(
          { level: 'info', base: undefined, redact: { paths: REDACTED_FIELDS, censor: '[redacted]' } },
          pino.multistream([{ stream: pino.destination({ dest: '/dev/null', sync: true }), level: 'info' }, { stream: logFeed, level: 'trace' }]),
        )
      : pino({ level: 'silent' });
    const store = openSqliteStore({ path: path.join(dir, 'bench.db'), log });
    const recorder = new Recorder(workload, config.buffer);
    const app = createApp(config, { log, logFeed, store, sessionHandler: async (batch) => recorder.onBatch(batch) });
    for (const adapter of configuredAdapters(app, config)) app.addAdapter(adapter);
    await app.start();
    let scrapes = 0;
    let logLines = 0;
    if (admin) {
      const headers = { authorization: `Bearer ${TOKEN}` };
      const stream = await fetch(`${app.http.url}/api/logs/stream?level=debug`, { headers });
      const reader = stream.body!.getReader();
      void (async () => {
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done) return;
          logLines += new TextDecoder().decode(value).split('event: log').length - 1;
        }
      })();
      stops.push(() => void reader.cancel().catch(() => undefined));
      const scrape = () => fetch(`${app.http.url}/metrics`, { headers }).then(async (r) => void (await r.text(), scrapes++));
      const timer = setInterval(() => void scrape().catch(() => undefined), scrapeMs);
      stops.push(() => clearInterval(timer));
      await scrape();
    }
    const cpu = process.cpuUsage();
    const drove = await drive(workload, (m) => app.ingest(m), s.schedule);
    const complete = await recorder.whenComplete(completionTimeoutMs(s));
    const cpuUsed = process.cpuUsage(cpu);
    let check = recorder.check();
    if (!complete || drove.rejected > 0) check = { ok: false, detail: `incomplete or rejected ingests: ${check.detail}` };
    for (const stop of stops.splice(0)) stop();
    await app.stop();
    return { ...result(admin ? 'admin on' : 'admin off', workload, recorder, drove, cpuUsed, check), scrapes, logLines };
  } finally {
    for (const stop of stops) stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<boolean> {
  // Longer runs than the pipeline bench's: a difference of a few percent needs seconds per run to rise above noise.
  const s = { ...readSettings(), messages: envInt('BENCH_MESSAGES', 200_000) };
  const rounds = envInt('BENCH_ROUNDS', 3);
  const scrapeMs = envInt('BENCH_SCRAPE_MS', 250);
  if (s.warmup > 0) {
    const warm = buildWorkload(s.warmup, Math.min(s.chats, Math.ceil(s.warmup / s.burst)), s.burst);
    await runOnce(warm, s, false, scrapeMs);
    await runOnce(warm, s, true, scrapeMs);
  }
  const workload = buildWorkload(s.messages, s.chats, s.burst);
  console.log(
    `admin: ${int(workload.messages)} messages, ${int(workload.chats)} private chats, bursts of ${s.burst}, full speed; ${rounds} rounds, off and on ` +
      `interleaved; on = admin API + web chat mounted, log at info into the feed, one live log client at debug, /metrics scraped every ${scrapeMs} ms`,
  );
  const runs: (RunResult & { scrapes: number; logLines: number })[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const admin of i % 2 === 0 ? [false, true] : [true, false]) {
      collectGarbage();
      runs.push(await runOnce(workload, s, admin, scrapeMs));
    }
  }
  const rows = [['', 'msg/s', 'cpu µs/msg', 'p99 ms', 'scrapes', 'log lines streamed', 'check']];
  for (const r of runs) rows.push([r.name, int(r.msgsPerSec), fixed(r.cpuUsPerMsg), fixed(r.latency.p99), String(r.scrapes), String(r.logLines), r.check.ok ? 'ok' : 'FAIL']);
  console.log('');
  console.log(table(rows));
  const off = median(runs.filter((r) => r.name === 'admin off').map((r) => r.msgsPerSec));
  const on = median(runs.filter((r) => r.name === 'admin on').map((r) => r.msgsPerSec));
  const lost = 1 - on / off;
  console.log(`admin: median ${int(on)} msg/s on against ${int(off)} off: ${fixed(lost * 100)} % lost (aim: at most 5 %)`);
  return runs.every((r) => r.check.ok);
}
