import ajv2020 from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Arg, CmdCtl, CommandPermission, commandToolName, executeCommandTool, exportCommandTools, GLOBAL, type CommandContext, type CommandTool, type JsonSchema } from '../../core/command/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makePlugin } from '../support/plugins.js';

const CHAT = 'test-group_42';
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
// ajv is CommonJS: under NodeNext its default import is the module, whose `default` is the class.
const Ajv2020 = ajv2020.default;

let app: App;
let calls: { command: string; ctx: CommandContext; args: Record<string, unknown> }[];

/** A weather plugin with one command of every kind the exporter must tell apart, and a disabled plugin. */
async function start(env: Record<string, string> = {}): Promise<void> {
  calls = [];
  ({ app } = makeTestApp(env, { builtinPluginDirs: [] }));
  await app.start();
  const seen = (command: string) => (ctx: CommandContext, args: Record<string, unknown>) => void calls.push({ command, ctx, args });

  const kit = makePlugin({ moduleName: 'weather_kit' });
  kit.mountCommand(
    {
      name: 'weather',
      description: 'Weather forecast',
      i18nDescription: { en_US: 'Weather forecast', zh_CN: '查询天气' },
      tags: ['weather', 'info'],
      args: {
        location: Arg.str('城市名', { default: '北京', positional: true, promptHint: 'a city name, in Chinese' }),
        days: Arg.int('天数', { range: [1, 7], default: 3 }),
        unit: Arg.str('单位', { choices: ['c', 'f'], default: 'c' }),
        verbose: Arg.bool('', { default: false }),
        ratio: Arg.float('比例', { range: [0, 1] }),
      },
    },
    async (ctx, args) => {
      seen('weather')(ctx, args);
      return CmdCtl.success({ en_US: `${args.location}: sunny`, zh_CN: `${args.location}: 晴` }, { days: args.days });
    },
  );
  const config = kit.mountCommandGroup({ name: 'config', description: 'Settings' });
  config.command(
    { name: 'set', description: 'Set a setting', args: { key: Arg.str('配置键', { positional: true }), value: Arg.str('配置值', { positional: true }) } },
    async (ctx, args) => void seen('config.set')(ctx, args),
  );
  kit.mountCommand({ name: 'answer', description: 'wait callback', internal: true }, async () => CmdCtl.success('ok'));
  kit.mountCommand({ name: 'purge', description: 'Purge the cache' }, async () => CmdCtl.success('purged'));
  kit.mountCommand({ name: 'shutdown', description: 'Stop the bot', permission: CommandPermission.SUPER_USER }, async (ctx, args) => {
    seen('shutdown')(ctx, args);
    return CmdCtl.success('stopping');
  });
  kit.mountCommand({ name: 'report', description: 'A long report', args: { topic: Arg.str('topic', { greedy: true }) } }, async function* (_ctx, { topic }) {
    yield CmdCtl.message(`collecting ${topic}`);
    yield CmdCtl.message({ en_US: 'summarizing', zh_CN: '汇总中' });
    yield CmdCtl.success(`report on ${topic}`, { pages: 3 });
  });
  kit.mountCommand({ name: 'pick', description: 'Asks the user' }, async () => CmdCtl.wait('Pick a colour', 'weather_kit:answer', { options: ['red', 'blue'] }));
  kit.mountCommand({ name: 'quiet', description: 'Says nothing' }, async () => undefined);
  await app.plugins.load(kit);
  await app.plugins.enable(kit.key);
  await app.commands.overrides.setEnabled('weather_kit:purge', GLOBAL, false);

  const off = makePlugin({ moduleName: 'sleepy' });
  off.mountCommand({ name: 'nap', description: 'Never exported' }, async () => CmdCtl.success('zzz'));
  await app.plugins.load(off); // third-party: loaded disabled
}

beforeEach(async () => start());
afterEach(async () => app?.stop());

function tools(opts: { lang?: 'en_US' | 'zh_CN'; level?: CommandPermission } = {}): CommandTool[] {
  return exportCommandTools(app.commands.registry.list({ includeInternal: true }), app.commands.overrides, { chatKey: CHAT, lang: opts.lang ?? 'en_US', ...opts });
}

function tool(list: CommandTool[], fullName: string): CommandTool {
  const command = app.commands.registry.get(fullName);
  const found = command && list.find((t) => t.function.name === commandToolName(command));
  if (!found) throw new Error(`no tool for ${fullName}`);
  return found;
}

