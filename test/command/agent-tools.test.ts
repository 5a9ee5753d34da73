import { afterEach, describe, expect, it } from 'vitest';
import { NamedSet, toolResultText, ToolTurn, type ToolDefinition } from '../../core/agent/index.js';
import { Arg, CmdCtl, commandAgentTools, CommandPermission, commandToolName, mergedToToolResult, type CommandContext } from '../../core/command/index.js';
import { Metrics } from '../../core/metrics/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { captureLogger } from '../support/logger.js';
import { makePlugin } from '../support/plugins.js';

const CHAT = 'test-group_42';
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function start() {
  ({ app } = makeTestApp({ AGENT_COMMAND_PERMISSION: 'user' }, { builtinPluginDirs: [] }));
  await app.start();
  const calls: { ctx: CommandContext; args: Record<string, unknown> }[] = [];
  const kit = makePlugin({ moduleName: 'draw_kit' });
  kit.mountCommand(
    { name: 'draw', description: 'Draw a picture', args: { subject: Arg.str('what to draw', { positional: true }), count: Arg.int('how many', { range: [1, 4], default: 1 }) } },
    async (ctx, args) => {
      calls.push({ ctx, args });
      return CmdCtl.success([
        { type: 'text', text: `drew ${String(args.subject)}` },
        { type: 'image', filePath: '/srv/data/draw/cat.png', url: 'https://cdn.example/cat.png' },
        { type: 'text', text: 'enjoy' },
        { type: 'file', filePath: '/srv/data/draw/cat.svg' },
      ], { seed: 7 });
    },
  );
  kit.mountCommand({ name: 'broken', description: 'Fails' }, async () => CmdCtl.failed('the printer is on fire'));
  kit.mountCommand({ name: 'shutdown', description: 'Stop the bot', permission: CommandPermission.SUPER_USER }, async () => CmdCtl.success('stopping'));
  await app.plugins.load(kit);
  await app.plugins.enable(kit.key);
  return { app, calls };
}

const nameOf = (fullName: string) => commandToolName(app!.commands.registry.get(fullName)!);
function turnFor(tools: ToolDefinition[]) {
  const set = new NamedSet<ToolDefinition>('tool');
  for (const t of tools) set.add(t);
  const turn = new ToolTurn({ maxCalls: 5, timeoutMs: 0, chatKey: CHAT, signal: new AbortController().signal, log: captureLogger().log, metrics: new Metrics() });
  return { set, turn };
}

describe('commands as agent tools', () => {
  it('offers the commands the agent level may run, with their JSON Schema', async () => {
    const { app } = await start();
    const tools = app.commands.agentTools(CHAT, 'en_US');
    expect(tools.map((t) => t.name).sort()).toEqual([nameOf('draw_kit:broken'), nameOf('draw_kit:draw')].sort());
    const draw = tools.find((t) => t.name === nameOf('draw_kit:draw'))!;
    expect(draw.description).toBe('Draw a picture');
    expect(draw.parameters).toMatchObject({ type: 'object', required: ['subject'], additionalProperties: false, properties: { count: { type: 'integer', maximum: 4 } } });
    const everything = commandAgentTools(app.commands, { chatKey: CHAT, lang: 'en_US', level: CommandPermission.SUPER_USER });
    expect(everything.map((t) => t.name)).toContain(nameOf('draw_kit:shutdown'));
  });

  it('runs a command through a tool turn: merged JSON for the model, media as attachments', async () => {
    const { app, calls } = await start();
    const { set, turn } = turnFor(app.commands.agentTools(CHAT, 'en_US'));
    const r = await turn.run({ id: '1', name: nameOf('draw_kit:draw'), arguments: '{"subject":"a cat","count":2}' }, set);
    expect(r).toMatchObject({ isError: false, kind: 'tool' });
    expect(JSON.parse(r.result.text)).toEqual({ status: 'success', message: 'drew a cat\nenjoy', data: { seed: 7 } });
    expect(r.result.attachments).toEqual([
      { type: 'image', url: 'https://cdn.example/cat.png', path: '/srv/data/draw/cat.png', name: 'cat.png', mime: 'image/png' },
      { type: 'file', path: '/srv/data/draw/cat.svg', name: 'cat.svg', mime: 'image/svg+xml' },
    ]);
    expect(calls[0]!.args).toMatchObject({ subject: 'a cat', count: 2 });
    expect(calls[0]!.ctx.chatKey).toBe(CHAT);
    expect(toolResultText(r.result, '/srv/data')).toMatch(/\ndata\/draw\/cat\.png\ndata\/draw\/cat\.svg$/);
  });

  it('refuses arguments outside the schema before the command runs', async () => {
    const { app, calls } = await start();
    const { set, turn } = turnFor(app.commands.agentTools(CHAT, 'en_US'));
    const r = await turn.run({ id: '1', name: nameOf('draw_kit:draw'), arguments: '{"subject":"x","count":9,"size":"big"}' }, set);
    expect(r).toMatchObject({ notice: 'invalid_args', isError: true });
    expect(r.result.text).toContain('count: must be <= 4');
    expect(r.result.text).toContain('("size")');
    expect(calls).toEqual([]);
  });

  it('tells the model when the command failed', async () => {
    const { app } = await start();
    const { set, turn } = turnFor(app.commands.agentTools(CHAT, 'en_US'));
    const r = await turn.run({ id: '1', name: nameOf('draw_kit:broken'), arguments: '' }, set);
    expect(JSON.parse(r.result.text)).toEqual({ status: 'error', message: 'the printer is on fire' });
    expect(r.result.attachments).toEqual([]);
  });
});

describe('mergedToToolResult', () => {
  it('keeps the process log and leaves out empty segments', () => {
    expect(mergedToToolResult({ status: 'success', process_log: 'step 1', message: 'done' }, 'en_US')).toEqual({
      text: '{"status":"success","process_log":"step 1","message":"done"}',
      attachments: [],
    });
  });
});
