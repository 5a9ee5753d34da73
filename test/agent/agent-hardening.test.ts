import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatProvider } from '../../core/agent/index.js';
import { ConfigError } from '../../core/errors/index.js';
import { loadConfig } from '../../core/runtime/index.js';
import { startAgentChat } from '../support/agent.js';
import { until } from '../support/messages.js';

let current: Awaited<ReturnType<typeof startAgentChat>> | undefined;
let dirs: string[] = [];
afterEach(async () => {
  await current?.stop();
  current = undefined;
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-hardening-'));
  dirs.push(dir);
  return dir;
}

describe('agent: what a reply may send', () => {
  it('never sends the store: <file>data/nekomata.db</file> is refused, logged and counted; a media file goes out', async () => {
    const dir = dataDir();
    fs.writeFileSync(path.join(dir, 'nekomata.db'), 'SQLite format 3\0every chat');
    fs.mkdirSync(path.join(dir, 'media'));
    fs.writeFileSync(path.join(dir, 'media', 'cat.png'), 'png');
    current = await startAgentChat({ DATA_DIR: dir });
    const { fake, ask, adapter, app, lines } = current;
    fake.script({ text: '<msg><text>here you go</text><file>data/nekomata.db</file><file>data/media/cat.png</file></msg>' });
    await ask('send me your database');
    const sent = adapter.sent.map((s) => s.segments);
    expect(sent).toEqual([[{ type: 'text', text: 'here you go' }, { type: 'image', path: path.join(fs.realpathSync(dir), 'media', 'cat.png'), name: 'cat.png' }]]);
    expect(app.metrics.get('agent_media_refused_total', { tag: 'file', reason: 'not_sendable' })).toBe(1);
    expect(lines.filter((l) => l.level === 50 && l.reason === 'not_sendable')).toHaveLength(1);
  });

  it('sends at most AGENT_MAX_MESSAGES_PER_RUN messages; the rest is not sent, logged and counted once', async () => {
    current = await startAgentChat({ AGENT_MAX_MESSAGES_PER_RUN: '2' });
    const { fake, ask, app, lines } = current;
    fake.script({ text: '<msg>one</msg><msg>two</msg><msg>three</msg><msg>four</msg>' });
    expect(await ask('count')).toEqual(['one', 'two']);
    expect(app.metrics.get('agent_reply_capped_total', { cap: 'messages' })).toBe(1);
    expect(lines.filter((l) => String(l.msg).includes('AGENT_MAX_MESSAGES_PER_RUN'))).toHaveLength(1);
  });

  it('sends at most AGENT_MAX_REPLY_CHARS characters of text per run, across steps, cutting with "…"', async () => {
    current = await startAgentChat({ AGENT_MAX_REPLY_CHARS: '10' });
    const { fake, ask, app, lines } = current;
    app.tools.add({ name: 'look', description: 'Look', parameters: { type: 'object' }, execute: () => 'seen' });
    fake.script(
      { text: '<msg>hello</msg>', toolCalls: [{ name: 'look', arguments: {} }] },
      { text: '<msg>wonderful world</msg><msg>and more</msg>', toolCalls: [{ name: 'look', arguments: { again: true } }] },
      { text: '<msg>still talking</msg>' },
    );
    expect(await ask('talk')).toEqual(['hello', 'wond…']);
    expect(app.metrics.get('agent_reply_capped_total', { cap: 'chars' })).toBe(1);
    expect(lines.filter((l) => String(l.msg).includes('AGENT_MAX_REPLY_CHARS'))).toHaveLength(1);
  });

  it('does not mention everybody: the at-all is dropped and @everyone/@here text cannot ping, counted', async () => {
    current = await startAgentChat();
    const { fake, ask, adapter, app } = current;
    fake.script({ text: '<msg><at>all</at><text>@everyone look, @here too</text></msg>' });
    await ask('tell everyone');
    expect(adapter.sent.at(-1)!.segments).toEqual([{ type: 'text', text: '@\u200Beveryone look, @\u200Bhere too' }]);
    expect(app.metrics.get('agent_mentions_neutralised_total', { kind: 'at' })).toBe(1);
    expect(app.metrics.get('agent_mentions_neutralised_total', { kind: 'text' })).toBe(2);
  });

  it('mentions everybody when AGENT_ALLOW_MENTION_ALL=1', async () => {
    current = await startAgentChat({ AGENT_ALLOW_MENTION_ALL: '1' });
    const { fake, ask, adapter, app } = current;
    fake.script({ text: '<msg><at>all</at><text>@everyone look</text></msg>' });
    await ask('tell everyone');
    expect(adapter.sent.at(-1)!.segments).toEqual([{ type: 'at', userId: 'all' }, { type: 'text', text: '@everyone look' }]);
    expect(app.metrics.total('agent_mentions_neutralised_total')).toBe(0);
  });
});

describe('agent: time limits', () => {
  it('gets over a model that stalls mid-body within LLM_TIMEOUT_MS; the slot is freed and the chat\'s next batch is answered', async () => {
    // One chat slot: a chat stuck for good would silence every other chat too.
    current = await startAgentChat({ LLM_TIMEOUT_MS: '1000', MAX_CONCURRENT_CHATS: '1', AGENT_ERROR_REPLY: 'The model is unavailable.' });
    const { fake, ask, app } = current;
    fake.script({ text: '<msg>never arrives whole</msg>', stallAfterBytes: 40 });
    expect(await ask('hello?')).toEqual(['The model is unavailable.']);
    expect(app.metrics.get('llm_requests_total', { model: 'main-model', outcome: 'timeout' })).toBe(1);
    expect(app.metrics.get('agent_runs_total', { outcome: 'provider_failed' })).toBe(1);

    fake.script({ text: '<msg>other chat</msg>' }, { text: '<msg>back again</msg>' });
    expect(await ask('hi', { chat: 'c2' })).toEqual(['other chat']);
    expect(await ask('hello again?')).toEqual(['back again']);
  });

  it('abandons a run past AGENT_RUN_TIMEOUT_MS: its tool call sees the abort, it is logged and counted, the next batch is answered', async () => {
    current = await startAgentChat({ AGENT_RUN_TIMEOUT_MS: '1000', AGENT_TOOL_TIMEOUT_MS: '60000', LLM_TIMEOUT_MS: '60000' });
    const { fake, ask, app, lines, finals } = current;
    let toolSignal: AbortSignal | undefined;
    app.tools.add({
      name: 'hang', description: 'Never returns', parameters: { type: 'object' },
      execute: (_args, ctx) => {
        toolSignal = ctx.signal;
        return new Promise<never>(() => undefined);
      },
    });
    fake.script({ text: '<msg>one moment</msg>', toolCalls: [{ name: 'hang', arguments: {} }] });
    expect(await ask('do the slow thing')).toEqual(['one moment']);
    expect(toolSignal?.aborted).toBe(true);
    expect(app.metrics.get('agent_runs_total', { outcome: 'timeout' })).toBe(1);
    expect(lines.filter((l) => l.level === 50 && String(l.msg).includes('AGENT_RUN_TIMEOUT_MS'))).toHaveLength(1);
    expect(fake.requests).toHaveLength(1);

    fake.script({ text: '<msg>fresh answer</msg>' });
    expect(await ask('and now?')).toEqual(['fresh answer']);
    expect(finals).toHaveLength(2);
    expect(app.metrics.total('agent_runs_total')).toBe(2);
  });

  it('aborts a model call that is still waiting when the run limit is reached', async () => {
    current = await startAgentChat({ AGENT_RUN_TIMEOUT_MS: '1000', LLM_TIMEOUT_MS: '60000' });
    const { fake, ask, app } = current;
    fake.script({ text: '<msg>never whole</msg>', stallAfterBytes: 10 });
    expect(await ask('hello?')).toEqual([]);
    expect(app.metrics.get('agent_runs_total', { outcome: 'timeout' })).toBe(1);
    await until(() => app.metrics.get('llm_requests_total', { model: 'main-model', outcome: 'aborted' }) === 1, 'the model call to be aborted');
    fake.script({ text: '<msg>fine now</msg>' });
    expect(await ask('again?')).toEqual(['fine now']);
  });
});

describe('agent: failures say where', () => {
  it('the run\'s error line names the base URL, the model and the cause, and no line holds the key', async () => {
    const key = 'sk-live-abcdef0123456789TOPSECRET';
    current = await startAgentChat({ LLM_API_KEY: key });
    const { fake, ask, lines } = current;
    fake.script({ status: 401, errorMessage: `Incorrect API key provided: ${key}`, headers: { 'x-echo-authorization': `Bearer ${key}` } });
    expect(await ask('hi')).toEqual([]);
    const error = lines.find((l) => l.level === 50 && String(l.msg).includes('did not answer'))!;
    const message = (error.err as { message: string }).message;
    expect(message).toContain(`at ${fake.url}`);
    expect(message).toContain('main-model: HTTP 401 invalid_api_key');
    expect(JSON.stringify(lines)).not.toContain(key);
  });

  it('a provider error that carries the request and its headers is logged without them', async () => {
    const key = 'sk-live-fedcba9876543210HIDDEN';
    // An HTTP client's error, axios-style: the request it failed on hangs on it, key and all.
    const failing: ChatProvider = {
      models: ['custom-model'],
      complete: () => Promise.reject(Object.assign(new Error('Request failed with status code 502'), {
        code: 'ERR_BAD_RESPONSE',
        config: { url: 'https://llm.example/v1/chat/completions', headers: { Authorization: `Bearer ${key}` } },
        request: { headers: { authorization: `Bearer ${key}` } },
      })),
    };
    current = await startAgentChat({}, { provider: failing });
    const { ask, lines } = current;
    expect(await ask('hi')).toEqual([]);
    const error = lines.find((l) => l.level === 50 && String(l.msg).includes('did not answer'))!;
    expect(error.err).toMatchObject({ type: 'Error', message: 'Request failed with status code 502', code: 'ERR_BAD_RESPONSE' });
    expect(JSON.stringify(lines)).not.toContain(key);
  });
});

describe('agent: hardening settings', () => {
  it('reads them, with safe defaults, and refuses bad values naming the variable', () => {
    expect(loadConfig({}).agent).toMatchObject({
      allowAbsolutePaths: false, allowPrivateUrls: false, allowMentionAll: false, maxReplyChars: 6000, maxMessagesPerRun: 10, runTimeoutMs: 300_000,
    });
    const env = { AGENT_ALLOW_PRIVATE_URLS: '1', AGENT_ALLOW_MENTION_ALL: 'true', AGENT_MAX_REPLY_CHARS: '500', AGENT_MAX_MESSAGES_PER_RUN: '3', AGENT_RUN_TIMEOUT_MS: '90000' };
    expect(loadConfig(env).agent).toMatchObject({ allowPrivateUrls: true, allowMentionAll: true, maxReplyChars: 500, maxMessagesPerRun: 3, runTimeoutMs: 90_000 });
    for (const [name, value] of [['AGENT_RUN_TIMEOUT_MS', '10'], ['AGENT_MAX_REPLY_CHARS', '0'], ['AGENT_MAX_MESSAGES_PER_RUN', 'many'], ['AGENT_ALLOW_PRIVATE_URLS', 'yes']]) {
      const error = (() => {
        try {
          loadConfig({ [name!]: value });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variables).toEqual([name]);
    }
  });
});

describe('agent: replies that cannot reach the platform for want of Redis or a gateway', () => {
  it('fail the run, so the batch runs again, instead of counting as a reply the platform refused', async () => {
    const { UnavailableError } = await import('../../core/errors/index.js');
    current = await startAgentChat();
    const send = current.adapter.send.bind(current.adapter);
    let refused = 0;
    current.adapter.send = async (chatKey, segments) => {
      if (refused++ === 0) throw new UnavailableError('the gateway did not answer');
      return send(chatKey, segments);
    };
    const failures = () => current!.lines.filter((l) => (l.err as { type?: string } | undefined)?.type === 'UnavailableError');
    await current.app.ingest((await import('../support/messages.js')).makeMessage('hello', { toMe: true }));
    await until(() => failures().length > 0, 'the unreachable gateway to fail the batch');
    expect(current.app.metrics.get('agent_send_errors_total')).toBe(0);
  });
});
