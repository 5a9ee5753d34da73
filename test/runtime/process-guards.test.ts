import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../support/messages.js';

const root = path.resolve(import.meta.dirname, '../..');
const core = path.join(root, 'core/index.ts');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-guards-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A plugin folder whose init starts `body`'s careless work outside anything the app awaits. */
function pluginDir(name: string, body: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(
    path.join(dir, name, 'index.ts'),
    `import { Plugin } from ${JSON.stringify(core)};
const plugin = new Plugin({ name: '${name}', moduleName: '${name}', description: 'careless', version: '1.0.0', author: 'tester', url: '' });
async function failLater(): Promise<void> { await null; throw new Error('unawaited rejection in a plugin'); }
plugin.mountInitMethod(() => { ${body} });
export default plugin;
`,
  );
  return dir;
}

/** `npm start`'s entry point with stdin kept open until `end()`. */
function startCli(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', CONSOLE: '1', DATA_DIR: fs.mkdtempSync(path.join(tmp, 'data-')), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const logs = () => out.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, out, exited, logs };
}

describe('process-level errors', () => {
  it('attributes a plugin\'s uncaught throw and unawaited rejection to it, and the bot keeps answering', async () => {
    const dir = pluginDir('careless', "setTimeout(() => { throw new Error('a plain timer of a plugin threw'); }, 20); setTimeout(() => void failLater(), 40);");
    const cli = startCli({ PLUGIN_DIRS: dir });
    try {
      await until(() => cli.logs().filter((l) => l.plugin === 'tester.careless' && typeof l.stage === 'string').length >= 2, 'both plugin errors to be logged', 15_000);
      const errors = cli.logs().filter((l) => l.plugin === 'tester.careless' && typeof l.stage === 'string');
      expect(errors.map((l) => [l.level, l.stage])).toEqual([[50, 'uncaught exception'], [50, 'unhandled rejection']]);
      cli.child.stdin.end('/echo still here\n');
      expect(await cli.exited).toBe(0);
      expect(cli.out.stdout).toContain('still here');
      expect(cli.logs().some((l) => l.level === 60)).toBe(false);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('stops gracefully and exits 1 on an error no plugin owns', async () => {
    // JSON.parse called straight by the timer: no frame of the plugin is on the stack.
    const dir = pluginDir('untraceable', "setTimeout(JSON.parse, 20, '{not json');");
    const cli = startCli({ PLUGIN_DIRS: dir });
    try {
      expect(await cli.exited).toBe(1);
      const logs = cli.logs();
      const fatal = logs.find((l) => l.level === 60);
      expect(fatal?.msg).toMatch(/uncaught exception outside any plugin/);
      expect(logs.at(-1)?.msg).toBe('stopped');
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
