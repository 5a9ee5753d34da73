import type { RegisteredCommand } from './command.js';
import type { CommandCaller } from './executor.js';
import { resolveText } from './i18n.js';
import type { CommandOverrides } from './overrides.js';
import { permits } from './permission.js';
import { LEVEL_NAMES, text } from './texts.js';

/** The commands a caller may run in their chat: visible, enabled, and within their permission. */
export function commandsFor(commands: readonly RegisteredCommand[], overrides: CommandOverrides, caller: CommandCaller): RegisteredCommand[] {
  return commands.filter(
    (c) =>
      !c.internal &&
      c.pluginEnabled() &&
      overrides.isEnabled(c.fullName, caller.chatKey) &&
      permits(caller.level, overrides.effectivePermission(c.fullName, caller.chatKey, c.permission)),
  );
}

/** The help list: commands grouped by (localized) category, each with its localized description. */
export function helpList(commands: readonly RegisteredCommand[], caller: CommandCaller, prefix: string): string {
  const lang = caller.lang;
  const groups = new Map<string, string[]>();
  for (const c of commands) {
    const category = resolveText(c.i18nCategory, lang, c.category);
    const line = `${prefix}${c.name} - ${resolveText(c.i18nDescription, lang, c.description)}`;
    groups.set(category, [...(groups.get(category) ?? []), line]);
  }
  const lines = [text('helpTitle', lang, { prefix })];
  for (const [category, entries] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`[${category}]`, ...entries.sort().map((e) => `  ${e}`));
  }
  lines.push(text('helpFooter', lang, { prefix }));
  return lines.join('\n');
}

/** One command in detail: description, usage, arguments, aliases and the permission it needs. */
export function helpDetail(command: RegisteredCommand, caller: CommandCaller, prefix: string, needed = command.permission): string {
  const lang = caller.lang;
  const lines = [`${prefix}${command.name} - ${resolveText(command.i18nDescription, lang, command.description)}`];
  lines.push(text('usage', lang, { usage: prefix + resolveText(command.i18nUsage, lang, command.usage) }));
  const args = Object.entries(command.args);
  if (args.length > 0) {
    lines.push(text('helpArgs', lang));
    for (const [name, spec] of args) {
      const facts = [spec.type, spec.required ? text('required', lang) : text('defaultIs', lang, { value: JSON.stringify(spec.default) })];
      if (spec.choices) facts.push(spec.choices.join('|'));
      if (spec.range) facts.push(`${spec.range[0]}..${spec.range[1]}`);
      lines.push(`  ${name} (${facts.join(', ')})${spec.description ? `: ${spec.description}` : ''}`);
    }
  }
  if (command.aliases.length > 0) lines.push(text('helpAliases', lang, { aliases: command.aliases.join(', ') }));
  lines.push(text('helpPermission', lang, { level: LEVEL_NAMES[needed]![lang] }));
  return lines.join('\n');
}
