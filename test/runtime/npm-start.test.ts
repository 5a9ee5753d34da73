import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  logs: { msg: string; texts?: string[] }[];
  botPid: number;
  botAliveAfterExit: boolean;
}

/**
 * Runs `npm start` as Docker, systemd or pm2 would, with stdin held open (so only a signal can stop the bot).
 * Once started, it types a message the buffer holds for a minute and a command; when the command's answer
 * shows, it sends SIGTERM to `target`: the npm process itself (what Docker signals as PID 1) or the bot.
 */
function npmStartThenTerm(target: 'npm' | 'bot'): Promise<Run> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-npm-start-'));
  dirs.push(dataDir);
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), CONSOLE: '1', LOG_FORMAT: 'json', DATA_DIR: dataDir, DEBOUNCE_MS: '60000', MAX_WAIT_MS: '60000', PLUGIN_DIRS: 'plugins/examples/hooks' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  let botPid = 0;
  let signalled = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    const started = /started \(pid (\d+)/.exec(stderr);
    if (started && !botPid) {
      botPid = Number(started[1]);
      child.stdin.write('hello\n/echo ready\n');
    }
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!signalled && stdout.includes('bot> ready')) {
      signalled = true;
      process.kill(target === 'npm' ? child.pid! : botPid, 'SIGTERM');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      let botAliveAfterExit = false;
      try {
        process.kill(botPid, 0);
        botAliveAfterExit = true;
        process.kill(botPid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
      const logs = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Run['logs'][number]);
      resolve({ code, signal, stdout, logs, botPid, botAliveAfterExit });
    });
  });
}

describe('npm start under a process manager', () => {
  it('kill -TERM on the bot npm started: it drains the buffered message, says so and exits 0', async () => {
    const run = await npmStartThenTerm('bot');
    const messages = run.logs.map((l) => l.msg);
    expect(messages).toContain('stopping: received SIGTERM');
    // The message still waiting in the buffer is handled before the bot stops, not lost.
    expect(run.logs.find((l) => l.texts)?.texts).toEqual(['hello']);
    expect(messages.at(-1)).toBe('stopped');
    expect(run.code).toBe(0);
    expect(run.botAliveAfterExit).toBe(false);
  }, 60_000);

  it('SIGTERM to npm itself (Docker signals PID 1) reaches the bot, which stops gracefully before npm exits', async () => {
    const run = await npmStartThenTerm('npm');
    const messages = run.logs.map((l) => l.msg);
    expect(messages).toContain('stopping: received SIGTERM');
    expect(run.logs.find((l) => l.texts)?.texts).toEqual(['hello']);
    expect(messages.at(-1)).toBe('stopped');
    expect(run.botAliveAfterExit).toBe(false);
  }, 60_000);

  it('prints a start-up summary: adapters and their state, buffer, store, agent, HTTP, plugins and why one is disabled', async () => {
    const run = await npmStartThenTerm('bot');
    const summary = run.logs.find((l) => l.msg.startsWith('nekomata '))!.msg;
    expect(summary).toMatch(new RegExp(`^nekomata \\d+\\.\\d+\\.\\d+\\S* started \\(pid ${run.botPid}, role all\\)`));
    expect(summary).toContain('adapters: console (open)');
    expect(summary).toContain('buffer:   in-process, debounce 60000 ms');
    expect(summary).toMatch(/store: {4}SQLite at .*nekomata\.db/);
    expect(summary).toContain('agent:    off (set LLM_MODEL');
    expect(summary).toContain('http:     off (set HTTP_PORT');
    expect(summary).toContain('plugins:  2 enabled (nekomata.chat_policy, nekomata.built_in), 1 disabled, 0 failed');
    expect(summary).toMatch(/disabled:\n {4}\S+: third-party plugins start disabled; enable it with PLUGINS_ENABLED=/);
  }, 60_000);
});
