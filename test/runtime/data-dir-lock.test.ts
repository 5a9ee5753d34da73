import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE } from '../../core/runtime/data-dir-lock.js';

const root = path.resolve(import.meta.dirname, '../..');
const running: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Bot {
  child: ChildProcess;
  /** Resolves the bot's pid once it logged its start-up summary; rejects if it exits first. */
  started: Promise<number>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

/** `nekomata start` on the console with stdin held open, so that it runs until signalled. */
function startBot(dataDir: string): Bot {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', CONSOLE: '1', LOG_FORMAT: 'json', DATA_DIR: dataDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.push(child);
  let stderr = '';
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  const started = new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /started \(pid (\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`the bot exited before starting:\n${stderr}`)));
  });
  return { child, started, exited };
}

describe('one process per DATA_DIR', { timeout: 60_000 }, () => {
  it('refuses a second process on the same DATA_DIR, naming the directory and the holder pid; a dead holder is taken over', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-lock-'));
    dirs.push(dataDir);
    const first = startBot(dataDir);
    const holder = await first.started;
    expect(fs.readFileSync(path.join(dataDir, DATA_DIR_LOCK_FILE), 'utf8').trim()).toBe(String(holder));

    const second = startBot(dataDir);
    second.started.catch(() => undefined);
    const refused = await second.exited;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`DATA_DIR ${dataDir} is in use by process ${holder}`);

    // Killed without its shutdown, the first leaves its lock behind: the next process takes it over.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(fs.existsSync(path.join(dataDir, DATA_DIR_LOCK_FILE))).toBe(true);
    const third = startBot(dataDir);
    const pid = await third.started;
    expect(fs.readFileSync(path.join(dataDir, DATA_DIR_LOCK_FILE), 'utf8').trim()).toBe(String(pid));
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
    // A clean stop releases it.
    expect(fs.existsSync(path.join(dataDir, DATA_DIR_LOCK_FILE))).toBe(false);
  });
});
