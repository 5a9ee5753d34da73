/**
 * Command benchmark: parse + dispatch of a command with four arguments, through the real app (silent
 * logger, in-memory SQLite store, no adapters, built-in plugins loaded) and a plugin whose `weather` command
 * declares `city` (str, positional, default), `days` (int, 1..7), `unit` (str, choices c/f) and `verbose` (bool).
 *
 * Three loops of BENCH_COMMANDS calls each (default 200,000), one after the other in the same process:
 * - nekomata: `for await (const r of app.commands.execute({ name: 'weather', raw, caller }))`, i.e. resolve →
 *   enabled → permission → parse → handler (under the call time limit) → response, as the admin API, tools
 *   and native commands run a command;
 * - parse: `parseArgs(specs, raw)` alone;
 * - bare handler: `await weather(ctx, args)` with the arguments already built.
 *
 * Every response must be exactly one `success` with the expected data, and every parse must give the expected
 * arguments; anything else fails the benchmark. Settings: BENCH_COMMANDS (200,000), BENCH_COMMANDS_WARMUP
 * (calls of each loop run untimed first: 20,000; 0 for none), BENCH_LOG_LEVEL (silent; logs go to stderr).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { pino } from 'pino';
import { Arg, CmdCtl, CommandPermission, parseArgs, type CommandCaller, type CommandContext, type CommandResponse, type InferArgs } from '../core/command/index.js';
import { Plugin } from '../core/plugin/index.js';
import { createApp, loadConfig, type App } from '../core/runtime/index.js';
import { openSqliteStore } from '../core/store/index.js';
import { collectGarbage } from './pipeline.js';
import { envInt, fixed, int, table } from './stats.js';

const RAW = '上海 days:5 unit:f verbose:yes';

const specs = {
  city: Arg.str('城市名', { default: '北京', positional: true }),
  days: Arg.int('天数', { range: [1, 7], default: 3 }),
  unit: Arg.str('温度单位', { choices: ['c', 'f'], default: 'c' }),
  verbose: Arg.bool('详细输出', { default: false }),
};
type WeatherArgs = InferArgs<typeof specs>;

const EXPECTED_ARGS: WeatherArgs = { city: '上海', days: 5, unit: 'f', verbose: true };
const EXPECTED_MESSAGE = '上海: 5 days, °F, verbose';

/** The command's handler, shared by the app and the bare loop. */
const weather = async (_ctx: CommandContext, { city, days, unit, verbose }: WeatherArgs): Promise<CommandResponse> =>
  CmdCtl.success(`${city}: ${days} days, °${unit.toUpperCase()}${verbose ? ', verbose' : ''}`, { city, days, unit, verbose });

const caller: CommandCaller = {
  userId: 'u1',
  userName: 'bench',
  chatKey: 'bench-private_u1',
  adapter: 'bench',
  level: CommandPermission.USER,
  lang: 'en_US',
  source: 'admin',
};

export interface LoopResult {
  name: string;
  calls: number;
  ms: number;
  /** Process CPU time (user + system) of the loop, per call. */
  cpuUsPerCall: number;
  check: { ok: boolean; detail: string };
}

const rate = (r: LoopResult): number => r.calls / (r.ms / 1000);

async function timed(name: string, calls: number, loop: (n: number) => Promise<string | undefined>): Promise<LoopResult> {
  collectGarbage();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const problem = await loop(calls);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    name, calls, ms, cpuUsPerCall: (used.user + used.system) / calls,
    check: problem === undefined ? { ok: true, detail: `${int(calls)} calls as expected` } : { ok: false, detail: problem },
  };
}

/** What is wrong with one command run's responses, or undefined when it is the one expected success. */
function responseProblem(statuses: string[], message: unknown, data: unknown): string | undefined {
  if (statuses.length !== 1 || statuses[0] !== 'success') return `responses [${statuses.join(', ')}] (expected [success]): ${String(message)}`;
  if (message !== EXPECTED_MESSAGE || !isDeepStrictEqual(data, EXPECTED_ARGS)) return `unexpected response ${JSON.stringify({ message, data })}`;
  return undefined;
}

/** (a) The full path through the app's command service. */
function nekomataLoop(app: App) {
  return async (n: number): Promise<string | undefined> => {
    let failures = 0;
    let first: string | undefined;
    for (let i = 0; i < n; i++) {
      let count = 0;
      let ok = false;
      let last: CommandResponse | undefined;
      for await (const r of app.commands.execute({ name: 'weather', raw: RAW, caller })) {
        count++;
        ok = r.status === 'success';
        last = r;
      }
      if (count !== 1 || !ok) {
        failures++;
        first ??= `call ${i}: ${count} responses, last ${last ? `${last.status}: ${String(last.message)}` : 'none'}`;
      }
    }
    if (failures > 0) return `${failures} of ${n} calls not a single success; first: ${first}`;
    // The content of one run, checked in full outside the loop.
    const statuses: string[] = [];
    let message: unknown;
    let data: unknown;
    for await (const r of app.commands.execute({ name: 'weather', raw: RAW, caller })) {
      statuses.push(r.status);
      message = r.message;
      data = r.data;
    }
    return responseProblem(statuses, message, data);
  };
}

