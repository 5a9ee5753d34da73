import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NamedSet, ToolTurn, type ToolCall, type ToolCallContext, type ToolDefinition, type ToolTurnOptions } from '../../core/agent/index.js';
import { testDeps } from '../support/logger.js';

const CHAT = 'test-group_1';
let ids = 0;
const call = (name: string, args: string | object = ''): ToolCall => ({ id: `c${++ids}`, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });

function setup(opts: Partial<ToolTurnOptions> = {}, ...extra: ToolDefinition[]) {
  const deps = testDeps();
  const runs: { args: Record<string, unknown>; ctx: ToolCallContext }[] = [];
  const tools = new NamedSet<ToolDefinition>('tool');
  tools.add({
    name: 'author.dice.roll',
    description: 'Roll a die',
    parameters: z.object({ sides: z.number().int().min(2).default(6) }),
    execute: (args, ctx) => {
      runs.push({ args, ctx });
      return `rolled a d${String(args.sides)}`;
    },
  });
  tools.add({
    name: 'search',
    description: 'Search',
    kind: 'agent',
    parameters: { type: 'object', properties: { q: { type: 'string' }, page: { type: 'integer' } }, required: ['q'] },
    execute: (args) => ({ text: `found ${String(args.q)}`, attachments: [] }),
  });
  for (const t of extra) tools.add(t);
  const controller = new AbortController();
  const turn = new ToolTurn({ maxCalls: 3, timeoutMs: 0, chatKey: CHAT, userId: 'u1', signal: controller.signal, log: deps.log, metrics: deps.metrics, ...opts });
  return { ...deps, turn, tools, runs, controller };
}
const outcome = (m: ReturnType<typeof testDeps>['metrics'], tool: string, o: string) => m.get('agent_tool_calls_total', { tool, outcome: o });

