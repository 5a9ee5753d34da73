import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTestFiles } from './requirements.js';
import { excludedRedisSuites, redisPlan, redisSuites } from './redis-suites.js';

const root = path.resolve(import.meta.dirname, '../..');
const redisHelpers = new Set(['test/support/redis.ts', 'test/support/redis-server.ts']);

/** The test's own file and every module under test/ it imports, directly or through other test modules. */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec!.replace(/\.js$/, '.ts')));
    if (target.startsWith('test/') && fs.existsSync(path.join(root, target))) reachable(target, seen);
  }
  return seen;
}

/** Reaches a Redis helper, or reads the run's Redis URL in code (not in a comment, as redis-suites.ts does). */
function needsRedis(file: string): boolean {
  const code = (f: string) => fs.readFileSync(path.join(root, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...reachable(file)].some((f) => redisHelpers.has(f) || /inject\(\s*['"]redisUrl['"]\s*\)/.test(code(f)));
}

describe('the Redis suites, left out when the machine has no redis-server', () => {
  it('are exactly the test files that start a redis-server or use the run’s', () => {
    const testFiles = allTestFiles(root);
    expect(testFiles.filter(needsRedis).sort()).toEqual([...redisSuites].sort());
  });

  it('are required by NEKOMATA_REQUIRE_REDIS=1 or a CI variable, which NEKOMATA_REQUIRE_REDIS=0 overrides', () => {
    expect(redisPlan({}).requiredBy).toBeUndefined();
    expect(redisPlan({ CI: 'false' }).requiredBy).toBeUndefined();
    expect(redisPlan({ CI: '' }).requiredBy).toBeUndefined();
    expect(redisPlan({ CI: 'true' }).requiredBy).toBe('CI=true');
    expect(redisPlan({ CI: '1' }).requiredBy).toBe('CI=1');
    expect(redisPlan({ NEKOMATA_REQUIRE_REDIS: '1' }).requiredBy).toBe('NEKOMATA_REQUIRE_REDIS=1');
    expect(redisPlan({ CI: 'true', NEKOMATA_REQUIRE_REDIS: '0' }).requiredBy).toBeUndefined();
    expect(() => redisPlan({ NEKOMATA_REQUIRE_REDIS: 'yes' })).toThrow(/NEKOMATA_REQUIRE_REDIS must be 1 .* or 0/);
  });

  it('are left out without redis-server, run with it, and fail the run when required and missing', () => {
    expect(excludedRedisSuites({ found: false, requiredBy: undefined, skip: true })).toEqual(redisSuites);
    expect(excludedRedisSuites({ found: true, requiredBy: 'CI=true', skip: false })).toEqual([]);
    expect(() => excludedRedisSuites({ found: false, requiredBy: 'CI=true', skip: false })).toThrow(
      'redis-server is not on PATH, and CI=true requires the Redis suites: install it (apt-get install -y redis-server)',
    );
  });
});