/** (b) Argument parsing alone. */
async function parseLoop(n: number): Promise<string | undefined> {
  let args: WeatherArgs | undefined;
  let days = 0;
  try {
    for (let i = 0; i < n; i++) {
      args = parseArgs(specs, RAW);
      days += args.days;
    }
  } catch (err) {
    return `parse threw: ${String(err)}`;
  }
  if (days !== 5 * n || !isDeepStrictEqual(args, EXPECTED_ARGS)) return `parse gave ${JSON.stringify(args)}`;
  return undefined;
}

/** (c) The same handler, called and awaited with arguments already built. */
function bareLoop(ctx: CommandContext) {
  return async (n: number): Promise<string | undefined> => {
    const args: WeatherArgs = { ...EXPECTED_ARGS };
    let successes = 0;
    let last: CommandResponse | undefined;
    for (let i = 0; i < n; i++) {
      last = await weather(ctx, args);
      if (last.status === 'success') successes++;
    }
    if (successes !== n || !last) return `${n - successes} of ${n} bare calls not a success`;
    return responseProblem([last.status], last.message, last.data);
  };
}

/** The context the executor builds for `caller`, once: the bare handler ignores it, as `weather` does. */
function contextFor(app: App): CommandContext {
  return {
    ...caller,
    isSuperUser: false,
    isAdvancedUser: false,
    send: async () => ({}),
    log: app.log.child({ chatKey: caller.chatKey, userId: caller.userId }),
  };
}

export function printResults(results: readonly LoopResult[], bare: LoopResult): void {
  const rows = [['', 'calls/s', 'µs/call', 'cpu µs/call', 'calls', 'ms', 'vs bare', 'check']];
  for (const r of results) {
    rows.push([
      r.name, int(rate(r)), fixed((r.ms * 1000) / r.calls, 3), fixed(r.cpuUsPerCall, 3), int(r.calls), fixed(r.ms, 0),
      `${fixed(rate(r) / rate(bare), 3)}×`, r.check.ok ? 'ok' : 'FAIL',
    ]);
  }
  console.log('');
  console.log(table(rows));
  console.log('');
  console.log('nekomata: app.commands.execute({ name, raw, caller }) consumed with for await (resolve → enabled → permission → parse → handler → response).');
  console.log('parse: parseArgs(specs, raw); bare handler: await handler(ctx, args) with the args already built. µs/call: wall time / calls.');
  for (const r of results) console.log(`check ${r.name}: ${r.check.ok ? 'ok' : 'FAILED'}: ${r.check.detail}`);
}

export async function run(): Promise<boolean> {
  const calls = envInt('BENCH_COMMANDS', 200_000);
  const warmup = envInt('BENCH_COMMANDS_WARMUP', 20_000, 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-commands-'));
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
  const plugin = new Plugin({
    name: 'Bench weather', moduleName: 'bench_weather', description: 'A command for the command benchmark', version: '1.0.0',
    author: 'bench', url: 'https://example.invalid/bench',
  });
  plugin.mountCommand({ name: 'weather', description: '查询天气', args: specs }, weather);
  // Flood limits off: the load comes from a few synthetic users at rates the limits exist to refuse.
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', PLUGINS_ENABLED: plugin.key, FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0' });
  const app = createApp(config, { log, store: openSqliteStore({ path: ':memory:', log }), plugins: [plugin] });
  try {
    await app.start();
    if (!plugin.isEnabled) throw new Error(`plugin ${plugin.key} did not start enabled`);
    const loops: [string, (n: number) => Promise<string | undefined>][] = [
      ['nekomata (parse+dispatch)', nekomataLoop(app)],
      ['parse only', parseLoop],
      ['bare handler', bareLoop(contextFor(app))],
    ];
    console.log(
      `commands: ${int(calls)} calls of /weather "${RAW}" (4 arguments: str positional, int range, str choices, bool) per loop; ` +
        `${int(warmup)} warm-up calls of each loop first (not timed)`,
    );
    if (warmup > 0) {
      // JIT warm-up of every path, so that no loop pays for compilation.
      for (const [name, loop] of loops) {
        const problem = await loop(warmup);
        if (problem !== undefined) throw new Error(`warm-up of ${name}: ${problem}`);
      }
    }
    const results: LoopResult[] = [];
    for (const [name, loop] of loops) results.push(await timed(name, calls, loop));
    const [nekomata, parse, bare] = results as [LoopResult, LoopResult, LoopResult];
    printResults(results, bare);
    const errors = app.metrics.total('command_errors_total');
    const counted = app.metrics.total('commands_total');
    // Warm-up calls, measured calls, and one checked run after each nekomata loop.
    const expectedCount = (warmup > 0 ? warmup + 1 : 0) + calls + 1;
    let ok = results.every((r) => r.check.ok);
    if (errors > 0 || counted !== expectedCount) {
      console.log(`check metrics: FAILED: ${counted} commands counted (expected ${expectedCount}), ${errors} command errors`);
      ok = false;
    }
    console.log(
      `commands: ${Math.round(rate(nekomata))} commands/s (parse+dispatch), parse ${Math.round(rate(parse))}/s, ` +
        `bare handler ${Math.round(rate(bare))}/s, ratio ${fixed(rate(nekomata) / rate(bare), 3)} of bare handler`,
    );
    return ok;
  } finally {
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
