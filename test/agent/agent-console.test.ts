import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../peers/openai/index.js';
import { runCli as runCliProcess } from '../support/cli.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-agent-cli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const runCli = (env: Record<string, string>, input: string) => runCliProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env }, input);

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