function toolName(fullName: string): string {
  return commandToolName(app.commands.registry.get(fullName)!);
}

const run = (fullName: string, args: string | Record<string, unknown>, extra: Partial<Parameters<typeof executeCommandTool>[1]> = {}) =>
  executeCommandTool(app.commands, { toolName: toolName(fullName), arguments: args, chatKey: CHAT, level: app.config.commands.agentLevel, ...extra });

describe('exportCommandTools', () => {
  it('exports the visible, enabled commands of enabled plugins, and with a level only those it permits', () => {
    const all = tools().map((t) => t.function.name);
    expect(all.sort()).toEqual(
      ['weather_kit:weather', 'weather_kit:config.set', 'weather_kit:shutdown', 'weather_kit:report', 'weather_kit:pick', 'weather_kit:quiet'].map(toolName).sort(),
    );
    expect(all).not.toContain(toolName('weather_kit:answer')); // internal
    expect(all).not.toContain(toolName('weather_kit:purge')); // disabled by override
    expect(all).not.toContain(toolName('sleepy:nap')); // plugin disabled

    const asUser = tools({ level: CommandPermission.USER }).map((t) => t.function.name);
    expect(asUser).not.toContain(toolName('weather_kit:shutdown'));
    expect(asUser).toHaveLength(all.length - 1);
    expect(tools({ level: CommandPermission.SUPER_USER })).toHaveLength(all.length);
  });

  it('follows per-chat overrides of permission and enabled state', async () => {
    await app.commands.overrides.setPermission('weather_kit:quiet', CHAT, CommandPermission.ADVANCED, CommandPermission.PUBLIC);
    await app.commands.overrides.setEnabled('weather_kit:pick', CHAT, false);
    const names = tools({ level: CommandPermission.USER }).map((t) => t.function.name);
    expect(names).not.toContain(toolName('weather_kit:quiet'));
    expect(names).not.toContain(toolName('weather_kit:pick'));
    expect(tools({ level: CommandPermission.ADVANCED }).map((t) => t.function.name)).toContain(toolName('weather_kit:quiet'));
  });

  it('describes a command in the OpenAI function format, localized, with its tags and a typed schema', () => {
    expect(tool(tools(), 'weather_kit:weather')).toEqual({
      type: 'function',
      function: {
        name: 'weather_kit__weather',
        description: 'Weather forecast (tags: weather, info)',
        parameters: {
          type: 'object',
          properties: {
            location: { type: 'string', description: '城市名', default: '北京', 'x-prompt-hint': 'a city name, in Chinese' },
            days: { type: 'integer', description: '天数', minimum: 1, maximum: 7, default: 3 },
            unit: { type: 'string', description: '单位', enum: ['c', 'f'], default: 'c' },
            verbose: { type: 'boolean', default: false },
            ratio: { type: 'number', description: '比例', minimum: 0, maximum: 1 },
          },
          required: ['ratio'],
          additionalProperties: false,
        },
      },
    });
    expect(tool(tools({ lang: 'zh_CN' }), 'weather_kit:weather').function.description).toBe('查询天气 (tags: weather, info)');
    const quiet = tool(tools(), 'weather_kit:quiet').function;
    expect(quiet.description).toBe('Says nothing');
    expect(quiet.parameters).toEqual({ type: 'object', properties: {}, additionalProperties: false });
    expect(tool(tools(), 'weather_kit:config.set').function.parameters.required).toEqual(['key', 'value']);
  });

  it('gives every tool a legal OpenAI function name, group commands included', () => {
    const names = tools({ level: CommandPermission.SUPER_USER }).map((t) => t.function.name);
    for (const name of names) {
      expect(name).toMatch(TOOL_NAME);
      expect(name).not.toContain('.');
    }
    expect(new Set(names).size).toBe(names.length);
    expect(toolName('weather_kit:config.set')).toMatch(/^weather_kit__config_set_[0-9a-f]{6}$/);
  });
});

