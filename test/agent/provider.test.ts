import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OpenAIProvider, ProviderError, type ChatTurn, type OpenAIProviderOptions, type ProviderCall, type ToolDefinition } from '../../core/agent/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../peers/openai/index.js';
import { testDeps } from '../support/logger.js';

let fake: FakeOpenAI;
let deps: ReturnType<typeof testDeps>;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  deps = testDeps();
});
afterEach(async () => {
  await fake.close();
});

function provider(over: Partial<OpenAIProviderOptions> = {}): OpenAIProvider {
  return new OpenAIProvider({ baseUrl: fake.url, apiKey: 'sk-test', models: ['main', 'backup'], timeoutMs: 2_000, maxRetries: 1, log: deps.log, metrics: deps.metrics, ...over });
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function call(over: Partial<ProviderCall> = {}): ProviderCall {
  return { system: 'You are Neko.', messages: [{ role: 'user', content: 'hi' }], tools: [], toolChoice: 'auto', ...over };
}

const weather: ToolDefinition = {
  name: 'alice.weather.now',
  description: 'Current weather',
  parameters: z.object({ city: z.string(), days: z.number().int().optional() }),
  execute: () => 'sunny',
};
const search: ToolDefinition = {
  name: 'search',
  description: 'Web search',
  parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  execute: () => 'nothing',
};

describe('OpenAIProvider request shape', () => {
  it('sends the system message, the history and the tools under wire-safe names', async () => {
    const history: ChatTurn[] = [
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', url: 'https://x.test/cat.png' }] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'alice.weather.now', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', content: 'sunny', toolCallId: 'c1' },
      { role: 'assistant', content: 'It is sunny.' },
      { role: 'user', content: 'and tomorrow?' },
    ];
    await provider().complete(call({ messages: history, tools: [weather, search], toolChoice: { name: 'alice.weather.now' } }));

    const [req] = fake.requests;
    expect(req!.model).toBe('main');
    expect(req!.messages).toEqual([
      { role: 'system', content: 'You are Neko.' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'https://x.test/cat.png' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'alice_weather_now', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      { role: 'assistant', content: 'It is sunny.' },
      { role: 'user', content: 'and tomorrow?' },
    ]);
    expect(req!.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'alice_weather_now',
          description: 'Current weather',
          parameters: expect.objectContaining({ type: 'object', properties: { city: { type: 'string' }, days: expect.objectContaining({ type: 'integer' }) }, required: ['city'] }),
        },
      },
      { type: 'function', function: { name: 'search', description: 'Web search', parameters: search.parameters } },
    ]);
    expect(req!.tool_choice).toEqual({ type: 'function', function: { name: 'alice_weather_now' } });
  });

  it('leaves out the system message when empty, and tools and tool_choice when there are no tools', async () => {
    await provider().complete(call({ system: '', toolChoice: 'required' }));
    const [req] = fake.requests;
    expect(req!.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(req).not.toHaveProperty('tools');
    expect(req).not.toHaveProperty('tool_choice');
  });

  it('passes the string tool choices through', async () => {
    for (const choice of ['auto', 'none', 'required'] as const) await provider().complete(call({ tools: [search], toolChoice: choice }));
    expect(fake.requests.map((r) => r.tool_choice)).toEqual(['auto', 'none', 'required']);
  });

  it('sends the API key as a bearer token', async () => {
    await provider({ apiKey: 'sk-secret-42' }).complete(call());
    expect(fake.requests[0]!.authorization).toBe('Bearer sk-secret-42');
  });

  it('works without a key (local servers), sending no Authorization header', async () => {
    await provider({ apiKey: '' }).complete(call());
    expect(fake.requests[0]!.authorization).toBeUndefined();
  });
});

describe('OpenAIProvider answers', () => {
  it('maps tool calls back to tool names; a name the model made up passes through', async () => {
    fake.script({ toolCalls: [{ name: 'alice_weather_now', arguments: { city: 'Oslo' }, id: 'call_a' }, { name: 'mystery_tool', arguments: '{}' }] });
    const res = await provider().complete(call({ tools: [weather, search] }));
    expect(res.toolCalls).toEqual([
      { id: 'call_a', name: 'alice.weather.now', arguments: '{"city":"Oslo"}' },
      { id: expect.any(String), name: 'mystery_tool', arguments: '{}' },
    ]);
    expect(res.finishReason).toBe('tool_calls');
    expect(res.text).toBe('');
  });

  it('returns the text, the answering model and the usage, and counts the tokens', async () => {
    fake.script({ text: 'meow', usage: { prompt: 120, completion: 7 }, finishReason: 'length' });
    const res = await provider().complete(call());
    expect(res).toEqual({ text: 'meow', toolCalls: [], usage: { promptTokens: 120, completionTokens: 7 }, model: 'main', finishReason: 'length' });
    expect(deps.metrics.get('llm_tokens_total', { model: 'main', kind: 'prompt' })).toBe(120);
    expect(deps.metrics.get('llm_tokens_total', { model: 'main', kind: 'completion' })).toBe(7);
    expect(deps.metrics.get('llm_requests_total', { model: 'main', outcome: 'ok' })).toBe(1);
  });

  it('answers without usage when the server sends none', async () => {
    fake.script({ text: 'meow', usage: null });
    const res = await provider().complete(call());
    expect(res.usage).toBeUndefined();
    expect(deps.metrics.total('llm_tokens_total')).toBe(0);
  });
});

