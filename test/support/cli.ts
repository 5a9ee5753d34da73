import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs `npm start`'s entry point as a user would, with `input` piped to stdin and JSON logs on stderr. */
export function runCli(env: Record<string, string>, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
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

/** A running `npm start`, for tests that signal it: its output so far, and its exit. */
export interface RunningCli {
  child: ChildProcess;
  stderr(): string;
  /** Resolves once stderr holds `text`. */
  waitFor(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `npm start`'s entry point with stdin closed and JSON logs on stderr; the test ends it (e.g. `child.kill('SIGINT')`). */
export function startCli(env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters) w();
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!stderr.includes(text)) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      void exited.then(() => reject(new Error(`the CLI exited before logging "${text}":\n${stderr}`)));
      check();
    });
  return { child, stderr: () => stderr, waitFor, exited };
}
