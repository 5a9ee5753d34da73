import { expect, it } from 'vitest';
import { redisVersionProblem } from '../../core/redis/index.js';

const info = (version: string) => `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n`;

it('refuses a Redis older than 7.0, naming the version, the server (without its password) and REDIS_URL', () => {
  const problem = redisVersionProblem(info('6.2.14'), 'redis://:secret@10.0.0.5:6379');
  expect(problem).toBe('the Redis at redis://:***@10.0.0.5:6379 is version 6.2; Nekomata needs Redis 7.0 or later (SET … NX GET): upgrade it, or set REDIS_URL to another server');
  expect(problem).not.toContain('secret');
});

it('takes 7.0 and later, and a server that does not say its version', () => {
  for (const version of ['7.0.0', '7.0.15', '7.2.4', '8.0.2', '10.1.0']) expect(redisVersionProblem(info(version), 'redis://127.0.0.1:6379')).toBeUndefined();
  expect(redisVersionProblem('# Server\r\nredis_mode:standalone\r\n', 'redis://127.0.0.1:6379')).toBeUndefined();
});