describe('OpenAIProvider retries and fallback', () => {
  it('retries a 429 after its retry-after on the same model', async () => {
    fake.scriptFor('main', { status: 429, retryAfterSec: 0 }, { text: 'after the wait' });
    const res = await provider().complete(call());
    expect(res.text).toBe('after the wait');
    expect(res.model).toBe('main');
    expect(fake.requests.map((r) => r.model)).toEqual(['main', 'main']);
  });

  it('retries a 500 on the same model', async () => {
    fake.scriptFor('main', { status: 500, retryAfterSec: 0 }, { text: 'recovered' });
    const res = await provider().complete(call());
    expect(res.text).toBe('recovered');
    expect(fake.requests).toHaveLength(2);
  });

  it('falls back to the next model once the retries are spent', async () => {
    fake.scriptFor('main', { status: 503, retryAfterSec: 0 }, { status: 503, retryAfterSec: 0 });
    fake.scriptFor('backup', { text: 'from backup' });
    const res = await provider().complete(call());
    expect(res).toMatchObject({ text: 'from backup', model: 'backup' });
    expect(fake.requests.map((r) => r.model)).toEqual(['main', 'main', 'backup']);
    expect(deps.metrics.get('llm_requests_total', { model: 'main', outcome: 'http_error' })).toBe(1);
    expect(deps.metrics.get('llm_requests_total', { model: 'backup', outcome: 'ok' })).toBe(1);
    expect(deps.lines.some((l) => l.level === 40 && l.model === 'main' && l.next === 'backup')).toBe(true);
  });

  it('falls back at once on an error the client does not retry', async () => {
    fake.scriptFor('main', { status: 404, errorMessage: 'The model `main` does not exist' });
    const res = await provider().complete(call());
    expect(res.model).toBe('backup');
    expect(fake.requests.map((r) => r.model)).toEqual(['main', 'backup']);
  });

  it('falls back to the next model when a request times out', async () => {
    fake.scriptFor('main', { text: 'too late', delayMs: 3_000 });
    const res = await provider({ timeoutMs: 300, maxRetries: 0 }).complete(call());
    expect(res).toMatchObject({ text: 'ok', model: 'backup' });
    expect(deps.metrics.get('llm_requests_total', { model: 'main', outcome: 'timeout' })).toBe(1);
  });

  it('bounds the whole answer by timeoutMs: a body that stalls after the headers times out, and the next model answers', async () => {
    fake.scriptFor('main', { text: 'never whole', stallAfterBytes: 20 });
    const res = await provider({ timeoutMs: 500, maxRetries: 0 }).complete(call());
    expect(res).toMatchObject({ text: 'ok', model: 'backup' });
    expect(deps.metrics.get('llm_requests_total', { model: 'main', outcome: 'timeout' })).toBe(1);
    const line = deps.lines.find((l) => l.level === 40 && l.model === 'main')!;
    expect(line.cause).toBe('no complete answer within 500 ms (LLM_TIMEOUT_MS)');
  });

  it('rejects with ProviderError naming every model and why, when all fail', async () => {
    fake.scriptFor('main', { status: 401 });
    fake.scriptFor('backup', { status: 500, errorMessage: 'backend exploded' });
    const err = await provider({ maxRetries: 0 }).complete(call()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    const { attempts, code, message } = err as ProviderError;
    expect(code).toBe('LLM_PROVIDER_FAILED');
    expect(attempts).toEqual([
      { model: 'main', status: 401, code: 'invalid_api_key', type: 'invalid_request_error', message: 'HTTP 401 invalid_api_key (invalid_request_error): Incorrect API key provided.' },
      { model: 'backup', status: 500, code: 'server_error', type: 'server_error', message: 'HTTP 500 server_error: backend exploded' },
    ]);
    expect(message).toContain(`every model failed at ${fake.url}:`);
    expect(message).toContain('main');
    expect(message).toContain('backup');
  });

  it('reports a refused connection for every model', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await provider({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).complete(call()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).attempts).toEqual([
      { model: 'main', errno: 'ECONNREFUSED', message: `connection failed: connect ECONNREFUSED 127.0.0.1:${port}` },
      { model: 'backup', errno: 'ECONNREFUSED', message: `connection failed: connect ECONNREFUSED 127.0.0.1:${port}` },
    ]);
    expect(deps.metrics.get('llm_requests_total', { model: 'backup', outcome: 'connection_error' })).toBe(1);
  });

  it('treats a 200 answer without choices as a failed model', async () => {
    // The fake always sends a choice; this body (a compatible server's quota error sent as 200) comes from a server of our own.
    const bare = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"error":{"message":"quota used up"}}'));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = bare.address() as AddressInfo;
      const err = await provider({ baseUrl: `http://127.0.0.1:${port}/v1`, models: ['only'] }).complete(call()).catch((e: unknown) => e);
      expect((err as ProviderError).attempts).toEqual([{ model: 'only', message: 'answer had no choices: quota used up' }]);
      expect(deps.metrics.get('llm_requests_total', { model: 'only', outcome: 'bad_response' })).toBe(1);
    } finally {
      await new Promise<void>((resolve) => bare.close(() => resolve()));
    }
  });
});

