/**
 * The built-in commands: help, echo, reset, and the plugins and commands groups for super users.
 */
import { Arg, CmdCtl, CommandPermission, GLOBAL, helpDetail, helpList, commandsFor, isCommandPermission, LEVEL_NAMES, type CommandContext } from '../../../core/command/index.js';
import { isChatKey } from '../../../core/message/index.js';
import { Plugin } from '../../../core/plugin/index.js';

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
    // A plugin is on or off for every chat: said so, as every override's reply says where it applied.
    const everywhere = name === 'reload' ? '' : zh(ctx) ? ' (所有会话)' : ' (every chat)';
    return CmdCtl.success(zh(ctx) ? `已${zhName} ${key}${everywhere}` : `${done} ${key}${everywhere}`);
  });
}

const commands = plugin.mountCommandGroup({
  name: 'commands',
  description: 'Manage commands per chat or everywhere',
  permission: CommandPermission.SUPER_USER,
  category: 'admin',
});

// Positional, so the documented `/commands.permission echo advanced global` means what it says; `scope:global`
// works too. (The parser refuses a word no argument takes, so a misplaced scope is an error, never ignored.)
const scopeArg = Arg.str('where: this (the current chat), global (every chat), or a chat key', { positional: true, default: 'this' });
function scopeOf(ctx: CommandContext, scope: string): string | undefined {
  if (scope === 'this') return ctx.chatKey;
  if (scope === 'global') return GLOBAL;
  return isChatKey(scope) ? scope : undefined;
}

/** Where an override applied, said in every reply: "this chat (key)", "chat key" or "every chat". */
function scopeText(ctx: CommandContext, where: string): string {
  if (where === GLOBAL) return zh(ctx) ? '所有会话' : 'every chat';
  if (where === ctx.chatKey) return zh(ctx) ? `当前会话 (${where})` : `this chat (${where})`;
  return zh(ctx) ? `会话 ${where}` : `chat ${where}`;
}

function badScope(ctx: CommandContext, scope: string) {
  return CmdCtl.failed(zh(ctx) ? `范围必须是 this、global 或会话标识, 收到 "${scope}"` : `scope must be this, global or a chat key, got "${scope}"`);
}

/** After a global change: the chats whose own override keeps them doing otherwise. */
function exceptions(ctx: CommandContext, chats: readonly string[]): string {
  if (chats.length === 0) return '';
  const shown = chats.length > 3 ? `${chats.slice(0, 3).join(', ')}, …` : chats.join(', ');
  return zh(ctx) ? `; ${chats.length} 个会话保留自己的设置: ${shown}` : `; ${chats.length} chat(s) keep their own setting: ${shown}`;
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
      if (!where) return badScope(ctx, scope);
      const fullName = found.command.fullName;
      await service.overrides.setEnabled(fullName, where, enabled);
      const note = where === GLOBAL ? exceptions(ctx, service.overrides.chatsDiffering('enabled', fullName, enabled)) : '';
      const done = zh(ctx) ? `已在${scopeText(ctx, where)}${enabled ? '启用' : '禁用'} ${fullName}` : `${fullName} ${enabled ? 'enabled' : 'disabled'} in ${scopeText(ctx, where)}`;
      return CmdCtl.success(done + note, { command: fullName, scope: where, enabled });
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
    if (!where) return badScope(ctx, scope);
    const { fullName, permission: declared } = found.command;
    await service.overrides.setPermission(fullName, where, isCommandPermission(level) ? level : undefined, declared);
    const now = service.overrides.effectivePermission(fullName, where === GLOBAL ? '' : where, declared);
    const note = where === GLOBAL ? exceptions(ctx, service.overrides.chatsDiffering('permission', fullName, now)) : '';
    const done = zh(ctx)
      ? `${fullName} 在${scopeText(ctx, where)}需要 ${LEVEL_NAMES[now]!.zh_CN} 权限`
      : `${fullName} needs ${now} in ${scopeText(ctx, where)}`;
    return CmdCtl.success(done + note, { command: fullName, scope: where, permission: now });
  },
);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export default plugin;
