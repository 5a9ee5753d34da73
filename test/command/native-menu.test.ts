import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Arg, CmdCtl, CommandPermission, listNativeCommands, nativeInvocation, type CommandCaller, type ExecutionResponse, type Lang, type NativeCommand } from '../../core/command/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makePlugin } from '../support/plugins.js';

const CHAT = 'test-group_7';
let app: App;
let received: Record<string, unknown>[];

beforeEach(async () => {
  received = [];
  ({ app } = makeTestApp({}, { builtinPluginDirs: [] }));
  await app.start();
  const kit = makePlugin({ moduleName: 'menu_kit' });
  kit.mountCommand(
    {
      name: 'weather',
      description: 'Weather forecast',
      i18nDescription: { en_US: 'Weather forecast', zh_CN: '查询天气' },
      args: {
        city: Arg.str('city', { positional: true, default: 'Paris' }),
        days: Arg.int('days', { range: [1, 7], default: 3 }),
        unit: Arg.str('unit', { choices: ['c', 'f'], default: 'c' }),
        note: Arg.str('note', { greedy: true }),
      },
    },
    async (_ctx, args) => {
      received.push(args);
      return CmdCtl.success(`${args.city}, ${args.days} days`);
    },
  );
  kit.mountCommandGroup({ name: 'config', description: 'Settings' }).command({ name: 'set', description: 'Set a setting' }, async () => CmdCtl.success('set'));
  kit.mountCommand({ name: 'shutdown', description: 'Stop the bot', permission: CommandPermission.SUPER_USER }, async () => CmdCtl.success('bye'));
  kit.mountCommand({ name: 'answer', description: 'wait callback', internal: true }, async () => CmdCtl.success('ok'));
  await app.plugins.load(kit);
  await app.plugins.enable(kit.key);
  const off = makePlugin({ moduleName: 'menu_off' });
  off.mountCommand({ name: 'nap', description: 'Never listed' }, async () => CmdCtl.success('zzz'));
  await app.plugins.load(off); // third-party: loaded disabled
});
afterEach(async () => app?.stop());

const menu = (lang: Lang, chatKey?: string) =>
  listNativeCommands(app.commands.registry.list({ includeInternal: true }), app.commands.overrides, { lang, ...(chatKey ? { chatKey } : {}) });

function entry(list: NativeCommand[], fullName: string): NativeCommand {
  const found = list.find((c) => c.fullName === fullName);
  if (!found) throw new Error(`${fullName} is not in the menu`);
  return found;
}

describe('listNativeCommands', () => {
  it('lists visible commands of enabled plugins with their arguments, whatever permission they need', () => {
    const list = menu('en_US');
    expect(list.map((c) => c.fullName).sort()).toEqual(['menu_kit:config.set', 'menu_kit:shutdown', 'menu_kit:weather']);
    expect(entry(list, 'menu_kit:weather')).toEqual({
      fullName: 'menu_kit:weather',
      name: 'weather',
      description: 'Weather forecast',
      permission: 'public',
      args: [
        { name: 'city', type: 'str', description: 'city', required: false, positional: true, greedy: false },
        { name: 'days', type: 'int', description: 'days', required: false, range: [1, 7], positional: false, greedy: false },
        { name: 'unit', type: 'str', description: 'unit', required: false, choices: ['c', 'f'], positional: false, greedy: false },
        { name: 'note', type: 'str', description: 'note', required: true, positional: false, greedy: true },
      ],
    });
    expect(entry(list, 'menu_kit:config.set')).toEqual({ fullName: 'menu_kit:config.set', name: 'config.set', description: 'Set a setting', permission: 'public', args: [] });
    expect(entry(list, 'menu_kit:shutdown').permission).toBe('super_user');
  });

  it('gives each command the level it needs, overrides applied, globally or in the chat', async () => {
    await app.commands.overrides.setPermission('menu_kit:weather', '*', CommandPermission.ADVANCED, CommandPermission.PUBLIC);
    await app.commands.overrides.setPermission('menu_kit:shutdown', CHAT, CommandPermission.ADVANCED, CommandPermission.SUPER_USER);
    expect(entry(menu('en_US'), 'menu_kit:weather').permission).toBe('advanced');
    expect(entry(menu('en_US'), 'menu_kit:shutdown').permission).toBe('super_user');
    expect(entry(menu('en_US', CHAT), 'menu_kit:shutdown').permission).toBe('advanced');
  });

  it('localizes descriptions, falling back to the declared one', () => {
    expect(entry(menu('zh_CN'), 'menu_kit:weather').description).toBe('查询天气');
    expect(entry(menu('en_US'), 'menu_kit:weather').description).toBe('Weather forecast');
    expect(entry(menu('zh_CN'), 'menu_kit:shutdown').description).toBe('Stop the bot');
  });

  it('leaves out commands disabled in the chat, or everywhere', async () => {
    await app.commands.overrides.setEnabled('menu_kit:shutdown', CHAT, false);
    expect(menu('en_US', CHAT).map((c) => c.fullName)).not.toContain('menu_kit:shutdown');
    expect(menu('en_US', 'test-group_other').map((c) => c.fullName)).toContain('menu_kit:shutdown');
    expect(menu('en_US').map((c) => c.fullName)).toContain('menu_kit:shutdown');

    await app.commands.overrides.setEnabled('menu_kit:config.set', '*', false);
    expect(menu('en_US').map((c) => c.fullName)).not.toContain('menu_kit:config.set');
    expect(menu('en_US', CHAT).map((c) => c.fullName)).not.toContain('menu_kit:config.set');
  });

  it('reflects plugin state when listed, and registry.onChange tells adapters when commands come and go', async () => {
    const changes: string[][] = [];
    app.commands.registry.onChange(() => changes.push(app.commands.registry.list().map((c) => c.fullName)));
    const late = makePlugin({ moduleName: 'menu_late', isBuiltin: true });
    late.mountCommand({ name: 'ping', description: 'Pong' }, async () => CmdCtl.success('pong'));
    await app.plugins.load(late);
    expect(changes.at(-1)).toContain('menu_late:ping');
    expect(menu('en_US').map((c) => c.name)).toContain('ping');

    await app.plugins.disable(late.key);
    expect(menu('en_US').map((c) => c.name)).not.toContain('ping');
    await app.plugins.enable(app.plugins.list().find((p) => p.key.endsWith('.menu_off'))!.key);
    expect(menu('en_US').map((c) => c.name)).toContain('nap');

    await app.plugins.unload(late.key);
    expect(changes.at(-1)).not.toContain('menu_late:ping');
  });
});

