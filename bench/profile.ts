import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';

/**
 * With BENCH_PROFILE=<dir>, a CPU profile of the main thread over each measured run, written to
 * `<dir>/<name>-<n>.cpuprofile` (open it in Chrome DevTools' Performance panel or speedscope for a flame graph;
 * `npx tsx bench/profile-summary.ts <file>` lists where the time went). Only the measured window is recorded:
 * start-up, module loading and the warm-up stay out, so the profile shows the steady state per message.
 */
const dir = process.env.BENCH_PROFILE;
const counts = new Map<string, number>();

export async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!dir) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 100 µs rather than the default 1 ms: a message costs tens of µs, so coarser samples miss whole functions.
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}-${n}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    console.log(`profile: ${file}`);
  }
}
