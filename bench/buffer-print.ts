/** The buffer benchmark's report (bench/buffer.ts describes what each figure is). */
import os from 'node:os';
import { ingestRate, type RunResult } from './buffer-load.js';
import { fixed, int, percentile, table } from './stats.js';

export function printResults(results: readonly RunResult[], floor: RunResult): void {
  const rows = [['', 'ingest msg/s', '÷ floor', 'total ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'batches', 'releases', 'redis cmds/msg', 'redis cpu µs/msg', 'client cpu µs/msg', 'check']];
  for (const r of results) {
    const lat = (p: number): string => (r.latencies.length > 0 ? fixed(percentile(r.latencies, p)) : '—');
    rows.push([
      r.name, int(ingestRate(r)), fixed(ingestRate(r) / ingestRate(floor), 2), Number.isFinite(r.totalMs) ? int(r.totalMs) : '—',
      lat(50), lat(95), lat(99), lat(100), r.batches > 0 ? int(r.batches) : '—',
      Object.entries(r.reasons).map(([k, v]) => `${k} ${v}`).join(', ') || '—',
      r.redis ? fixed(r.redis.calls / r.messages, 2) : '—',
      r.redis ? fixed(r.redis.cpuUs / r.messages, 1) : '—',
      fixed(r.clientCpuUs / r.messages, 1), r.check.ok ? 'ok' : 'FAIL',
    ]);
  }
  console.log('');
  console.log(table(rows));
  console.log('');
  for (const r of results) {
    if (!r.redis || r.redis.commands.length === 0) continue;
    const all = process.env.BENCH_BUFFER_ALL_COMMANDS === '1';
    const top = r.redis.commands.slice(0, all ? undefined : 5).map((c) => `${c.name} ${fixed(c.calls / r.messages, 2)}${all ? ` (${fixed(c.usec / r.messages, 1)} µs)` : ''}`).join(', ');
    console.log(`${all ? 'all' : 'top'} redis commands per message, ${r.name}: ${top}`);
    if (r.redis.scripts) {
      const calls = r.redis.scripts.map((c) => `${c.name} ${fixed(c.calls / r.messages, 3)} × ${fixed(c.usec / c.calls, 1)} µs = ${fixed(c.usec / r.messages, 2)}`).join(', ');
      console.log(`redis time per message by top-level call (SLOWLOG), ${r.name}: ${calls}`);
    }
  }
  for (const r of results) {
    if (!r.stall) continue;
    const { scavenges, scavengeMs, scavengeMaxMs, delayP99Ms, delayMaxMs } = r.stall;
    console.log(`event loop, ${r.name}: scavenges ${scavenges}, ${fixed(scavengeMs)} ms in all (longest ${fixed(scavengeMaxMs)}); delay p99 ${fixed(delayP99Ms)} ms, longest ${fixed(delayMaxMs)} ms`);
  }
  console.log('');
  console.log('ingest: messages / (first push → last push resolved); total: first push → last batch handled.');
  console.log('p50..max: per batch, handler start − due time (last push + debounce; last push for maxBatch), ms beyond the window, ±1 ms.');
  console.log('redis cmds/msg: INFO commandstats calls (Lua-internal calls included) from CONFIG RESETSTAT before the first push');
  console.log('until every message was handled, ÷ messages; redis cpu: used_cpu_sys + used_cpu_user over the same span.');
  console.log(`client cpu: this process's user + system CPU over the same span. Producer, consumer and Redis share ${os.availableParallelism()} cores.`);
  console.log('event loop: scavenges (young-generation GC pauses) and how late a 1 ms timer ran, over the same span (this process).');
  for (const r of results) console.log(`check ${r.name}: ${r.check.ok ? 'ok' : 'FAILED'}: ${r.check.detail}`);
}