describe('OpenAIProvider failure logs', () => {
  const key = 'sk-live-0123456789abcdefSECRET';

  it('name the base URL, the model, the status and the provider\'s error code and type; never the key', async () => {
    // A proxy that echoes the request's Authorization header in its answer and puts the key in the error text.
    const echo = { authorization: `Bearer ${key}`, 'x-forwarded-authorization': `Bearer ${key}` };
    fake.scriptFor('main', { status: 401, errorMessage: `Incorrect API key provided: ${key}.`, headers: echo });
    fake.scriptFor('backup', { status: 503, headers: echo });
    const err = (await provider({ apiKey: key, maxRetries: 0 }).complete(call()).catch((e: unknown) => e)) as ProviderError;
    expect(fake.requests[0]!.authorization).toBe(`Bearer ${key}`);

    const warnings = deps.lines.filter((l) => l.level === 40);
    expect(warnings.map((l) => [l.baseUrl, l.model, l.next, l.status, l.code, l.type])).toEqual([
      [fake.url, 'main', 'backup', 401, 'invalid_api_key', 'invalid_request_error'],
      [fake.url, 'backup', undefined, 503, 'service_unavailable', 'server_error'],
    ]);
    expect(warnings[0]!.msg).toBe(
      `LLM request to ${fake.url} for model main failed: HTTP 401 invalid_api_key (invalid_request_error): Incorrect API key provided: [redacted].; trying the next model, backup`,
    );
    expect(err.message).toContain(fake.url);
    for (const text of [JSON.stringify(deps.lines), JSON.stringify(err.attempts), err.message]) expect(text).not.toContain(key);
  });

  it('name the system error of a failed connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    await provider({ baseUrl, apiKey: key, models: ['only'], maxRetries: 0 }).complete(call()).catch(() => undefined);
    const line = deps.lines.find((l) => l.level === 40)!;
    expect(line).toMatchObject({ baseUrl, model: 'only', errno: 'ECONNREFUSED', cause: `connection failed: connect ECONNREFUSED 127.0.0.1:${port}` });
    expect(JSON.stringify(deps.lines)).not.toContain(key);
  });
});

describe('OpenAIProvider abort', () => {
  it('stops at once on abort, rejects with the reason and tries no fallback', async () => {
    fake.scriptFor('main', { text: 'never seen', delayMs: 60_000 });
    const controller = new AbortController();
    const pending = provider().complete(call({ signal: controller.signal }));
    await fake.waitForRequests(1);
    const reason = new Error('user said /stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(fake.requests.map((r) => r.model)).toEqual(['main']);
    expect(deps.metrics.get('llm_requests_total', { model: 'main', outcome: 'aborted' })).toBe(1);
  });

  it('stops during the backoff between retries', async () => {
    fake.scriptFor('main', { status: 429, retryAfterSec: 60 });
    const controller = new AbortController();
    const pending = provider().complete(call({ signal: controller.signal }));
    // The client logs the retry just before its backoff sleep: abort then, not while the request is in flight.
    await until(() => deps.lines.some((l) => String(l.msg).includes('retrying')));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(fake.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(provider().complete(call({ signal: controller.signal }))).rejects.toThrow('too late');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('OpenAIProvider options', () => {
  it('refuses options that cannot work', () => {
    expect(() => provider({ models: [] })).toThrow(/models/);
    expect(() => provider({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => provider({ baseUrl: 'api.openai.com' })).toThrow(/baseUrl/);
  });
});

describe('fake OpenAI peer scripting', () => {
  it('answers per-model replies first, then the shared queue, then respond(fn), then "ok"', async () => {
    fake.script({ text: 'shared' }).scriptFor('backup', { text: 'for backup' });
    fake.respond((body) => ({ text: `dynamic ${body.messages.length}` }));
    const p = provider({ models: ['backup'] });
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((await p.complete(call())).text);
    fake.respond(undefined);
    texts.push((await p.complete(call())).text);
    expect(texts).toEqual(['for backup', 'shared', 'dynamic 2', 'ok']);
  });

  it('answers an OpenAI-shaped 404 for paths it does not serve', async () => {
    const res = await fetch(`${fake.url}/models`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: 'Invalid URL (GET /v1/models)', type: 'invalid_request_error', param: null, code: null } });
    expect(fake.requests).toHaveLength(0);
  });
});
