/**
 * The built-in commands: help, echo, reset, and the plugins and commands groups for super users.
 */
import {
  Arg,
  CmdCtl,
  CommandPermission,
  GLOBAL,
  helpDetail,
  helpList,
  commandsFor,
  isChatKey,
  isCommandPermission,
  Plugin,
  type CommandContext,
} from '../../../core/index.js';

const plugin = new Plugin({
  name: 'Built-in commands',
  moduleName: 'built_in',
  description: 'help, echo, reset, and plugin and command management',
  version: '1.0.0',
  author: 'nekomata',
  url: 'https://github.com/nekomata',
  isBuiltin: true,
});

const zh = (ctx: CommandContext) => ctx.lang === 'zh_CN';

plugin.mountCommand(
  {
    name: 'help',
    description: 'List the commands you can use, or explain one',
    i18nDescription: { zh_CN: '列出可用命令, 或查看某个命令的说明', en_US: 'List the commands you can use, or explain one' },
    aliases: ['帮助'],
    category: 'basic',
    i18nCategory: { zh_CN: '基础', en_US: 'basic' },
    args: { command: Arg.str('command name', { positional: true, default: '' }) },
  },
  async (ctx, { command }) => {
    const commands = plugin.services.commands;
    const prefix = commands.prefixFor(ctx.adapter);
    if (command) {
      const found = commands.registry.resolve(command.replace(new RegExp(`^${escapeRegExp(prefix)}`), ''));
      if (found.kind !== 'found' || found.command.internal) {
        return CmdCtl.failed(zh(ctx) ? `没有命令 ${command}` : `No command named ${command}`);
      }
      const needed = commands.overrides.effectivePermission(found.command.fullName, ctx.chatKey, found.command.permission);
      return CmdCtl.success(helpDetail(found.command, ctx, prefix, needed));
    }
    return CmdCtl.success(helpList(commandsFor(commands.registry.list(), commands.overrides, ctx), ctx, prefix));
  },
);

plugin.mountCommand(
  {
    name: 'echo',
    description: 'Say the text back',
    i18nDescription: { zh_CN: '原样返回文本', en_US: 'Say the text back' },
    category: 'basic',
    i18nCategory: { zh_CN: '基础', en_US: 'basic' },
    args: { text: Arg.str('text to say', { greedy: true }) },
  },
  async (_ctx, { text }) => CmdCtl.success(text),
);

plugin.mountCommand(
  {
    name: 'reset',
    description: 'Clear this chat: its buffer, history and plugin state',
    i18nDescription: { zh_CN: '重置当前会话: 清空缓冲、历史和插件状态', en_US: 'Clear this chat: its buffer, history and plugin state' },
    permission: CommandPermission.ADVANCED,
    category: 'basic',
    i18nCategory: { zh_CN: '基础', en_US: 'basic' },
    args: { chatKey: Arg.str('another chat to reset (super users only)', { positional: true, default: '' }) },
  },
  async (ctx, { chatKey }) => {
    const target = chatKey || ctx.chatKey;
    if (target !== ctx.chatKey && !ctx.isSuperUser) {
      return CmdCtl.failed(zh(ctx) ? '只能重置当前会话' : 'You can only reset the current chat');
    }
    if (!isChatKey(target)) return CmdCtl.failed(zh(ctx) ? `无效的会话: ${target}` : `Not a chat key: ${target}`);
    const r = await plugin.services.resetChannel(target, `command by ${ctx.adapter}:${ctx.userId}`);
    return CmdCtl.success(
      zh(ctx) ? `已重置 ${target} (当前会话 ${r.archived} 条消息已归档)` : `Reset ${target} (${r.archived} messages archived)`,
      r,
    );
  },
);

const plugins = plugin.mountCommandGroup({
  name: 'plugins',
  description: 'Manage plugins',
  permission: CommandPermission.SUPER_USER,
  category: 'admin',
});

plugins.command({ name: 'list', description: 'List plugins and their state', i18nDescription: { zh_CN: '列出插件及其状态', en_US: 'List plugins and their state' } }, async () => {
  const list = plugin.services.plugins.list();
  const lines = list.map((p) => `${p.state === 'enabled' ? '●' : p.state === 'failed' ? '✗' : '○'} ${p.key} ${p.version} (${p.state})${p.error ? `: ${p.error.message}` : ''}`);
  return CmdCtl.success(lines.join('\n') || 'no plugins', list.map((p) => ({ key: p.key, state: p.state })));
});

