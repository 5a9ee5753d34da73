import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../peers/openai/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-agent-cli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function runCli(env: Record<string, string>, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'core/runtime/cli.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env },
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

describe('agent end to end through the console', () => {
  it('a user line in, a tool call in between, a reply out', async () => {
    const fake = await startFakeOpenAI();
    try {
      fake.respond((body) => {
        const tool = body.messages.find((m) => m.role === 'tool');
        if (!tool) return { toolCalls: [{ name: 'word_count', arguments: { text: 'three little words' } }] };
        return { text: `<msg><text>That is ${String(tool.content)} words.</text></msg>` };
      });
      const plugin = 'nekomata.example_sandbox_methods';
      const { code, stdout, stderr } = await runCli(
        {
          CONSOLE: '1', DEBOUNCE_MS: '50', LLM_BASE_URL: fake.url, LLM_MODEL: 'console-model', LLM_MAX_RETRIES: '0',
          PLUGIN_DIRS: 'plugins/examples/sandbox-methods', PLUGINS_ENABLED: plugin,
        },
        'how many words in "three little words"?\n',
      );
      expect(stderr).not.toMatch(/"level":(50|60)/);
      expect(code).toBe(0);
      expect(stdout.split('bot> ').slice(1).map((r) => r.trim())).toEqual(['That is 3 words.']);
      expect(fake.requests).toHaveLength(2);
      expect(JSON.stringify(fake.requests[0]!.messages)).toContain('how many words in \\"three little words\\"?');
    } finally {
      await fake.close();
    }
  });
});
