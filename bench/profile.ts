import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';

/**
 * With BENCH_PROFILE=<dir>, a profile of the main thread over each measured run, written to `<dir>/<name>-<n>.*`.
 * Only the measured window is recorded: start-up, module loading and the warm-up stay out, so the profile
 * shows the steady state per message. `npx tsx bench/profile-summary.ts <file>` lists where it went.
 *
 * - By default a CPU profile (`.cpuprofile`; open it in Chrome DevTools' Performance panel or speedscope for a
 *   flame graph).
 * - With BENCH_PROFILE_HEAP=1 an allocation profile instead (`.heapprofile`, DevTools' Memory panel): where the
 *   bytes were allocated, those already collected included, which is what drives the young-generation GC.
 * - With BENCH_PROFILE_HEAP=survivors, only the bytes that outlived a young-generation GC (a scavenge copies
 *   them, then promotes them to the old generation): what makes a scavenge's pause long.
 */
const dir = process.env.BENCH_PROFILE;
const heapMode = process.env.BENCH_PROFILE_HEAP;
const heap = heapMode === '1' || heapMode === 'survivors';
const counts = new Map<string, number>();

export async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!dir) return run();
  const session = new Session();
  session.connect();
  const recorder = heap ? await recordAllocations(session) : await recordCpu(session);
  try {
    return await run();
  } finally {
    const profile = await recorder.stop();
    session.disconnect();
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}-${n}.${heap ? 'heapprofile' : 'cpuprofile'}`);
    fs.writeFileSync(file, JSON.stringify(profile));
    console.log(`profile: ${file}`);
  }
}

interface Recorder {
  stop(): Promise<unknown>;
}

async function recordCpu(session: Session): Promise<Recorder> {
  await session.post('Profiler.enable');
  // 100 µs rather than the default 1 ms: a message costs tens of µs, so coarser samples miss whole functions.
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return { stop: async () => (await session.post('Profiler.stop')).profile };
}

async function recordAllocations(session: Session): Promise<Recorder> {
  await session.post('HeapProfiler.enable');
  // One sample per 512 bytes on average (the default is 32 KiB): a message allocates a few KiB. Objects the GC
  // already collected stay in (without them the profile shows only what is still alive at the end), except, for
  // `survivors`, those a scavenge collected.
  const options = { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: heapMode !== 'survivors' };
  await session.post('HeapProfiler.startSampling', options);
  return { stop: async () => (await session.post('HeapProfiler.stopSampling')).profile };
}
