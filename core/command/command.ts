import type { Logger } from 'pino';
import type { SendResult } from '../adapter/index.js';
import type { ChatKey, Segment } from '../message/index.js';
import type { ArgSpecs, InferArgs } from './args.js';
import type { I18nText, Lang } from './i18n.js';
import type { CommandPermission } from './permission.js';
import type { CommandResponse } from './response.js';

/** How a command is described (Nekro's `mount_command` arguments). */
export interface CommandMeta {
  name: string;
  description: string;
  aliases?: string[];
  /** Default PUBLIC. */
  permission?: CommandPermission;
  usage?: string;
  /** Default `plugin`. */
  category?: string;
  tags?: string[];
  /** Hidden from help, completion and tool export; still runs by name (wait callbacks). */
  internal?: boolean;
  i18nDescription?: I18nText;
  i18nUsage?: I18nText;
  i18nCategory?: I18nText;
}

export interface CommandOptions<A extends ArgSpecs> extends CommandMeta {
  args?: A;
}

/** Where a command call came from. */
export type CommandSource = 'chat' | 'admin' | 'agent' | 'native';

/** Who runs a command, where (Nekro's `CommandExecutionContext`). */
export interface CommandContext {
  readonly userId: string;
  readonly userName: string;
  readonly chatKey: ChatKey;
  readonly adapter: string;
  readonly level: CommandPermission;
  readonly isSuperUser: boolean;
  readonly isAdvancedUser: boolean;
  readonly lang: Lang;
  readonly source: CommandSource;
  /** Sends to the chat at once, outside the command's responses. */
  send(content: string | Segment[]): Promise<SendResult>;
  readonly log: Logger;
}

export type CommandResult = CommandResponse | void | undefined;

/**
 * Runs a command. Return one response, or be an async generator that yields several (streaming): each
 * yielded response reaches the chat as it is yielded.
 */
export type CommandHandler<A extends ArgSpecs> = (
  ctx: CommandContext,
  args: InferArgs<A>,
) => Promise<CommandResult> | CommandResult | AsyncIterable<CommandResponse>;

/** A command as the registry holds it. */
export interface RegisteredCommand {
  /** `namespace:name`; the namespace is the plugin's moduleName. */
  readonly fullName: string;
  readonly namespace: string;
  readonly name: string;
  readonly description: string;
  readonly aliases: readonly string[];
  readonly permission: CommandPermission;
  readonly usage: string;
  readonly category: string;
  readonly tags: readonly string[];
  readonly internal: boolean;
  readonly i18nDescription?: I18nText | undefined;
  readonly i18nUsage?: I18nText | undefined;
  readonly i18nCategory?: I18nText | undefined;
  readonly args: ArgSpecs;
  readonly handler: CommandHandler<ArgSpecs>;
  /** Key of the plugin that registered it. */
  readonly source: string;
  /** Whether its plugin is enabled: a disabled plugin disables its commands. */
  readonly pluginEnabled: () => boolean;
}

const NAME = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u;

/** Command and alias names: letters (any script), digits, `_`, `-` and `.` (groups), not starting with `-`/`.`. */
export function isCommandName(name: string): boolean {
  return NAME.test(name) && !name.includes(':');
}
