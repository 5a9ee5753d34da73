import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-cli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Runs `npm start`'s entry point as a user would, with `input` piped to stdin. */
function runCli(env: Record<string, string>, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'core/runtime/cli.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_FORMAT: 'json', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

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
