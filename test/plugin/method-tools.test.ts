import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NamedSet, ToolTurn, type ToolDefinition } from '../../core/agent/index.js';
import type { ExceptionEvent } from '../../core/hooks/index.js';
import { Metrics } from '../../core/metrics/index.js';
import { multimodalResult, SandboxMethodType, type ChatContext } from '../../core/plugin/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { captureLogger } from '../support/logger.js';
import { makePlugin } from '../support/plugins.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** A plugin with one method of each type, a throwing one, a hanging one, and a group-only one hidden by its collect filter. */
async function start() {
  const made = makeTestApp({ PLUGIN_CALL_TIMEOUT_MS: '100' }, { builtinPluginDirs: [] });
  app = made.app;
  const exceptions: ExceptionEvent[] = [];
  app.hooks.on('exception', (e) => void exceptions.push(e));
  await app.start();
  const seen: { method: string; ctx: ChatContext; args: Record<string, unknown> }[] = [];
  const plugin = makePlugin();
  const rollArgs = z.object({ sides: z.number().int().min(2).default(6) });
  const roll = plugin.mountSandboxMethod(SandboxMethodType.TOOL, 'roll', 'Roll a die', (ctx, args) => {
    seen.push({ method: 'roll', ctx, args });
    return { rolled: args.sides };
  }, rollArgs);
  const note = plugin.mountSandboxMethod(SandboxMethodType.BEHAVIOR, 'note', 'Write a note', (_ctx, args) => `noted ${String(args.text)}`, {
    type: 'object', properties: { text: { type: 'string' } }, required: ['text'],
  });
  const recall = plugin.mountSandboxMethod(SandboxMethodType.AGENT, 'recall', 'Read the notes', () => 'nothing yet');
  const look = plugin.mountSandboxMethod(SandboxMethodType.MULTIMODAL_AGENT, 'look', 'Look at the avatar', () => [
    { type: 'text', text: 'the avatar:' },
    { type: 'image', url: 'https://cdn.example/avatar.png' },
  ]);
  const fail = plugin.mountSandboxMethod(SandboxMethodType.TOOL, 'fail', 'Always fails', () => {
    throw new Error('no such user');
  });
  const hang = plugin.mountSandboxMethod(SandboxMethodType.TOOL, 'hang', 'Never answers', () => new Promise<never>(() => {}));
  const kick = plugin.mountSandboxMethod(SandboxMethodType.BEHAVIOR, 'kick', 'Kick a member', () => 'kicked');
  plugin.mountCollectMethods((ctx) => {
    const all = [roll, note, recall, look, fail, hang];
    return ctx.chatType === 'group' ? [...all, 'kick'] : all;
  });
  void kick;
  await app.plugins.load(plugin);
  await app.plugins.enable(plugin.key);
  return { app, plugin, seen, exceptions, rollArgs };
}

function toolTurn(chatKey: string) {
  const { log } = captureLogger();
  return { turn: new ToolTurn({ maxCalls: 10, timeoutMs: 0, chatKey, signal: new AbortController().signal, log, metrics: new Metrics() }), log };
}
const asSet = (tools: ToolDefinition[]) => {
  const set = new NamedSet<ToolDefinition>('tool');
  for (const t of tools) set.add(t);
  return set;
};

