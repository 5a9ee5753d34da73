import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentText, startAgentChat } from '../support/agent.js';
import { startChat } from '../support/chat.js';
import { makeMessage, until } from '../support/messages.js';

let current: Awaited<ReturnType<typeof startAgentChat>> | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

const roles = (messages: Record<string, unknown>[]) => messages.map((m) => m.role);

describe('agent: limits, repair, attachments, providers, memory', () => {
  it('answers calls over the per-turn limit with a notice, and tells the last step it has no tools', async () => {
    current = await startAgentChat({ AGENT_MAX_TOOL_CALLS: '2', AGENT_MAX_STEPS: '2' });
    const { app, fake, ask } = current;
    let runs = 0;
    app.tools.add({ name: 'count', description: 'Count', parameters: { type: 'object', properties: { n: { type: 'integer' } } }, execute: () => String(++runs) });
    fake.script(
      { toolCalls: [1, 2, 3].map((n) => ({ name: 'count', arguments: { n } })) },
      { text: '<msg><text>done</text></msg>' },
    );
    expect(await ask('count three times')).toEqual(['done']);
    expect(runs).toBe(2);
    const second = fake.requests[1]!;
    const tools = second.messages.filter((m) => m.role === 'tool').map((m) => contentText(m.content));
    expect(tools[2]).toMatch(/limit/i);
    expect(second.tool_choice).toBe('none');
    expect(contentText(second.messages.at(-1)!.content)).toMatch(/last step/);
  });

  it('does not run an identical call twice in one turn, and tells the model why', async () => {
    current = await startAgentChat();
    const { app, fake, ask } = current;
    let runs = 0;
    app.tools.add({ name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } } }, execute: () => `result ${++runs}` });
    fake.script(
      { toolCalls: [{ name: 'lookup', arguments: { q: 'cats' } }] },
      { toolCalls: [{ name: 'lookup', arguments: '{ "q" : "cats" }' }] },
      { text: '<msg><text>cats found</text></msg>' },
    );
    expect(await ask('find cats')).toEqual(['cats found']);
    expect(runs).toBe(1);
    const repeat = fake.requests[2]!.messages.filter((m) => m.role === 'tool').map((m) => contentText(m.content));
    expect(repeat[1]).toMatch(/already called lookup/);
    expect(repeat[1]).toContain('result 1');
  });

  it('asks the model once to repair a reply it cannot read, and sends the repaired one', async () => {
    current = await startAgentChat();
    const { fake, ask } = current;
    fake.script({ text: '<msg><text>broken</msg>' }, { text: '<msg><text>fixed</text></msg>' });
    expect(await ask('hi')).toEqual(['fixed']);
    const repair = fake.requests[1]!;
    expect(contentText(repair.messages.at(-2)!.content)).toBe('<msg><text>broken</msg>');
    expect(contentText(repair.messages.at(-1)!.content)).toMatch(/could not be read/);
    expect(repair.tool_choice ?? 'none').toBe('none');
  });

  it('falls back to plain text when the repair fails too, rather than staying silent', async () => {
    current = await startAgentChat();
    const { fake, ask, app } = current;
    fake.script({ text: '<msg><text>still broken</msg>' }, { text: '<msg><text>again broken</msg>' });
    expect(await ask('hi')).toEqual(['still broken']);
    expect(app.metrics.total('agent_reply_fallbacks_total')).toBe(1);
  });

  it('lets the model send a tool attachment as a file through the <file> tag', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-agent-'));
    fs.mkdirSync(path.join(dataDir, 'media', 'out'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'media', 'out', 'chart.png'), 'png');
    current = await startAgentChat({ DATA_DIR: dataDir });
    const { app, fake, ask, adapter } = current;
    app.tools.add({
      name: 'chart', description: 'Draw a chart', parameters: { type: 'object' },
      execute: () => ({ text: 'drawn', attachments: [{ type: 'image', path: path.join(dataDir, 'media', 'out', 'chart.png') }] }),
    });
    fake.script({ toolCalls: [{ name: 'chart', arguments: {} }] }, { text: '<msg><text>here</text><file type="image">data/media/out/chart.png</file></msg>' });
    await ask('draw');
    const tool = fake.requests[1]!.messages.find((m) => m.role === 'tool')!;
    expect(contentText(tool.content)).toContain('data/media/out/chart.png');
    const sent = adapter.sent.at(-1)!.segments;
    expect(sent[0]).toEqual({ type: 'text', text: 'here' });
    expect(sent[1]).toMatchObject({ type: 'image', path: path.join(fs.realpathSync(dataDir), 'media', 'out', 'chart.png') });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails over to the fallback model on a provider error, and reports when every model fails', async () => {
    current = await startAgentChat({ LLM_FALLBACK_MODELS: 'backup-model', AGENT_ERROR_REPLY: 'The model is unavailable.' });
    const { fake, ask, app } = current;
    fake.scriptFor('main-model', { status: 500 });
    fake.scriptFor('backup-model', { text: '<msg><text>from backup</text></msg>' });
    expect(await ask('hi')).toEqual(['from backup']);
    expect(fake.requests.map((r) => r.model)).toEqual(['main-model', 'backup-model']);

    fake.scriptFor('main-model', { status: 503 });
    fake.scriptFor('backup-model', { status: 429 });
    const errors: string[] = [];
    app.hooks.on('exception', (e) => void errors.push(e.stage));
    expect(await ask('hi again')).toEqual(['The model is unavailable.']);
    expect(errors).toEqual(['llm']);
  });

  it('remembers runs up to AGENT_HISTORY_TURNS and within AGENT_HISTORY_TOKENS; a channel reset forgets them', async () => {
    current = await startAgentChat({ AGENT_HISTORY_TURNS: '2' });
    const { fake, ask, app } = current;
    fake.respond(() => ({ text: '<msg><text>ok</text></msg>' }));
    for (const word of ['alpha', 'bravo', 'charlie']) await ask(word);
    const third = fake.requests.at(-1)!.messages.map((m) => contentText(m.content)).join('\n');
    expect(third).toContain('alpha');
    await ask('delta');
    const fourth = fake.requests.at(-1)!.messages;
    const text = fourth.map((m) => contentText(m.content)).join('\n');
    expect(text).not.toContain('alpha');
    expect(text).toContain('bravo');
    expect(text).toContain('charlie');
    expect(roles(fourth)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    // The bot's own message ids are kept, so the model can reply to them.
    expect(text).toMatch(/<msg message_id="out\d+">/);

    await app.resetChannel('test-private_c1');
    await ask('echo');
    expect(roles(fake.requests.at(-1)!.messages)).toEqual(['system', 'user']);
  });

  it('drops the oldest runs first when the token budget is small', async () => {
    current = await startAgentChat({ AGENT_HISTORY_TOKENS: '120' });
    const { fake, ask } = current;
    fake.respond(() => ({ text: '<msg><text>ok</text></msg>' }));
    await ask(`aardvark ${'x'.repeat(200)}`);
    await ask('badger');
    await ask('cheetah');
    const text = fake.requests.at(-1)!.messages.map((m) => contentText(m.content)).join('\n');
    expect(text).not.toContain('aardvark');
    expect(text).toContain('badger');
  });

  it('without a model, records batches and says once how to configure one', async () => {
    const { app, lines } = await startChat({ DEBOUNCE_MS: '10' });
    for (const t of ['a', 'b']) {
      await app.ingest(makeMessage(t, { chat: 'x' }));
      await until(() => lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('batch of')).length >= (t === 'a' ? 1 : 2), 'a batch');
    }
    const hints = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).includes('LLM_MODEL'));
    expect(hints).toHaveLength(1);
    expect(app.agent).toBeUndefined();
    await app.stop();
  });

  it('shows the model only the head and tail of a very long tool result', async () => {
    current = await startAgentChat();
    const { app, fake, ask } = current;
    app.tools.add({ name: 'dump', description: 'Dump a log', parameters: { type: 'object' }, execute: () => `START${'x'.repeat(100_000)}END` });
    fake.script({ toolCalls: [{ name: 'dump', arguments: {} }] }, { text: '<msg><text>done</text></msg>' });
    await ask('dump it');
    const tool = contentText(fake.requests[1]!.messages.find((m) => m.role === 'tool')!.content);
    expect(tool.length).toBeLessThanOrEqual(12_000);
    expect(tool.startsWith('START')).toBe(true);
    expect(tool.endsWith('END')).toBe(true);
    expect(tool).toMatch(/characters left out/);
  });

  it('a channel reset during a run leaves nothing of that run in memory', async () => {
    current = await startAgentChat();
    const { app, fake, ask } = current;
    fake.script({ text: '<msg><text>too late</text></msg>', delayMs: 400 });
    const first = ask('zebra question');
    await fake.waitForRequests(1);
    await app.resetChannel('test-private_c1');
    await first;
    fake.script({ text: '<msg/>' });
    await ask('fresh start');
    const text = fake.requests.at(-1)!.messages.map((m) => contentText(m.content)).join('\n');
    expect(text).not.toContain('zebra');
    expect(roles(fake.requests.at(-1)!.messages)).toEqual(['system', 'user']);
  });

  it('starts over, with a warning and a count, when a chat\'s memory cannot be read', async () => {
    current = await startAgentChat();
    const { app, fake, ask, lines } = current;
    await app.store.kv.set({ pluginKey: '__agent__', chatKey: 'test-private_c1', key: 'memory' }, '{not json');
    fake.script({ text: '<msg><text>hi</text></msg>' });
    expect(await ask('hello')).toEqual(['hi']);
    expect(roles(fake.requests[0]!.messages)).toEqual(['system', 'user']);
    expect(app.metrics.total('agent_memory_corrupt_total')).toBe(1);
    expect(lines.some((l) => String(l.msg).includes('memory of this chat could not be read'))).toBe(true);
  });
});
