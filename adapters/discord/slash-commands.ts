import { CommandPermission, type NativeArg, type NativeCommand } from '../../core/command/index.js';
import type { WireOption } from './wire.js';

/** A command as the adapter publishes it: the native menu entry and the level it needs. */
export interface SlashSource extends NativeCommand {
  permission: CommandPermission;
}

/** One application command of the bulk-overwrite payload (Discord: Application Command Object, CHAT_INPUT). */
export type ApplicationCommandJson = Record<string, unknown> & { name: string };

/** How an invocation finds its command: the full name, and each Discord option name's argument. */
export interface SlashRoute {
  fullName: string;
  args: ReadonlyMap<string, string>;
}

export interface SlashCommandSet {
  payload: ApplicationCommandJson[];
  /** By invocation path: `name`, `name sub` or `name group sub`. */
  routes: ReadonlyMap<string, SlashRoute>;
  /** Full names of commands Discord cannot take (over its limits, or a name another command already has). */
  dropped: string[];
}

// Discord's limits (Application Commands → Limits / Registering a Command).
const MAX_COMMANDS = 100;
const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;
const MAX_TEXT = 100;
const MAX_NAME = 32;
/** The option types of chat input commands (Application Command Option Type). */
const OPTION_TYPE = { SUB_COMMAND: 1, SUB_COMMAND_GROUP: 2, STRING: 3, INTEGER: 4, BOOLEAN: 5, NUMBER: 10 } as const;
const ARG_TYPE: Record<NativeArg['type'], number> = { str: OPTION_TYPE.STRING, int: OPTION_TYPE.INTEGER, float: OPTION_TYPE.NUMBER, bool: OPTION_TYPE.BOOLEAN };
const RANK: Record<CommandPermission, number> = { public: 0, user: 1, advanced: 2, super_user: 3 };
/** `default_member_permissions`: ADVANCED needs Manage Server, SUPER_USER is hidden from all but administrators ("0"). */
const MEMBER_PERMISSIONS: Partial<Record<CommandPermission, string>> = { advanced: String(1 << 5), super_user: '0' };

/** A name part in Discord's form: lowercase letters, digits, `-` and `_`, 1–32 characters. */
export function discordName(name: string): string {
  return name.toLowerCase().replace(/[^-_\p{L}\p{N}]/gu, '_').slice(0, MAX_NAME) || '_';
}

function clip(text: string, fallback: string): string {
  const t = text.trim() || fallback;
  return t.length <= MAX_TEXT ? t : `${t.slice(0, MAX_TEXT - 1)}…`;
}

interface Entry {
  path: string[];
  en: SlashSource;
  zh: SlashSource | undefined;
}

/**
 * The app's commands as Discord application commands. `a.b` becomes subcommand `b` of `a`, `a.b.c`
 * subcommand `c` of group `b`; a name that cannot nest (deeper, or a command that is also a parent) gets a
 * flat name (`a_b`). Arguments become typed options (required first), with choices and ranges; descriptions
 * are English with an `en-US` and `zh-CN` localization. SUPER_USER commands carry
 * `default_member_permissions: "0"` and ADVANCED ones Manage Server, so Discord hides them from members who
 * could not run them (a parent takes its least demanding subcommand's); the executor still checks.
 */
export function buildSlashCommands(en: readonly SlashSource[], zh: readonly SlashSource[]): SlashCommandSet {
  const zhByName = new Map(zh.map((c) => [c.fullName, c]));
  const entries = en.map((c): Entry => ({ path: pathOf(c.name), en: c, zh: zhByName.get(c.fullName) }));
  for (const e of entries) {
    // A command that is also a parent cannot be invoked on Discord: its children take flat names instead.
    if (e.path.length > 1 && entries.some((o) => o.path.length === 1 && o.path[0] === e.path[0])) e.path = [flat(e.path)];
    else if (e.path.length > 2 && entries.some((o) => o.path.length === 2 && `${o.path[0]} ${o.path[1]}` === `${e.path[0]} ${e.path[1]}`)) e.path = [e.path[0]!, flat(e.path.slice(1))];
  }
  const routes = new Map<string, SlashRoute>();
  const dropped: string[] = [];
  const tops = new Map<string, Entry[]>();
  for (const e of entries) {
    const key = e.path.join(' ');
    if (routes.has(key)) {
      dropped.push(e.en.fullName);
      continue;
    }
    const top = tops.get(e.path[0]!) ?? [];
    if (!tops.has(e.path[0]!) && tops.size >= MAX_COMMANDS) {
      dropped.push(e.en.fullName);
      continue;
    }
    tops.set(e.path[0]!, [...top, e]);
    routes.set(key, { fullName: e.en.fullName, args: new Map() });
  }
  const payload = [...tops.entries()].map(([name, list]) => topCommand(name, list, routes, dropped));
  return { payload, routes, dropped };
}

