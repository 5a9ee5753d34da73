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

export default defineConfig({
  plugins: [standardDecorators],
  test: {
    include: ['test/**/*.test.ts'],
    // Without a redis-server (or chromium) those suites are left out (the global setup says so), or the run fails if they are required.
    exclude: [...configDefaults.exclude, ...excludedRedisSuites(), ...excludedBrowserSuites()],
    // One private redis-server for the whole run; tests isolate themselves by key prefix (test/support/redis.ts).
    globalSetup: ['test/setup/redis.ts', 'test/setup/browser.ts'],
    // Contract suites run real timers, real SQLite and a real Redis: give them room on a 2-core machine.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two files at a time even on 2 cores (vitest's default there is one): half of a file's time is starting its
    // fork and importing the app, which overlaps with the other file's tests. Measured on 2 cores: 8 min 22 s
    // one at a time, 5 min 50 s two at a time, every test passing in both.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
  },
});
