import type { ArgType } from './args.js';
import type { RegisteredCommand } from './command.js';
import type { CommandCaller, ExecuteRequest } from './executor.js';
import { resolveText, type Lang } from './i18n.js';
import { GLOBAL, type CommandOverrides } from './overrides.js';
import type { CommandPermission } from './permission.js';

/** One argument of a command in a platform's native menu (a Discord slash-command option). */
export interface NativeArg {
  name: string;
  type: ArgType;
  description: string;
  required: boolean;
  choices?: readonly string[];
  /** Inclusive `[min, max]`. */
  range?: readonly [number, number];
  positional: boolean;
  greedy: boolean;
}

/**
 * A command as adapters publish it in native menus (Telegram `setMyCommands`, Discord slash commands).
 * Adapters fit `name` to their platform's rules and keep `fullName` to map an invocation back.
 */
export interface NativeCommand {
  fullName: string;
  name: string;
  description: string;
  /** The level the command needs (overrides applied), for platforms that can show menus per audience. */
  permission: CommandPermission;
  args: NativeArg[];
}

export interface NativeMenuOptions {
  lang: Lang;
  /** The chat the menu is for; without it, the global enabled state applies. */
  chatKey?: string;
}

/**
 * The commands a native menu lists: not internal, plugin enabled, enabled in the chat (or globally), with
 * descriptions in `lang`, each with the level it needs, so that an adapter can publish each level only where
 * it applies (Telegram's command scopes); the executor refuses a caller who lacks the level whatever the
 * menu shows. Adapters re-publish on `registry.onChange`, which fires after enabled-state and permission
 * changes too (§1.4.3).
 *
 * @example
 * const publish = () => telegram.setMyCommands(listNativeCommands(app.commands.registry.list(), app.commands.overrides, { lang: 'en_US' }));
 * app.commands.registry.onChange(publish);
 */
export function listNativeCommands(commands: readonly RegisteredCommand[], overrides: CommandOverrides, opts: NativeMenuOptions): NativeCommand[] {
  const scope = opts.chatKey ?? GLOBAL;
  return commands
    .filter((c) => !c.internal && c.pluginEnabled() && overrides.isEnabled(c.fullName, scope))
    .map((c) => ({
      fullName: c.fullName,
      name: c.name,
      description: resolveText(c.i18nDescription, opts.lang, c.description),
      permission: overrides.effectivePermission(c.fullName, scope, c.permission),
      args: Object.entries(c.args).map(([name, spec]) => ({
        name,
        type: spec.type,
        description: spec.description,
        required: spec.required,
        ...(spec.choices ? { choices: spec.choices } : {}),
        ...(spec.range ? { range: spec.range } : {}),
        positional: spec.positional,
        greedy: spec.greedy,
      })),
    }));
}

/**
 * The command call behind a native invocation: the platform's values by argument name become JSON
 * arguments (typed values need no text parsing; absent ones take their defaults), run by the full name.
 *
 * @example
 * await app.commands.executeInChat(nativeInvocation(command, { city: 'Paris', days: 2 }, { ...caller, source: 'native' }));
 */
export function nativeInvocation(command: Pick<NativeCommand, 'fullName'>, values: Record<string, unknown>, caller: CommandCaller): ExecuteRequest {
  const json = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined && value !== null));
  return { name: command.fullName, json, caller };
}
