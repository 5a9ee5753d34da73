import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors/index.js';
import { loadConfig } from '../../core/runtime/config.js';

describe('agent settings', () => {
  it('turns the agent on with LLM_MODEL, with OpenAI as the default API and fallbacks after the main model', () => {
    expect(loadConfig({}).llm).toBeUndefined();
    expect(loadConfig({ LLM_MODEL: 'gpt-4o-mini', LLM_FALLBACK_MODELS: 'a, b' }).llm).toEqual({
      baseUrl: 'https://api.openai.com/v1', apiKey: '', models: ['gpt-4o-mini', 'a', 'b'], timeoutMs: 60_000, maxRetries: 2,
    });
    const local = loadConfig({ LLM_MODEL: 'qwen2.5:7b', LLM_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_TIMEOUT_MS: '120000', LLM_MAX_RETRIES: '0' });
    expect(local.llm).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', timeoutMs: 120_000, maxRetries: 0 });
  });

  it('refuses LLM settings without a model, naming LLM_MODEL', () => {
    const error = (() => {
      try {
        loadConfig({ LLM_BASE_URL: 'https://api.deepseek.com/v1', LLM_API_KEY: 'sk-x' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('LLM_MODEL');
  });

  it.each([
    ['LLM_BASE_URL', 'api.openai.com'],
    ['AGENT_REPLY_FORMAT', 'json'],
    ['AGENT_MAX_STEPS', '0'],
    ['AGENT_MAX_STEPS', '51'],
    ['AGENT_TOOL_TIMEOUT_MS', '-1'],
    ['LLM_MAX_RETRIES', 'many'],
    ['AGENT_ALLOW_ABSOLUTE_PATHS', 'yes'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ LLM_MODEL: 'm', [name]: value })).toThrow(new RegExp(`${name}: `));
  });

  it('reads the agent behaviour settings', () => {
    const { agent } = loadConfig({ AGENT_PERSONA: 'You are Neko.', AGENT_REPLY_FORMAT: 'text', AGENT_MAX_STEPS: '3', AGENT_HISTORY_TOKENS: '100', AGENT_ALLOW_ABSOLUTE_PATHS: '1' });
    expect(agent).toMatchObject({ persona: 'You are Neko.', replyFormat: 'text', maxSteps: 3, historyTokens: 100, allowAbsolutePaths: true });
  });
});