describe('commandToolName', () => {
  const cmd = (namespace: string, name: string) => ({ namespace, name, fullName: `${namespace}:${name}` });
  const pairs: [string, ReturnType<typeof cmd>, ReturnType<typeof cmd>][] = [
    ['a dot and an underscore', cmd('ns', 'config.set'), cmd('ns', 'config_set')],
    ['where the namespace ends', cmd('a__b', 'c'), cmd('a', 'b__c')],
    ['a namespace ending in _', cmd('a_', 'b'), cmd('a', '_b')],
    ['a name that looks hashed', cmd('ns', 'config.set'), cmd('ns', commandToolName(cmd('ns', 'config.set')).slice('ns__'.length))],
    ['the same 64-character prefix', cmd('ns', 'x'.repeat(70)), cmd('ns', `${'x'.repeat(69)}y`)],
    ['other scripts', cmd('ns', '天气'), cmd('ns', '晴天')],
  ];

  it.each(pairs)('keeps commands apart: %s', (_label, a, b) => {
    const [na, nb] = [commandToolName(a), commandToolName(b)];
    expect(na).not.toBe(nb);
    expect(na).toMatch(TOOL_NAME);
    expect(nb).toMatch(TOOL_NAME);
  });

  it('keeps a plain name as it is and is stable', () => {
    expect(commandToolName(cmd('weather_kit', 'weather-now'))).toBe('weather_kit__weather-now');
    expect(commandToolName(cmd('ns', 'x'.repeat(70)))).toHaveLength(64);
    expect(commandToolName(cmd('ns', '天气'))).toBe(commandToolName(cmd('ns', '天气')));
  });
});

describe('exported parameter schemas are valid JSON Schema 2020-12', () => {
  function validator() {
    const ajv = new Ajv2020({ allErrors: true });
    ajv.addKeyword({ keyword: 'x-prompt-hint', schemaType: 'string' }); // an annotation for the model
    return ajv;
  }

  /** An arguments object the schema must accept: defaults, else the first choice or the lower bound. */
  function validArguments(schema: JsonSchema): Record<string, unknown> {
    const example = { string: 'text', integer: 2, number: 0.25, boolean: true };
    return Object.fromEntries(Object.entries(schema.properties).map(([name, p]) => [name, p.default ?? p.enum?.[0] ?? p.minimum ?? example[p.type]]));
  }

  it('validates each schema and checks arguments with it, as the command itself would', async () => {
    const ajv = validator();
    const list = tools({ level: CommandPermission.SUPER_USER });
    expect(list.length).toBeGreaterThan(0);
    for (const { function: fn } of list) {
      expect(ajv.validateSchema(fn.parameters), `${fn.name}: ${ajv.errorsText()}`).toBe(true);
      const check = ajv.compile(fn.parameters);
      const valid = validArguments(fn.parameters);
      expect(check(valid), `${fn.name}: ${ajv.errorsText(check.errors)}`).toBe(true);
      expect(check({ ...valid, notAnArgument: 1 })).toBe(false);
      const [first] = Object.keys(valid);
      if (first) expect(check({ ...valid, [first]: [] })).toBe(false);
    }
    // What the schema accepts, the command accepts.
    const weather = validArguments(tool(list, 'weather_kit:weather').function.parameters);
    expect((await run('weather_kit:weather', weather)).status).toBe('success');
  });

  it('rejects what the command would reject: range, choices, integer, required', () => {
    const check = validator().compile(tool(tools(), 'weather_kit:weather').function.parameters);
    expect(check({ ratio: 0.5, days: 7, unit: 'f', verbose: false, location: '上海' })).toBe(true);
    expect(check({ ratio: 0.5, days: 9 })).toBe(false);
    expect(check({ ratio: 0.5, days: 2.5 })).toBe(false);
    expect(check({ ratio: 0.5, unit: 'k' })).toBe(false);
    expect(check({ ratio: 1.5 })).toBe(false);
    expect(check({ days: 2 })).toBe(false);
  });
});