describe('nativeInvocation', () => {
  const caller: CommandCaller = { userId: 'u1', userName: 'Ann', chatKey: CHAT, adapter: 'test', level: CommandPermission.USER, lang: 'en_US', source: 'native' };

  async function collect(responses: AsyncIterable<ExecutionResponse>): Promise<ExecutionResponse[]> {
    const out: ExecutionResponse[] = [];
    for await (const r of responses) out.push(r);
    return out;
  }

  it('maps values by argument name to a JSON call of the full name', () => {
    const weather = entry(menu('en_US'), 'menu_kit:weather');
    expect(nativeInvocation(weather, { city: 'Oslo', days: 2, unit: undefined, note: 'hi there' }, caller)).toEqual({
      name: 'menu_kit:weather',
      json: { city: 'Oslo', days: 2, note: 'hi there' },
      caller,
    });
  });

  it('runs the command with the typed values and the defaults of the others', async () => {
    const weather = entry(menu('en_US'), 'menu_kit:weather');
    const [response] = await collect(app.commands.execute(nativeInvocation(weather, { city: 'Oslo', days: 2, note: 'a b  c' }, caller)));
    expect(response).toMatchObject({ status: 'success', message: 'Oslo, 2 days' });
    expect(received).toEqual([{ city: 'Oslo', days: 2, unit: 'c', note: 'a b  c' }]);
  });

  it('leaves checks to the executor: ranges, required arguments and permission', async () => {
    const list = menu('en_US');
    const weather = entry(list, 'menu_kit:weather');
    const [outOfRange] = await collect(app.commands.execute(nativeInvocation(weather, { days: 9, note: 'x' }, caller)));
    expect(outOfRange).toMatchObject({ status: 'invalid_args' });
    const [missing] = await collect(app.commands.execute(nativeInvocation(weather, {}, caller)));
    expect(missing).toMatchObject({ status: 'invalid_args' });
    const [refused] = await collect(app.commands.execute(nativeInvocation(entry(list, 'menu_kit:shutdown'), {}, caller)));
    expect(refused).toMatchObject({ status: 'unauthorized' });
    expect(received).toEqual([]);
  });

  it('runs a group command by its full name even when its short name is shared', async () => {
    const other = makePlugin({ moduleName: 'menu_twin', isBuiltin: true });
    other.mountCommandGroup({ name: 'config', description: 'More settings' }).command({ name: 'set', description: 'Another set' }, async () => CmdCtl.success('twin'));
    await app.plugins.load(other);
    const [response] = await collect(app.commands.execute(nativeInvocation(entry(menu('en_US'), 'menu_kit:config.set'), {}, caller)));
    expect(response).toMatchObject({ status: 'success', message: 'set' });
  });
});
