import { afterEach, describe, expect, it } from 'vitest';
import { Arg, CmdCtl } from '../../core/command/index.js';
import type { App } from '../../core/runtime/index.js';
import { startChat } from '../support/chat.js';
import { makePlugin } from '../support/plugins.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function asAdmin() {
  const c = await startChat({ SUPER_USERS: 'test:root' });
  app = c.app;
  const root = { user: 'root' };
  return { ...c, root, overrides: async () => (await c.app.store.kv.list({ pluginKey: '__commands__' })).map((e) => `${e.key}=${e.value}`).sort() };
}

describe('/commands.* scopes', () => {
  it('sets the global override with the README form `/commands.permission echo advanced global`', async () => {
    const { say, root, overrides } = await asAdmin();
    expect(await say('/commands.permission echo advanced global', root)).toEqual(['built_in:echo needs advanced in every chat']);
    expect(await overrides()).toEqual(['perm|*|built_in:echo=advanced']);
    // Every chat, not only the admin's.
    expect(await say('/echo hi', { chat: 'elsewhere' })).toEqual(['Permission denied: echo needs advanced']);
    expect(await say('/echo hi', { chat: 'g', chatType: 'group', role: 'admin' })).toEqual(['hi']);
  });

  it('keeps scope:global working, and names the chat for this chat and for another chat', async () => {
    const { say, root, overrides } = await asAdmin();
    expect(await say('/commands.permission echo super_user scope:global', root)).toEqual(['built_in:echo needs super_user in every chat']);
    expect(await say('/commands.permission echo user', root)).toEqual(['built_in:echo needs user in this chat (test-private_c1)']);
    expect(await say('/commands.permission echo public test-group_g', root)).toEqual(['built_in:echo needs public in chat test-group_g']);
    expect(await overrides()).toEqual(['perm|*|built_in:echo=super_user', 'perm|test-group_g|built_in:echo=public', 'perm|test-private_c1|built_in:echo=user']);
  });

  it('says where /commands.enable and /commands.disable applied, and which chats a global change does not reach', async () => {
    const { say, root, overrides } = await asAdmin();
    expect(await say('/commands.enable echo', root)).toEqual(['built_in:echo enabled in this chat (test-private_c1)']);
    expect(await say('/commands.disable echo global', root)).toEqual([
      'built_in:echo disabled in every chat; 1 chat(s) keep their own setting: test-private_c1',
    ]);
    expect(await say('/echo hi', { chat: 'other' })).toEqual(['Command disabled: echo']);
    expect(await say('/commands.disable echo scope:test-private_c1', root)).toEqual(['built_in:echo disabled in this chat (test-private_c1)']);
    expect(await overrides()).toEqual(['enabled|*|built_in:echo=0', 'enabled|test-private_c1|built_in:echo=0']);
  });

  it('answers in Chinese for a Chinese caller', async () => {
    const { say } = await asAdmin();
    const zh = { user: 'root', language: 'zh-hans' };
    expect(await say('/commands.disable echo global', zh)).toEqual(['已在所有会话禁用 built_in:echo']);
    expect(await say('/commands.permission echo advanced', zh)).toEqual(['built_in:echo 在当前会话 (test-private_c1)需要 高级 权限']);
    expect(await say('/commands.permission echo advanced nowhere', zh)).toEqual(['范围必须是 this、global 或会话标识, 收到 "nowhere"']);
  });

  it('says a plugin is switched for every chat', async () => {
    const { say, root, app: a } = await asAdmin();
    const p = makePlugin();
    await a.plugins.load(p);
    expect(await say(`/plugins.enable ${p.key}`, root)).toEqual([`enabled ${p.key} (every chat)`]);
    expect(await say(`/plugins.disable ${p.key}`, root)).toEqual([`disabled ${p.key} (every chat)`]);
  });
});

describe('words no argument takes', () => {
  it('are an invalid_args error naming the word, with the usage, for built-in commands', async () => {
    const { say, root, overrides } = await asAdmin();
    expect(await say('/commands.disable echo global now', root)).toEqual([
      'Invalid argument: Too many arguments: "now" (positional arguments: command, scope)\nUsage: commands.disable <command> [scope]',
    ]);
    expect(await say('/plugins.list all', root)).toEqual(['Invalid argument: Too many arguments: "all" (positional arguments: none)\nUsage: plugins.list']);
    expect(await say('/plugins.list all', { ...root, language: 'zh' })).toEqual(['参数错误: 多余的参数: "all" (位置参数: 无)\n用法: plugins.list']);
    expect(await overrides()).toEqual([]);
  });

  it('still let every built-in command and README example parse', async () => {
    const { say, root } = await asAdmin();
    expect(await say('/echo 你好 世界')).toEqual(['你好 世界']);
    expect((await say('/help echo'))[0]).toContain('/echo - Say the text back');
    expect((await say('/help'))[0]).toContain('/echo');
    expect((await say('/plugins.list', root))[0]).toContain('nekomata.built_in');
    expect(await say('/plugins.reload nekomata.built_in', root)).toEqual(['reloaded nekomata.built_in']);
    expect(await say('/commands.disable echo', root)).toEqual(['built_in:echo disabled in this chat (test-private_c1)']);
    expect(await say('/commands.permission echo advanced global', root)).toEqual(['built_in:echo needs advanced in every chat']);
    expect((await say('/reset', root))[0]).toMatch(/^Reset test-private_c1/);
  });

  it('are not handed to a wait callback that has no place for them', async () => {
    const c = await startChat();
    app = c.app;
    const p = makePlugin();
    p.mountCommand({ name: 'confirm', description: 'confirm' }, () => CmdCtl.wait('Sure?', 'confirmed', { contextData: { table: 7, extra: 'x' } }));
    p.mountCommand({ name: 'confirmed', description: 'done', internal: true, args: { table: Arg.int('table') } }, (_ctx, { table }) => CmdCtl.success(`table ${table}`));
    await c.app.plugins.load(p);
    await c.app.plugins.enable(p.key);
    expect(await c.say('/confirm')).toEqual(['Sure?']);
    expect(await c.say('yes please')).toEqual(['table 7']);
  });
});
