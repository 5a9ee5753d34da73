import { afterEach, describe, expect, it } from 'vitest';
import { Arg, CmdCtl, CommandPermission } from '../../core/command/index.js';
import type { App } from '../../core/runtime/index.js';
import { startChat } from '../support/chat.js';
import { makePlugin } from '../support/plugins.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function withWeather(env: Record<string, string> = {}) {
  const c = await startChat(env);
  app = c.app;
  const p = makePlugin({ moduleName: 'weather' });
  p.mountCommand(
    {
      name: 'weather', description: 'Weather forecast', i18nDescription: { zh_CN: '查询天气', en_US: 'Weather forecast' },
      category: 'tools', i18nCategory: { zh_CN: '工具', en_US: 'tools' }, aliases: ['tq'],
      args: { city: Arg.str('city', { positional: true, default: '北京' }), days: Arg.int('days', { range: [1, 7], default: 3 }), unit: Arg.str('unit', { choices: ['c', 'f'] }) },
    },
    () => CmdCtl.success('ok'),
  );
  p.mountCommand({ name: 'secret_admin', description: 'only for admins', permission: CommandPermission.SUPER_USER, category: 'tools' }, () => CmdCtl.success('ok'));
  p.mountCommand({ name: 'hidden', description: 'internal', internal: true }, () => CmdCtl.success('ok'));
  await c.app.plugins.load(p);
  await c.app.plugins.enable(p.key);
  return c;
}

describe('/help', () => {
  it('lists what the caller may use, grouped by category', async () => {
    const { say } = await withWeather();
    const [help] = await say('/help');
    expect(help).toContain('[tools]\n  /weather - Weather forecast');
    expect(help).toContain('[basic]');
    expect(help).not.toContain('secret_admin');
    expect(help).not.toContain('hidden');
    expect(help).not.toContain('/plugins.list');
    expect(help).toContain('Send /help <command> for details.');
  });

  it('shows admin commands to super users', async () => {
    const { say } = await withWeather({ SUPER_USERS: 'test:root' });
    const [help] = await say('/help', { user: 'root' });
    expect(help).toContain('/secret_admin - only for admins');
    expect(help).toContain('/plugins.list - List plugins and their state');
  });

  it('explains one command with usage, arguments, aliases and permission', async () => {
    const { say } = await withWeather();
    expect(await say('/help weather')).toEqual([
      [
        '/weather - Weather forecast',
        'Usage: /weather [city] [days:<int 1..7>] <unit:<c|f>>',
        'Arguments:',
        '  city (str, default "北京"): city',
        '  days (int, default 3, 1..7): days',
        '  unit (str, required, c|f): unit',
        'Aliases: tq',
        'Permission: public',
      ].join('\n'),
    ]);
  });

  it('speaks the caller language', async () => {
    const { say } = await withWeather();
    const [help] = await say('/help', { language: 'zh-CN' });
    expect(help).toContain('可用命令 (前缀 /):');
    expect(help).toContain('[工具]\n  /weather - 查询天气');
    expect(help).toContain('[基础]');
    expect((await say('/帮助 weather', { language: 'zh' }))[0]).toContain('权限: 公开');
  });
});
