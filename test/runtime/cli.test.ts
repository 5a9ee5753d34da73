import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as runCliProcess } from '../support/cli.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-cli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const runCli = (env: Record<string, string>, input: string) => runCliProcess({ DATA_DIR: dataDir, ...env }, input);

describe('command line', () => {
  it('with piped input and CONSOLE=1, reads every line, logs one batch, and exits cleanly at the end', async () => {
    const { code, stderr } = await runCli({ CONSOLE: '1', DEBOUNCE_MS: '200' }, 'hello\nhow are you\nbye\n');
    expect(code).toBe(0);
    const logs = stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; texts?: string[] });
    const batches = logs.filter((l) => l.texts);
    expect(batches.map((b) => b.texts)).toEqual([['hello', 'how are you', 'bye']]);
    expect(logs.at(-1)?.msg).toBe('stopped');
    expect(fs.existsSync(path.join(dataDir, 'nekomata.db'))).toBe(true);
  });

  it('answers commands in the console as a user expects', async () => {
    const input = ['/help', '/echo 你好 世界', '/plugins.list', '/ehco hi', '/help weather', '/reset', '/plugins.list extra'].join('\n') + '\n';
    const { code, stdout } = await runCli({ CONSOLE: '1', SUPER_USERS: 'console:local', LOG_LEVEL: 'warn' }, input);
    expect(code).toBe(0);
    const replies = stdout.split('bot> ').slice(1).map((r) => r.trim());
    expect(replies[0]).toContain('Commands you can use (prefix /):');
    expect(replies[0]).toContain('/echo - Say the text back');
    expect(replies[1]).toBe('你好 世界');
    expect(replies[2]).toBe('● nekomata.chat_policy 1.0.0 (enabled)\n● nekomata.built_in 1.0.0 (enabled)');
    expect(replies[3]).toBe('Unknown command: ehco\nDid you mean: echo?');
    expect(replies[4]).toBe('No command named weather');
    expect(replies[5]).toMatch(/^Reset console-private_local \(\d+ messages archived\)$/);
    // A word no argument takes is refused, never silently dropped.
    expect(replies[6]).toBe('Invalid argument: Too many arguments: "extra" (positional arguments: none)\nUsage: plugins.list');
    expect(replies).toHaveLength(7);
  });

  it('tells a user without the permission, and a wrong argument names the argument', async () => {
    const { stdout } = await runCli({ CONSOLE: '1', LOG_LEVEL: 'warn', CONSOLE_USER_LEVEL: 'user' }, '/plugins.list\n/commands.permission echo nobody\n');
    const replies = stdout.split('bot> ').slice(1).map((r) => r.trim());
    expect(replies[0]).toBe('Permission denied: plugins.list needs super user');
    expect(replies[1]).toBe('Permission denied: commands.permission needs super user');
    // The person at the terminal is a super user by default.
    const asAdmin = await runCli({ CONSOLE: '1', LOG_LEVEL: 'warn' }, '/commands.permission echo nobody\n');
    expect(asAdmin.stdout.trim()).toBe(
      'bot> Invalid argument: Argument level must be one of [public, user, advanced, super_user, default], got "nobody"\n' +
        'Usage: commands.permission <command> <level> [scope]',
    );
  });

  it('stops at start-up on a bad setting, naming the variable and the value', async () => {
    const { code, stderr } = await runCli({ CONSOLE: '1', DEBOUNCE_MS: 'soon', CHAT_PRIVATE: 'maybe' }, '');
    expect(code).toBe(2);
    expect(stderr).toContain('DEBOUNCE_MS');
    expect(stderr).toContain('"soon"');
    expect(stderr).toContain('CHAT_PRIVATE');
  });

  it('exits when no adapter is enabled instead of idling forever', async () => {
    const { code, stderr } = await runCli({ CONSOLE: '0' }, '');
    expect(code).toBe(0);
    expect(stderr).toContain('no adapter is enabled');
  });
});