describe('executeCommandTool', () => {
  it('passes JSON arguments to the handler typed, as an explicit agent caller of the chat', async () => {
    const result = await run('weather_kit:weather', '{"location":"上海","days":5,"unit":"f","ratio":0.5}');
    expect(result).toEqual({ status: 'success', message: '上海: sunny', data: { days: 5 } });
    expect(calls).toHaveLength(1);
    const [{ ctx, args }] = calls as [(typeof calls)[number]];
    expect(args).toEqual({ location: '上海', days: 5, unit: 'f', verbose: false, ratio: 0.5 });
    expect(typeof args.days).toBe('number');
    expect(ctx).toMatchObject({ source: 'agent', userId: 'agent', userName: 'AI Agent', chatKey: CHAT, adapter: 'test', level: 'user', isSuperUser: false });
  });

  it('takes parsed arguments, a language and a user', async () => {
    const result = await run('weather_kit:weather', { ratio: 0 }, { lang: 'zh_CN', userId: 'gpt', userName: 'GPT' });
    expect(result.message).toBe('北京: 晴');
    expect(calls[0]!.ctx).toMatchObject({ userId: 'gpt', userName: 'GPT', lang: 'zh_CN' });
    expect(calls[0]!.args).toEqual({ location: '北京', days: 3, unit: 'c', verbose: false, ratio: 0 });
  });

  it('merges a streaming command into a process log and its final message', async () => {
    expect(await run('weather_kit:report', { topic: 'rain' })).toEqual({
      status: 'success',
      process_log: 'collecting rain\nsummarizing',
      message: 'report on rain',
      data: { pages: 3 },
    });
  });

  it('answers wrong argument types with invalid_args naming the argument, without running the handler', async () => {
    const result = await run('weather_kit:weather', { ratio: 0.5, days: 'many' });
    expect(result.status).toBe('invalid_args');
    expect(result.message).toContain('days');
    expect(result.data).toEqual({ argument: 'days' });
    expect((await run('weather_kit:weather', { ratio: 0.5, colour: 'red' })).status).toBe('invalid_args');
    expect((await run('weather_kit:weather', {})).message).toContain('ratio');
    expect(calls).toHaveLength(0);
  });

  it('answers arguments that are not JSON with invalid_args', async () => {
    const result = await run('weather_kit:weather', '{"days": 5');
    expect(result.status).toBe('invalid_args');
    expect(result.message).toMatch(/^Invalid argument: the arguments are not valid JSON/);
    expect((await run('weather_kit:weather', '[1, 2]')).status).toBe('invalid_args');
    expect((await run('weather_kit:pick', '')).status).toBe('waiting'); // models send "" for no arguments
  });

  it('checks the permission at the agent level: a super-user command is refused, never run silently as super', async () => {
    expect(app.config.commands.agentLevel).toBe('user');
    const refused = await run('weather_kit:shutdown', {});
    expect(refused.status).toBe('unauthorized');
    expect(refused.message).toContain('super user');
    expect((await run('weather_kit:shutdown', {}, { level: undefined })).status).toBe('unauthorized');
    expect(calls).toHaveLength(0);
    expect((await run('weather_kit:shutdown', {}, { level: CommandPermission.SUPER_USER })).status).toBe('success');
    expect(calls[0]!.ctx.isSuperUser).toBe(true);
  });

  it('reports a wait with its options, and starts no wait session (the agent cannot answer)', async () => {
    expect(await run('weather_kit:pick', {})).toEqual({ status: 'waiting', message: 'Pick a colour\nOptions: red / blue' });
    expect(app.commands.waits.has(CHAT, 'agent')).toBe(false);
  });

  it('turns an empty response stream into an error, in the caller language', async () => {
    expect(await run('weather_kit:quiet', {})).toEqual({ status: 'error', message: 'The command gave no response' });
    expect(await run('weather_kit:quiet', {}, { lang: 'zh_CN' })).toEqual({ status: 'error', message: '命令无响应' });
  });

  it('answers unknown and disabled tools', async () => {
    const unknown = await executeCommandTool(app.commands, { toolName: 'no_such__tool', arguments: '{}', chatKey: CHAT });
    expect(unknown).toEqual({ status: 'not_found', message: 'Unknown command: no_such__tool' });
    expect((await executeCommandTool(app.commands, { toolName: toolName('weather_kit:answer'), arguments: {}, chatKey: CHAT })).status).toBe('not_found');
    expect((await run('weather_kit:purge', {})).status).toBe('disabled');
    expect((await run('sleepy:nap', {})).status).toBe('disabled');
  });

  it('runs group commands by their tool name', async () => {
    await run('weather_kit:config.set', { key: 'model', value: 'gpt-4' });
    expect(calls).toEqual([expect.objectContaining({ command: 'config.set', args: { key: 'model', value: 'gpt-4' } })]);
  });
});

describe('a configured agent level', () => {
  it('is what tool calls are checked against', async () => {
    await app.stop();
    await start({ AGENT_COMMAND_PERMISSION: 'super_user' });
    const level = app.config.commands.agentLevel;
    expect(level).toBe('super_user');
    expect((await run('weather_kit:shutdown', {}, { level })).status).toBe('success');
    const exported = tools({ level }).map((t) => t.function.name);
    expect(exported).toContain(toolName('weather_kit:shutdown'));
  });
});
