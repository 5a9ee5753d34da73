import os from 'node:os';
import { transform } from 'esbuild';
import { configDefaults, defineConfig, type Plugin } from 'vitest/config';
import { excludedBrowserSuites } from './test/setup/browser-suites.js';
import { excludedRedisSuites } from './test/setup/redis-suites.js';

/**
 * Vite's own transformer (oxc) lowers only legacy decorators, and Node 20 cannot run standard ones, so the
 * few test files using `@on.*` / `@register.*` go through esbuild first, as `npm start` (tsx) does.
 */
const standardDecorators: Plugin = {
  name: 'nekomata:standard-decorators',
  enforce: 'pre',
  async transform(code, id) {
    if (!/\.[mc]?ts$/.test(id) || !/^\s*@[A-Za-z_$][\w$.]*\s*\(/m.test(code)) return undefined;
    const out = await transform(code, { loader: 'ts', format: 'esm', target: 'es2022', sourcemap: true, sourcefile: id });
    return { code: out.code, map: out.map };
  },
};

/**
 * Files that kill and restart processes (Redis, workers, plugin processes) and wait for recovery: they run one at
 * a time, after the rest, so that a second file's load does not stretch their recovery past their waits (a Redis
 * restart in the cluster test missed its wait once when run beside another file).
 */
const ALONE = ['test/scale/**/*.test.ts', 'test/plugin-process/faults.test.ts', 'test/buffer/bullmq-spool.test.ts', 'test/runtime/process-guards.test.ts'];

// Without a redis-server (or chromium) those suites are left out (the global setup says so), or the run fails if they are required.
const exclude = [...configDefaults.exclude, ...excludedRedisSuites(), ...excludedBrowserSuites()];

export default defineConfig({
  plugins: [standardDecorators],
  test: {
    exclude,
    // One private redis-server for the whole run; tests isolate themselves by key prefix (test/support/redis.ts).
    globalSetup: ['test/setup/redis.ts', 'test/setup/browser.ts'],
    // Contract suites run real timers, real SQLite and a real Redis: give them room on a 2-core machine.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        // Two files at a time even on 2 cores (vitest's default there is one): half of a file's time is starting
        // its fork and importing the app, which overlaps with the other file's tests. Measured on 2 cores: the
        // whole suite one file at a time 8 min 22 s, two at a time 5 min 50 s. Not isolated: a worker's files share
        // its module cache instead of each importing the app afresh (267 s -> 134 s for this project on 2 cores);
        // a file that mocks modules or changes process.env belongs in ALONE, which stays isolated.
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: [...exclude, ...ALONE], maxWorkers: Math.max(2, os.availableParallelism() - 1), isolate: false, sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