describe('sandbox methods as agent tools', () => {
  it('offers each collected method as <pluginKey>.<name> with its kind, description and parameters', async () => {
    const { app, plugin, rollArgs } = await start();
    const tools = await app.plugins.agentTools(app.plugins.chatContext('test-private_u1'));
    expect(tools.map((t) => [t.name, t.kind])).toEqual([
      [`${plugin.key}.roll`, 'tool'],
      [`${plugin.key}.note`, 'behavior'],
      [`${plugin.key}.recall`, 'agent'],
      [`${plugin.key}.look`, 'multimodal_agent'],
      [`${plugin.key}.fail`, 'tool'],
      [`${plugin.key}.hang`, 'tool'],
    ]);
    const byName = new Map(tools.map((t) => [t.name.split('.').pop(), t]));
    expect(byName.get('roll')!.description).toBe('Roll a die');
    expect(byName.get('note')!.description).toBe('Write a note');
    expect(byName.get('recall')!.description).toMatch(/^Read the notes\n.*new round/);
    expect(byName.get('look')!.description).toMatch(/new round/);
    expect(byName.get('recall')!.parameters).toEqual({ type: 'object', properties: {} });
    expect(byName.get('roll')!.parameters).toBe(rollArgs);
    const group = await app.plugins.agentTools(app.plugins.chatContext('test-group_g1'));
    expect(group.map((t) => t.name)).toContain(`${plugin.key}.kick`);
  });

  it('runs methods through a tool turn with the chat context and validated arguments', async () => {
    const { app, plugin, seen } = await start();
    const ctx = app.plugins.chatContext('test-group_g1');
    const tools = asSet(await app.plugins.agentTools(ctx));
    const { turn } = toolTurn(ctx.chatKey);
    const roll = await turn.run({ id: '1', name: `${plugin.key}.roll`, arguments: '' }, tools);
    expect(roll).toMatchObject({ result: { text: '{"rolled":6}' }, kind: 'tool', isError: false });
    expect(seen[0]).toMatchObject({ method: 'roll', args: { sides: 6 } });
    expect(seen[0]!.ctx.chatKey).toBe('test-group_g1');
    expect(await turn.run({ id: '2', name: `${plugin.key}.note`, arguments: '{"text":"hi"}' }, tools)).toMatchObject({ result: { text: 'noted hi' }, kind: 'behavior' });
    expect(await turn.run({ id: '3', name: `${plugin.key}.note`, arguments: '{}' }, tools)).toMatchObject({ notice: 'invalid_args' });
    expect(await turn.run({ id: '4', name: `${plugin.key}.recall`, arguments: '' }, tools)).toMatchObject({ result: { text: 'nothing yet' }, kind: 'agent' });
  });

  it('gives a multimodal method its images as attachments', async () => {
    const { app, plugin } = await start();
    const ctx = app.plugins.chatContext('test-private_u1');
    const { turn } = toolTurn(ctx.chatKey);
    const r = await turn.run({ id: '1', name: `${plugin.key}.look`, arguments: '' }, asSet(await app.plugins.agentTools(ctx)));
    expect(r).toMatchObject({ kind: 'multimodal_agent', isError: false, result: { text: 'the avatar:', attachments: [{ type: 'image', url: 'https://cdn.example/avatar.png' }] } });
  });

  it('reports a throwing method as an error and a hanging one as a timeout, through the plugin isolation', async () => {
    const { app, plugin, exceptions } = await start();
    const ctx = app.plugins.chatContext('test-private_u1');
    const tools = asSet(await app.plugins.agentTools(ctx));
    const { turn } = toolTurn(ctx.chatKey);
    const failed = await turn.run({ id: '1', name: `${plugin.key}.fail`, arguments: '' }, tools);
    expect(failed).toMatchObject({ notice: 'error', isError: true, result: { text: `Failed to call tool '${plugin.key}.fail': no such user` } });
    const hung = await turn.run({ id: '2', name: `${plugin.key}.hang`, arguments: '' }, tools);
    expect(hung).toMatchObject({ notice: 'timeout', isError: true });
    expect(hung.result.text).toContain('100 ms');
    expect(app.metrics.get('plugin_errors_total', { plugin: plugin.key, stage: 'sandbox method fail' })).toBe(1);
    expect(exceptions.map((e) => [e.owner, e.stage])).toEqual([[plugin.key, 'sandbox method fail'], [plugin.key, 'sandbox method hang']]);
  });

  it('offers nothing of a disabled plugin', async () => {
    const { app, plugin } = await start();
    await app.plugins.disable(plugin.key);
    expect(await app.plugins.agentTools(app.plugins.chatContext('test-private_u1'))).toEqual([]);
  });
});

describe('multimodalResult', () => {
  it('reads message segments and OpenAI content parts alike', () => {
    expect(multimodalResult([{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 'https://x/1.png' } }, { type: 'image_url', url: 'https://x/2.png' }, { type: 'text', text: 'b' }])).toEqual({
      text: 'a\nb',
      attachments: [{ type: 'image', url: 'https://x/1.png' }, { type: 'image', url: 'https://x/2.png' }],
    });
    expect(multimodalResult({ type: 'image', path: '/data/a.png' })).toEqual({ text: '', attachments: [{ type: 'image', path: '/data/a.png' }] });
  });

  it('falls back to the plain conversion for anything else', () => {
    expect(multimodalResult('just words')).toEqual({ text: 'just words', attachments: [] });
    expect(multimodalResult([1, 2])).toEqual({ text: '[1,2]', attachments: [] });
    expect(multimodalResult([{ type: 'at', userId: '5' }])).toEqual({ text: '{"type":"at","userId":"5"}', attachments: [] });
  });
});
