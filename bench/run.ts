/**
 * Runs the benchmarks one after another: all of them, or those named on the command line
 * (`npm run bench -- pipeline`). Exits with 1 when a benchmark's own checks fail or it throws.
 */
type Benchmark = { run(): Promise<boolean> };

const benchmarks: Record<string, () => Promise<Benchmark>> = {
  pipeline: () => import('./pipeline.js'),
  commands: () => import('./commands.js'),
  'chat-command': () => import('./chat-command.js'),
  buffer: () => import('./buffer.js'),
  'buffer-rounds': () => import('./buffer-rounds.js'),
  onebot: () => import('./onebot.js'),
  discord: () => import('./discord.js'),
  'redis-cost': () => import('./redis-cost.js'),
  'buffer-instructions': () => import('./buffer-instructions.js'),
  admin: () => import('./admin.js'),
  isolation: () => import('./isolation.js'),
};

const requested = process.argv.slice(2).filter((a) => a !== '--');
const unknown = requested.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}

let failed = false;
for (const name of requested.length > 0 ? requested : Object.keys(benchmarks)) {
  try {
    const ok = await (await benchmarks[name]!()).run();
    if (!ok) {
      console.error(`${name}: check failed`);
      failed = true;
    }
  } catch (err) {
    console.error(`${name}: threw`, err);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
