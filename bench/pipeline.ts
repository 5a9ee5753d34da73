/**
 * Pipeline benchmark: BENCH_MESSAGES messages (default 50,000) over BENCH_CHATS private chats (default 1,000),
 * in bursts of BENCH_BURST (5), through the real app (dedupe, default chat policy hook, SQLite history on a
 * temp file, memory debounce buffer, batch stage, sessions), then the same messages and schedule through
 * the no-op reference (`pipeline-reference.ts`). The schedule is described at `drive` (pipeline-workload.ts).
 *
 * Settings: BENCH_DEBOUNCE_MS (20), BENCH_MAX_WAIT_MS (1000), BENCH_MAX_BATCH (10), BENCH_WAVE_CHATS (20),
 * BENCH_GAP_MS (2 × debounce), BENCH_WARMUP (messages run through both, untimed, before measuring: 5,000;
 * 0 for none), BENCH_LOG_LEVEL (silent; logs go to stderr).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { pino } from 'pino';
import { createApp, loadConfig, openSqliteStore, type Batch, type BufferPolicy } from '../core/index.js';
import { ReferencePipeline } from './pipeline-reference.js';
import { buildWorkload, drive, Recorder, type DriveResult, type Schedule, type Workload } from './pipeline-workload.js';
import { envInt, fixed, int, summarize, table, type Summary } from './stats.js';

interface Settings {
  messages: number;
  chats: number;
  burst: number;
  warmup: number;
  policy: BufferPolicy;
  schedule: Schedule;
}

interface RunResult {
  name: string;
  msgsPerSec: number;
  batchesPerSec: number;
  latency: Summary;
  reasons: Record<string, number>;
  drove: DriveResult;
  check: { ok: boolean; detail: string };
}

function readSettings(): Settings {
  // A short window keeps the run short; 20 ms (not 100) so that the per-chat gap of 2 windows lets the
  // schedule offer 125,000 msg/s to 1,000 chats: with 100 ms, 1,000 chats in bursts of 5 that each get their
  // own batch can never exceed 5 × 1,000 / 0.1 s = 50,000 msg/s, so the target could not be told from the cap.
  const debounceMs = envInt('BENCH_DEBOUNCE_MS', 20, 0);
  const maxWaitMs = envInt('BENCH_MAX_WAIT_MS', 1000, debounceMs);
  return {
    messages: envInt('BENCH_MESSAGES', 50_000),
    chats: envInt('BENCH_CHATS', 1_000),
    burst: envInt('BENCH_BURST', 5),
    warmup: envInt('BENCH_WARMUP', 5_000, 0),
    policy: { debounceMs, maxWaitMs, maxBatch: envInt('BENCH_MAX_BATCH', 10) },
    schedule: { waveChats: envInt('BENCH_WAVE_CHATS', 20), gapMs: envInt('BENCH_GAP_MS', 2 * debounceMs, 0) },
  };
}

/** How long to wait for the last batches once the last ingest resolved. */
const completionTimeoutMs = (s: Settings): number => s.policy.maxWaitMs + 10_000;