const keyArg = { key: Arg.str('plugin key, author.moduleName', { positional: true }) };
for (const [name, done, zhName, run] of [
  ['enable', 'enabled', '启用', (key: string) => plugin.services.plugins.enable(key)],
  ['disable', 'disabled', '停用', (key: string) => plugin.services.plugins.disable(key)],
  ['reload', 'reloaded', '重载', (key: string) => plugin.services.plugins.reload(key)],
] as const) {
  plugins.command({ name, description: `${name[0]!.toUpperCase()}${name.slice(1)} a plugin`, i18nDescription: { zh_CN: `${zhName}插件`, en_US: `${name[0]!.toUpperCase()}${name.slice(1)} a plugin` }, args: keyArg }, async (ctx, { key }) => {
    if (key === plugin.key && name !== 'reload') return CmdCtl.failed(zh(ctx) ? '不能停用内置命令插件' : 'The built-in commands cannot be switched off');
    await run(key);
    return CmdCtl.success(zh(ctx) ? `已${zhName} ${key}` : `${done} ${key}`);
  });
}

const commands = plugin.mountCommandGroup({
  name: 'commands',
  description: 'Manage commands per chat or everywhere',
  permission: CommandPermission.SUPER_USER,
  category: 'admin',
});

const scopeArg = Arg.str('where: this (the current chat), global, or a chat key', { default: 'this' });
function scopeOf(ctx: CommandContext, scope: string): string | undefined {
  if (scope === 'this') return ctx.chatKey;
  if (scope === 'global') return GLOBAL;
  return isChatKey(scope) ? scope : undefined;
}

for (const enabled of [true, false]) {
  const name = enabled ? 'enable' : 'disable';
  commands.command(
    { name, description: `${enabled ? 'Enable' : 'Disable'} a command`, i18nDescription: { zh_CN: `${enabled ? '启用' : '禁用'}命令`, en_US: `${enabled ? 'Enable' : 'Disable'} a command` }, args: { command: Arg.str('command name', { positional: true }), scope: scopeArg } },
    async (ctx, { command, scope }) => {
      const service = plugin.services.commands;
      const found = service.registry.resolve(command);
      if (found.kind !== 'found') return CmdCtl.failed(zh(ctx) ? `没有命令 ${command}` : `No command named ${command}`);
      const where = scopeOf(ctx, scope);
      if (!where) return CmdCtl.failed(`scope must be this, global or a chat key, got "${scope}"`);
      await service.overrides.setEnabled(found.command.fullName, where, enabled);
      return CmdCtl.success(`${found.command.fullName} ${enabled ? 'enabled' : 'disabled'} (${where === GLOBAL ? 'global' : where})`);
    },
  );
}

commands.command(
  {
    name: 'permission',
    description: 'Set the permission a command needs (or "default" to remove the override)',
    i18nDescription: { zh_CN: '设置命令所需权限 (default 恢复默认)', en_US: 'Set the permission a command needs' },
    args: {
      command: Arg.str('command name', { positional: true }),
      level: Arg.str('public, user, advanced, super_user or default', { positional: true, choices: ['public', 'user', 'advanced', 'super_user', 'default'] }),
      scope: scopeArg,
    },
  },
  async (ctx, { command, level, scope }) => {
    const service = plugin.services.commands;
    const found = service.registry.resolve(command);
    if (found.kind !== 'found') return CmdCtl.failed(zh(ctx) ? `没有命令 ${command}` : `No command named ${command}`);
    const where = scopeOf(ctx, scope);
    if (!where) return CmdCtl.failed(`scope must be this, global or a chat key, got "${scope}"`);
    await service.overrides.setPermission(found.command.fullName, where, isCommandPermission(level) ? level : undefined, found.command.permission);
    const now = service.overrides.effectivePermission(found.command.fullName, where === GLOBAL ? '' : where, found.command.permission);
    return CmdCtl.success(`${found.command.fullName} needs ${now} (${where === GLOBAL ? 'global' : where})`);
  },
);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export default plugin;
