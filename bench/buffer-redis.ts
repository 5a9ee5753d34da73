/**
 * What a buffer run costs Redis: per-command counts and time (INFO commandstats, Lua-internal commands
 * included), Redis CPU (INFO cpu), and with BENCH_BUFFER_SLOWLOG=1 the time of each top-level call by Lua
 * script (SLOWLOG with a 0 µs threshold: commandstats lumps every EVALSHA together, and a script's usec
 * includes the commands it ran, so this is the only way to see which script Redis spends its time in).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';

export interface CommandStat {
  name: string;
  calls: number;
  usec: number;
}

export interface RedisCost {
  calls: number;
  commands: CommandStat[];
  /** used_cpu_sys + used_cpu_user delta, µs. */
  cpuUs: number;
  /** Top-level calls by command or script name (SLOWLOG), when asked for. */
  scripts?: CommandStat[];
}

async function readCommandStats(admin: Redis): Promise<CommandStat[]> {
  const text = await admin.info('commandstats');
  const stats: CommandStat[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (m) stats.push({ name: m[1]!, calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats.sort((a, b) => b.calls - a.calls);
}

async function readRedisCpuUs(admin: Redis): Promise<number> {
  const text = await admin.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return (field('used_cpu_sys') + field('used_cpu_user')) * 1e6;
}

const SLOWLOG_LEN = 1_000_000;

/** Script name by SHA1 of its source: BullMQ's shipped scripts plus the ones given (the driver's own). */
async function scriptNames(own: Record<string, string>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const sha = (lua: string): string => createHash('sha1').update(lua).digest('hex');
  for (const [name, lua] of Object.entries(own)) names.set(sha(lua), name);
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('bullmq')), 'scripts');
  for (const file of fs.readdirSync(dir).filter((f) => /-\d+\.js$/.test(f))) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as Record<string, { name: string; content: string }>;
    for (const script of Object.values(mod)) names.set(sha(script.content), `bullmq ${script.name}`);
  }
  return names;
}

/**
 * A script not in `names` (a library's: rate-limiter-flexible's, say, or another part of the app's) by its SHA1
 * and its first key with the last part left out (`cost:history-writes:*`), so that its owner can be told.
 */
function unknownScript(sha: string, firstKey: string | undefined): string {
  return firstKey === undefined ? `script ${sha.slice(0, 8)}` : `script ${sha.slice(0, 8)} on ${firstKey.replace(/:[^:]*$/, ':*')}`;
}

/** SLOWLOG entries (id, time, µs, [command, ...args]) summed by command, EVALSHA by script name. */
function byScript(entries: unknown[], names: Map<string, string>): CommandStat[] {
  const sums = new Map<string, CommandStat>();
  for (const entry of entries as [number, number, number, string[]][]) {
    const [cmd, arg] = entry[3];
    let name = cmd!.toLowerCase();
    if (name === 'evalsha') name = names.get(arg!) ?? unknownScript(arg!, entry[3][3]);
    const s = sums.get(name) ?? { name, calls: 0, usec: 0 };
    s.calls++;
    s.usec += entry[2];
    sums.set(name, s);
  }
  return [...sums.values()].sort((a, b) => b.usec - a.usec);
}

/**
 * Starts counting: CONFIG RESETSTAT and the Redis CPU so far (and SLOWLOG when `scripts` is given: every
 * call is logged, which itself costs Redis a little). `stop()` reads what happened since.
 */
export async function startRedisAccounting(admin: Redis, scripts?: Record<string, string>): Promise<{ stop(): Promise<RedisCost> }> {
  const names = scripts ? await scriptNames(scripts) : undefined;
  if (names) {
    await admin.config('SET', 'slowlog-max-len', String(SLOWLOG_LEN));
    await admin.slowlog('RESET');
    await admin.config('SET', 'slowlog-log-slower-than', '0');
  }
  await admin.config('RESETSTAT');
  const cpu0 = await readRedisCpuUs(admin);
  return {
    async stop() {
      const cpu1 = await readRedisCpuUs(admin);
      let byName: CommandStat[] | undefined;
      if (names) {
        await admin.config('SET', 'slowlog-log-slower-than', '10000');
        const entries = (await admin.slowlog('GET', SLOWLOG_LEN)) as unknown[];
        await admin.slowlog('RESET');
        byName = byScript(entries, names).filter((c) => c.name !== 'info' && c.name !== 'config' && c.name !== 'slowlog');
      }
      // The INFO, CONFIG and SLOWLOG calls of the accounting itself are not the driver's.
      const commands = (await readCommandStats(admin)).filter((c) => c.name !== 'info' && !c.name.startsWith('config|') && !c.name.startsWith('slowlog|'));
      return { calls: commands.reduce((sum, c) => sum + c.calls, 0), commands, cpuUs: cpu1 - cpu0, scripts: byName };
    },
  };
}
