/**
 * Pipeline benchmark: BENCH_MESSAGES messages (default 50,000) over BENCH_CHATS private chats (default 1,000),
 * in bursts of BENCH_BURST (5), through the real app (dedupe, default chat policy hook, SQLite history on a
 * temp file, memory debounce buffer, batch stage, sessions), then the same messages and schedule through
 * the no-op reference (`pipeline-reference.ts`). The schedule is described at `drive` (pipeline-workload.ts).
 *
 * Two runs of each: one as fast as the event loop carries (throughput, and the ratio to the reference), and
 * one at a fixed offered load of BENCH_RATE msg/s (latency beyond the window at that load: a saturated loop
 * delays every timer by its own backlog, which says nothing about the pipeline).
 *
 * Settings: BENCH_RATE (50,000), BENCH_DEBOUNCE_MS (20), BENCH_MAX_WAIT_MS (1000), BENCH_MAX_BATCH (10), BENCH_WAVE_CHATS (20),
 * BENCH_GAP_MS (0: off), BENCH_WARMUP (messages run through both, untimed, before measuring: 5,000; 0 for
 * none), BENCH_LOG_LEVEL (silent; logs go to stderr).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { pino, type Logger } from 'pino';
import type { BufferPolicy } from '../core/buffer/index.js';
import type { Batch } from '../core/message/index.js';
import { createApp, loadConfig } from '../core/runtime/index.js';
import { openSqliteStore, type Store } from '../core/store/index.js';
import { ReferencePipeline } from './pipeline-reference.js';
import { buildWorkload, drive, Recorder, type DriveResult, type Schedule, type Workload } from './pipeline-workload.js';
import { envInt, fixed, int, summarize, table, type Summary } from './stats.js';

export interface Settings {
  messages: number;
  chats: number;
  burst: number;
  warmup: number;
  policy: BufferPolicy;
  schedule: Schedule;
  /** Offered load (msg/s) of the latency runs. */
  rate: number;
}

export interface RunResult {
  name: string;
  msgsPerSec: number;
  batchesPerSec: number;
  /** Process CPU time (user + system) from the first ingest to the last batch, per message. */
  cpuUsPerMsg: number;
  latency: Summary;
  reasons: Record<string, number>;
  drove: DriveResult;
  check: { ok: boolean; detail: string };
}

export function readSettings(): Settings {
  // 20 ms rather than 100: a chat's next burst comes one rotation (5,000 messages) later, so with 100 ms
  // every rate above 50,000 msg/s would merge a chat's bursts in its buffer (maxBatch releases, no timer
  // involved); with 20 ms each burst stays one batch released by its debounce timer up to ~200,000 msg/s.
  const debounceMs = envInt('BENCH_DEBOUNCE_MS', 20, 0);
  const maxWaitMs = envInt('BENCH_MAX_WAIT_MS', 1000, debounceMs);
  return {
    messages: envInt('BENCH_MESSAGES', 50_000),
    chats: envInt('BENCH_CHATS', 1_000),
    burst: envInt('BENCH_BURST', 5),
    warmup: envInt('BENCH_WARMUP', 5_000, 0),
    policy: { debounceMs, maxWaitMs, maxBatch: envInt('BENCH_MAX_BATCH', 10) },
    schedule: { waveChats: envInt('BENCH_WAVE_CHATS', 20), gapMs: envInt('BENCH_GAP_MS', 0, 0), rate: 0 },
    rate: envInt('BENCH_RATE', 50_000),
  };
}

/** How long to wait for the last batches once the last ingest resolved. */
export const completionTimeoutMs = (s: Settings): number => s.policy.maxWaitMs + 10_000;