async function runNekomata(workload: Workload, s: Settings): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-'));
  try {
    const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
    const config = loadConfig({
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      DEBOUNCE_MS: String(s.policy.debounceMs),
      MAX_WAIT_MS: String(s.policy.maxWaitMs),
      MAX_BATCH: String(s.policy.maxBatch),
    });
    const store = openSqliteStore({ path: path.join(dir, 'bench.db'), log });
    const recorder = new Recorder(workload, config.buffer);
    const app = createApp(config, { log, store, sessionHandler: async (batch) => recorder.onBatch(batch) });
    await app.start();
    const drove = await drive(workload, (m) => app.ingest(m), s.schedule);
    const complete = await recorder.whenComplete(completionTimeoutMs(s));
    let check = recorder.check();
    // History recording is part of the work measured: every message must also be in the store.
    let rows = 0;
    for (const key of workload.chatKeys) rows += await store.history.count(key);
    const errors = app.metrics.total('batch_errors_total') + app.metrics.total('hook_errors_total') + store.history.writeErrors;
    if (check.ok && (rows !== workload.messages || errors > 0 || drove.rejected > 0)) {
      check = { ok: false, detail: `${rows} history rows (expected ${workload.messages}), ${errors} errors, ${drove.rejected} rejected ingests` };
    } else if (check.ok) {
      check = { ok: true, detail: `${check.detail}; ${rows} history rows` };
    }
    if (!complete) check = { ok: false, detail: `timed out waiting for the last batches: ${check.detail}` };
    await app.stop();
    return result('nekomata', workload, recorder, drove, check);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function runReference(workload: Workload, s: Settings): Promise<RunResult> {
  let recorder: Recorder | undefined;
  const reference = new ReferencePipeline(s.policy, (batch: Batch) => recorder!.onBatch(batch));
  recorder = new Recorder(workload, s.policy);
  const drove = await drive(workload, (m) => reference.ingest(m), s.schedule);
  const complete = await recorder.whenComplete(completionTimeoutMs(s));
  reference.close();
  let check = recorder.check();
  if (!complete || drove.rejected > 0) check = { ok: false, detail: `incomplete or rejected ingests: ${check.detail}` };
  return result('reference', workload, recorder, drove, check);
}

function result(name: string, workload: Workload, recorder: Recorder, drove: DriveResult, check: RunResult['check']): RunResult {
  return {
    name,
    msgsPerSec: workload.messages / ((drove.endedAt - drove.startedAt) / 1000),
    batchesPerSec: recorder.batches / ((recorder.lastBatchAt - drove.startedAt) / 1000),
    latency: summarize(recorder.latencies),
    reasons: recorder.reasons,
    drove,
    check,
  };
}

let gc: (() => void) | undefined;

/** A full GC before each measured run, so that no run pays for collecting the garbage of the one before. */
function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

export async function run(): Promise<boolean> {
  const s = readSettings();
  if (s.warmup > 0) {
    // JIT warm-up of both paths (and of the shared harness), so that neither run pays for compilation.
    const warm = buildWorkload(s.warmup, Math.min(s.chats, Math.ceil(s.warmup / s.burst)), s.burst);
    await runNekomata(warm, s);
    await runReference(warm, s);
  }
  const workload = buildWorkload(s.messages, s.chats, s.burst);
  const cap = s.schedule.gapMs > 0 ? (workload.chats * s.burst * 1000) / s.schedule.gapMs : Number.POSITIVE_INFINITY;
  console.log(
    `pipeline: ${int(workload.messages)} messages, ${int(workload.chats)} private chats, bursts of ${s.burst}; ` +
      `debounce ${s.policy.debounceMs} ms, max wait ${s.policy.maxWaitMs} ms, max batch ${s.policy.maxBatch}`,
  );
  console.log(
    `schedule: waves of ${s.schedule.waveChats} chats, one per event-loop turn, a chat's bursts ≥ ${s.schedule.gapMs} ms apart ` +
      `(schedule cap ${int(cap)} msg/s); messages built beforehand in ${fixed(workload.buildMs, 0)} ms (not timed); ` +
      `warm-up ${int(s.warmup)} messages through both (not timed)`,
  );
  collectGarbage();
  const nekomata = await runNekomata(workload, s);
  collectGarbage();
  const reference = await runReference(workload, s);
  const ratio = nekomata.msgsPerSec / reference.msgsPerSec;

  const rows = [['', 'msg/s', 'batches/s', 'p50 ms', 'p99 ms', 'max ms', 'batches', 'releases', 'gap waits', 'check']];
  for (const r of [nekomata, reference]) {
    const releases = Object.entries(r.reasons).map(([k, v]) => `${k} ${v}`).join(', ');
    rows.push([r.name, int(r.msgsPerSec), int(r.batchesPerSec), fixed(r.latency.p50), fixed(r.latency.p99), fixed(r.latency.max), int(r.latency.count), releases, int(r.drove.gapWaits), r.check.ok ? 'ok' : 'FAIL']);
  }
  console.log('');
  console.log(table(rows));
  console.log('');
  console.log('msg/s: messages / (first ingest → last ingest resolved); batches/s: batches / (first ingest → last batch handled);');
  console.log('p50/p99/max: handler call − (last push + debounce), ms, ±1 ms (Date.now() resolution).');
  console.log('reference: same messages and schedule into one async function per message that groups them per chat and');
  console.log('releases them from a single FIFO timer to the same handler (no validation, dedupe, hooks, history, sessions).');
  for (const r of [nekomata, reference]) console.log(`check ${r.name}: ${r.check.ok ? 'ok' : 'FAILED'}: ${r.check.detail}`);
  console.log(
    `pipeline: ${Math.round(nekomata.msgsPerSec)} msg/s, ${Math.round(nekomata.batchesPerSec)} batches/s, p50 ${fixed(nekomata.latency.p50)} ms, ` +
      `p99 ${fixed(nekomata.latency.p99)} ms beyond window, ratio ${fixed(ratio, 2)} of reference`,
  );
  return nekomata.check.ok && reference.check.ok;
}