function pathOf(name: string): string[] {
  const parts = name.split('.').filter(Boolean).map(discordName);
  return parts.length <= 3 ? parts : [flat(parts)];
}

function flat(parts: readonly string[]): string {
  return discordName(parts.join('_'));
}

function topCommand(name: string, list: Entry[], routes: Map<string, SlashRoute>, dropped: string[]): ApplicationCommandJson {
  const level = list.reduce((low, e) => (RANK[e.en.permission] < RANK[low] ? e.en.permission : low), list[0]!.en.permission);
  const permissions = MEMBER_PERMISSIONS[level];
  const base = { name, ...(permissions !== undefined ? { default_member_permissions: permissions } : {}) };
  const leaf = list.find((e) => e.path.length === 1);
  if (leaf) return { ...base, ...described(leaf), options: optionsOf(leaf, routes) };
  // At most 25 subcommands and groups under a command, and 25 subcommands in a group; the rest is dropped.
  const slots = new Map<string, Record<string, unknown> & { options: Record<string, unknown>[] }>();
  for (const e of list) {
    const sub = { type: OPTION_TYPE.SUB_COMMAND, name: e.path.at(-1)!, ...described(e), options: optionsOf(e, routes) };
    const slot = e.path[1]!;
    const group = e.path.length === 3 ? slots.get(slot) : undefined;
    const fits = e.path.length === 2 ? !slots.has(slot) && slots.size < MAX_OPTIONS : group ? group.options.length < MAX_OPTIONS : slots.size < MAX_OPTIONS;
    if (!fits) {
      routes.delete(e.path.join(' '));
      dropped.push(e.en.fullName);
      continue;
    }
    if (e.path.length === 2) slots.set(slot, sub);
    else if (group) group.options.push(sub);
    else slots.set(slot, { type: OPTION_TYPE.SUB_COMMAND_GROUP, name: slot, description: clip(`${name} ${slot}`, slot), options: [sub] });
  }
  const options = [...slots.values()];
  return { ...base, description: clip(options.map((o) => o.name).join(', '), name), options };
}

function described(e: Entry): { description: string; description_localizations: Record<string, string> } {
  const en = clip(e.en.description, e.en.name);
  return { description: en, description_localizations: { 'en-US': en, ...(e.zh ? { 'zh-CN': clip(e.zh.description, e.zh.name) } : {}) } };
}

function optionsOf(e: Entry, routes: Map<string, SlashRoute>): Record<string, unknown>[] {
  const args = routes.get(e.path.join(' '))!.args as Map<string, string>;
  // Discord: required options come before optional ones.
  const ordered = [...e.en.args.filter((a) => a.required), ...e.en.args.filter((a) => !a.required)].slice(0, MAX_OPTIONS);
  return ordered.map((a) => {
    let name = discordName(a.name);
    for (let n = 2; args.has(name); n++) name = discordName(`${a.name}_${n}`);
    args.set(name, a.name);
    return optionOf(a, name);
  });
}

function optionOf(a: NativeArg, name: string): Record<string, unknown> {
  const o: Record<string, unknown> = { type: ARG_TYPE[a.type], name, description: clip(a.description, a.name), required: a.required };
  if (a.choices && a.choices.length > 0 && a.choices.length <= MAX_CHOICES && a.type !== 'bool') {
    const values = a.choices.map((c) => (a.type === 'str' ? c : Number(c)));
    const valid = values.every((v) => (typeof v === 'string' ? v.length <= MAX_TEXT : a.type === 'int' ? Number.isInteger(v) : Number.isFinite(v)));
    if (valid) o.choices = a.choices.map((c, i) => ({ name: clip(c, String(values[i])), value: values[i] }));
  }
  if (a.range && (a.type === 'int' || a.type === 'float')) {
    o.min_value = a.range[0];
    o.max_value = a.range[1];
  }
  return o;
}

/** The command and typed argument values an interaction's `data` names, or undefined for none of ours. */
export function invocationOf(set: SlashCommandSet, data: { name?: string | undefined; options?: WireOption[] | undefined }): { fullName: string; values: Record<string, unknown> } | undefined {
  const path = [data.name ?? ''];
  let leaf = data.options ?? [];
  const first = leaf[0];
  if (first?.type === OPTION_TYPE.SUB_COMMAND_GROUP) {
    const sub = first.options?.[0];
    path.push(first.name, sub?.name ?? '');
    leaf = sub?.options ?? [];
  } else if (first?.type === OPTION_TYPE.SUB_COMMAND) {
    path.push(first.name);
    leaf = first.options ?? [];
  }
  const route = set.routes.get(path.join(' '));
  if (!route) return undefined;
  const values: Record<string, unknown> = {};
  for (const o of leaf) {
    const arg = route.args.get(o.name);
    if (arg !== undefined && o.value !== undefined) values[arg] = o.value;
  }
  return { fullName: route.fullName, values };
}