/** The real app on a fresh SQLite file. `openStore` replaces the store, for experiments. */
export async function runNekomata(workload: Workload, s: Settings, openStore?: (file: string, log: Logger) => Store): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-'));
  try {
    const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
    const config = loadConfig({
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      DEBOUNCE_MS: String(s.policy.debounceMs),
      MAX_WAIT_MS: String(s.policy.maxWaitMs),
      MAX_BATCH: String(s.policy.maxBatch),
      // Off: each chat's one synthetic user sends at rates the flood limits exist to refuse.
      FLOOD_USER_MESSAGES: '0',
      FLOOD_CHAT_MESSAGES: '0',
    });
    const file = path.join(dir, 'bench.db');
    const store = openStore ? openStore(file, log) : openSqliteStore({ path: file, log });
    const recorder = new Recorder(workload, config.buffer);
    const app = createApp(config, { log, store, sessionHandler: async (batch) => recorder.onBatch(batch) });
    await app.start();
    const cpu = process.cpuUsage();
    const drove = await drive(workload, (m) => app.ingest(m), s.schedule);
    const complete = await recorder.whenComplete(completionTimeoutMs(s));
    const cpuUsed = process.cpuUsage(cpu);
    let check = recorder.check();
    // History recording is part of the work measured: every message must also be in the store.
    let rows = 0;
    for (const key of workload.chatKeys) rows += await store.history.count(key);
    const writeErrors = (store.history as { writeErrors?: number }).writeErrors ?? 0;
    const errors = app.metrics.total('batch_errors_total') + app.metrics.total('hook_errors_total') + writeErrors;
    if (check.ok && (rows !== workload.messages || errors > 0 || drove.rejected > 0)) {
      check = { ok: false, detail: `${rows} history rows (expected ${workload.messages}), ${errors} errors, ${drove.rejected} rejected ingests` };
    } else if (check.ok) {
      check = { ok: true, detail: `${check.detail}; ${rows} history rows` };
    }
    if (!complete) check = { ok: false, detail: `timed out waiting for the last batches: ${check.detail}` };
    await app.stop();
    return result('nekomata', workload, recorder, drove, cpuUsed, check);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function runReference(workload: Workload, s: Settings): Promise<RunResult> {
  const recorder = new Recorder(workload, s.policy);
  const reference = new ReferencePipeline(s.policy, (batch: Batch) => recorder.onBatch(batch));
  const cpu = process.cpuUsage();
  const drove = await drive(workload, (m) => reference.ingest(m), s.schedule);
  const complete = await recorder.whenComplete(completionTimeoutMs(s));
  const cpuUsed = process.cpuUsage(cpu);
  reference.close();
  let check = recorder.check();
  if (!complete || drove.rejected > 0) check = { ok: false, detail: `incomplete or rejected ingests: ${check.detail}` };
  return result('reference', workload, recorder, drove, cpuUsed, check);
}

/** A run's figures from what the recorder saw and the drive measured. */
export function result(name: string, workload: Workload, recorder: Recorder, drove: DriveResult, cpu: NodeJS.CpuUsage, check: RunResult['check']): RunResult {
  return {
    name,
    msgsPerSec: workload.messages / ((drove.endedAt - drove.startedAt) / 1000),
    batchesPerSec: recorder.batches / ((recorder.lastBatchAt - drove.startedAt) / 1000),
    cpuUsPerMsg: (cpu.user + cpu.system) / workload.messages,
    latency: summarize(recorder.latencies),
    reasons: recorder.reasons,
    drove,
    check,
  };
}

let gc: (() => void) | undefined;

/** A full GC before each measured run, so that no run pays for collecting the garbage of the one before. */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

export function printResults(s: Settings, results: readonly RunResult[]): void {
  const rows = [['', 'msg/s', 'batches/s', 'cpu µs/msg', 'p50 ms', 'p99 ms', 'max ms', 'batches', 'releases', 'check']];
  for (const r of results) {
    const releases = Object.entries(r.reasons).map(([k, v]) => `${k} ${v}`).join(', ');
    rows.push([
      r.name, int(r.msgsPerSec), int(r.batchesPerSec), fixed(r.cpuUsPerMsg), fixed(r.latency.p50), fixed(r.latency.p99), fixed(r.latency.max),
      int(r.latency.count), releases, r.check.ok ? 'ok' : 'FAIL',
    ]);
  }
  console.log('');
  console.log(table(rows));
  console.log('');
  console.log('msg/s: messages / (first ingest → last ingest resolved); batches/s: batches / (first ingest → last batch handled).');
  console.log('p50/p99/max: handler call − due time (last push + debounce; last push for maxBatch), ms, ±1 ms (Date.now() resolution).');
  console.log('reference: same messages and schedule into one async function per message that groups them per chat and');
  console.log('releases them from a single FIFO timer to the same handler (no validation, dedupe, hooks, history, sessions).');
  console.log('full speed: waves sent as fast as the loop carries them (throughput); at N/s: waves paced to N msg/s offered (latency).');
  if (results.some((r) => r.drove.gapWaits > 0)) {
    const waits = results.map((r) => `${r.name} ${r.drove.gapWaits}`).join(', ');
    console.log(`gap waits (times the per-chat gap, not the pipeline, held the sender back): ${waits}`);
  }
  for (const r of results) console.log(`check ${r.name}: ${r.check.ok ? 'ok' : 'FAILED'}: ${r.check.detail}`);
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
  const cap = s.schedule.gapMs > 0 ? `; a chat's bursts ≥ ${s.schedule.gapMs} ms apart (caps the rate at ${int((workload.chats * s.burst * 1000) / s.schedule.gapMs)} msg/s)` : '';
  console.log(
    `pipeline: ${int(workload.messages)} messages, ${int(workload.chats)} private chats, bursts of ${s.burst}; ` +
      `debounce ${s.policy.debounceMs} ms, max wait ${s.policy.maxWaitMs} ms, max batch ${s.policy.maxBatch}`,
  );
  console.log(
    `schedule: open loop, waves of ${s.schedule.waveChats} chats (${s.schedule.waveChats * s.burst} messages), one wave per event-loop turn, ` +
      `chats in turn${cap}; messages built beforehand in ${fixed(workload.buildMs, 0)} ms and ${int(s.warmup)} warm-up messages through both (not timed)`,
  );
  const named = (r: RunResult, name: string): RunResult => ({ ...r, name });
  const atRate = { ...s, schedule: { ...s.schedule, rate: s.rate } };
  collectGarbage();
  const nekomata = named(await runNekomata(workload, s), 'nekomata, full speed');
  collectGarbage();
  const reference = named(await runReference(workload, s), 'reference, full speed');
  collectGarbage();
  const nekomataPaced = named(await runNekomata(workload, atRate), `nekomata at ${int(s.rate)}/s`);
  collectGarbage();
  const referencePaced = named(await runReference(workload, atRate), `reference at ${int(s.rate)}/s`);
  const results = [nekomata, reference, nekomataPaced, referencePaced];
  printResults(s, results);
  const ratio = nekomata.msgsPerSec / reference.msgsPerSec;
  console.log(
    `pipeline: ${Math.round(nekomata.msgsPerSec)} msg/s, ${Math.round(nekomata.batchesPerSec)} batches/s at full speed (ratio ${fixed(ratio, 2)} of reference); ` +
      `at ${int(s.rate)} msg/s offered: p50 ${fixed(nekomataPaced.latency.p50)} ms, p99 ${fixed(nekomataPaced.latency.p99)} ms beyond window ` +
      `(reference p99 ${fixed(referencePaced.latency.p99)} ms)`,
  );
  return results.every((r) => r.check.ok);
}