describe('ToolTurn', () => {
  it('runs a tool with validated arguments and the call context, and reports its kind', async () => {
    const { turn, tools, runs, metrics } = setup();
    const roll = await turn.run(call('author.dice.roll', { sides: 20 }), tools);
    expect(roll).toMatchObject({ result: { text: 'rolled a d20', attachments: [] }, isError: false, kind: 'tool' });
    expect(roll.notice).toBeUndefined();
    expect(runs[0]!.args).toEqual({ sides: 20 });
    expect(runs[0]!.ctx).toMatchObject({ chatKey: CHAT, userId: 'u1' });
    expect(runs[0]!.ctx.signal).toBeInstanceOf(AbortSignal);
    expect(await turn.run(call('search', { q: 'cats' }), tools)).toMatchObject({ result: { text: 'found cats' }, kind: 'agent', isError: false });
    expect(turn.callsMade).toBe(2);
    expect(outcome(metrics, 'search', 'ok')).toBe(1);
  });

  it('answers invalid arguments with the validation error, without running the tool', async () => {
    const { turn, tools, runs, metrics } = setup();
    const bad = await turn.run(call('author.dice.roll', { sides: 1 }), tools);
    expect(bad).toMatchObject({ notice: 'invalid_args', isError: true });
    expect(bad.result.text).toMatch(/^Invalid arguments for author\.dice\.roll: sides: .*2/);
    const missing = await turn.run(call('search', { page: 'two' }), tools);
    expect(missing.result.text).toContain("(root): must have required property 'q'");
    expect(missing.result.text).toContain('page: must be integer');
    expect((await turn.run(call('search', '{"q":'), tools)).result.text).toContain('not valid JSON');
    expect(runs).toEqual([]);
    expect(outcome(metrics, 'search', 'invalid_args')).toBe(2);
  });

  it('stops executing once the per-turn limit is reached', async () => {
    const { turn, tools, runs } = setup({ maxCalls: 2 });
    await turn.run(call('author.dice.roll', { sides: 2 }), tools);
    await turn.run(call('author.dice.roll', { sides: 3 }), tools);
    const third = await turn.run(call('author.dice.roll', { sides: 4 }), tools);
    expect(third).toMatchObject({ notice: 'limit', isError: true, result: { text: 'Tool call limit (2 per turn) reached: answer with what you have.' } });
    expect(runs.map((r) => r.args.sides)).toEqual([2, 3]);
    expect(turn.callsMade).toBe(2);
  });

  it('answers a repeated call with the earlier result, whatever the key order, without counting it', async () => {
    const { turn, tools } = setup({ maxCalls: 2 });
    let n = 0;
    tools.add({ name: 'counter', description: 'c', parameters: { type: 'object', properties: {} }, execute: () => `call ${++n}` });
    expect((await turn.run(call('counter', '{"a":1,"b":{"y":2,"x":1}}'), tools)).result.text).toBe('call 1');
    const again = await turn.run(call('counter', '{"b":{"x":1,"y":2},"a":1}'), tools);
    expect(again).toMatchObject({ notice: 'repeat', isError: true });
    expect(again.result.text).toBe('You already called counter with these arguments in this turn; the result was: call 1 Do not call it again.');
    expect(turn.callsMade).toBe(1);
    expect((await turn.run(call('counter', '{"a":2}'), tools)).result.text).toBe('call 2');
    expect(n).toBe(2);
  });

  it('runs the same call made twice in one response once, even in parallel', async () => {
    const { turn, tools } = setup();
    let n = 0;
    tools.add({ name: 'slow', description: 's', parameters: { type: 'object' }, execute: () => new Promise((r) => setTimeout(() => r(`run ${++n}`), 20)) });
    const [a, b] = await Promise.all([turn.run(call('slow', { x: 1 }), tools), turn.run(call('slow', { x: 1 }), tools)]);
    expect(a).toMatchObject({ result: { text: 'run 1' }, isError: false });
    expect(b).toMatchObject({ notice: 'repeat', result: { text: expect.stringContaining('the result was: run 1') } });
    expect(n).toBe(1);
  });

  it('names close tools for an unknown name', async () => {
    const { turn, tools, metrics } = setup();
    const typo = await turn.run(call('serach', { q: 'x' }), tools);
    expect(typo).toMatchObject({ notice: 'unknown', isError: true, kind: 'tool' });
    expect(typo.result.text).toBe('There is no tool named serach. Did you mean: search?');
    expect((await turn.run(call('roll'), tools)).result.text).toBe('There is no tool named roll. Did you mean: author.dice.roll?');
    expect((await turn.run(call('weather_forecast'), tools)).result.text).toBe('There is no tool named weather_forecast. Available tools: author.dice.roll, search.');
    expect(outcome(metrics, '(unknown)', 'unknown')).toBe(3);
  });

  it('turns a throw into an error result, logged and counted', async () => {
    const boom: ToolDefinition = { name: 'boom', description: 'b', parameters: { type: 'object' }, kind: 'behavior', execute: () => { throw new Error('disk full'); } };
    const { turn, tools, metrics, lines } = setup({}, boom);
    const r = await turn.run(call('boom'), tools);
    expect(r).toMatchObject({ notice: 'error', isError: true, kind: 'behavior', result: { text: "Failed to call tool 'boom': disk full" } });
    expect(outcome(metrics, 'boom', 'error')).toBe(1);
    expect(lines.some((l) => l.tool === 'boom' && l.level === 40)).toBe(true);
  });

  it('reports a broken parameter schema as an error rather than throwing', async () => {
    const broken = { name: 'broken', description: 'b', parameters: { type: 'object', properties: { a: { type: 'nope' } } }, execute: () => 'x' } as ToolDefinition;
    const { turn, tools } = setup({}, broken);
    expect(await turn.run(call('broken'), tools)).toMatchObject({ notice: 'error', result: { text: expect.stringContaining('not a valid JSON Schema') } });
  });

  it('abandons a tool past the time limit and aborts its signal', async () => {
    let seen: AbortSignal | undefined;
    const hang: ToolDefinition = { name: 'hang', description: 'h', parameters: { type: 'object' }, execute: (_a, ctx) => { seen = ctx.signal; return new Promise<never>(() => {}); } };
    const { turn, tools, metrics } = setup({ timeoutMs: 30 }, hang);
    const r = await turn.run(call('hang'), tools);
    expect(r).toMatchObject({ notice: 'timeout', isError: true, result: { text: 'Tool hang did not finish within 30 ms and was abandoned.' } });
    expect(seen?.aborted).toBe(true);
    expect(outcome(metrics, 'hang', 'timeout')).toBe(1);
  });

  it('waits as long as it takes when the time limit is 0', async () => {
    const slow: ToolDefinition = { name: 'slow', description: 's', parameters: { type: 'object' }, execute: () => new Promise((r) => setTimeout(() => r('late'), 60)) };
    const { turn, tools } = setup({ timeoutMs: 0 }, slow);
    expect(await turn.run(call('slow'), tools)).toMatchObject({ result: { text: 'late' }, isError: false });
  });

  it('stops the running tool and skips later calls when the turn is cancelled', async () => {
    let seen: AbortSignal | undefined;
    const hang: ToolDefinition = { name: 'hang', description: 'h', parameters: { type: 'object' }, execute: (_a, ctx) => { seen = ctx.signal; return new Promise<never>(() => {}); } };
    const { turn, tools, controller, runs } = setup({ timeoutMs: 10_000 }, hang);
    const running = turn.run(call('hang'), tools);
    await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await running).toMatchObject({ notice: 'skipped', isError: true });
    expect(seen?.aborted).toBe(true);
    expect(await turn.run(call('author.dice.roll'), tools)).toMatchObject({ notice: 'skipped' });
    expect(runs).toEqual([]);
  });

  it('passes a ToolResult with attachments through', async () => {
    const image = { type: 'image' as const, url: 'https://cdn.example/cat.png' };
    const draw: ToolDefinition = { name: 'draw', description: 'd', parameters: { type: 'object' }, kind: 'multimodal_agent', execute: () => ({ text: 'a cat', attachments: [image] }) };
    const { turn, tools } = setup({}, draw);
    expect(await turn.run(call('draw'), tools)).toMatchObject({ result: { text: 'a cat', attachments: [image] }, kind: 'multimodal_agent' });
  });
});
