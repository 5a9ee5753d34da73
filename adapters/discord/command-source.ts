import { GLOBAL, commandText, listNativeCommands, nativeInvocation, responseToSegments, type CommandService, type CommandStatus, type Lang } from '../../core/command/index.js';
import { seg, type InboundMessage, type Segment } from '../../core/message/index.js';
import type { SlashMenuSource } from './command-menu.js';
import type { SlashSource } from './slash-commands.js';

/** A slash command invoked: the command, its typed values, and the invoker as a chat message (their caller). */
export interface SlashCall {
  fullName: string;
  values: Record<string, unknown>;
  message: InboundMessage;
}

/** One answer of a command, in order. */
export interface SlashReply {
  status: CommandStatus;
  segments: Segment[];
}

/**
 * Where the adapter reads the app's commands: the slash-command menu, and running one for an interaction.
 * The CLI passes `discordCommandSource(app.commands)`; tests may pass any object of this shape.
 */
export interface DiscordCommandSource extends SlashMenuSource {
  /** Runs a command for the invoker and yields its answers as they come (streamed commands yield several). */
  run(call: SlashCall): AsyncIterable<SlashReply>;
}

/**
 * The command service as a Discord command source. A slash command runs like a typed one, with the
 * invoker's level (super users, guild roles, grants) and language, typed values instead of parsed text; a
 * `waiting` answer starts the wait and carries the options as buttons, only the waiting user's to press.
 */
export function discordCommandSource(commands: CommandService): DiscordCommandSource {
  return {
    list: (lang) => {
      const declared = new Map(commands.registry.list().map((c) => [c.fullName, c.permission]));
      return listNativeCommands(commands.registry.list(), commands.overrides, { lang }).map((c): SlashSource => ({
        ...c,
        permission: commands.overrides.effectivePermission(c.fullName, GLOBAL, declared.get(c.fullName) ?? 'public'),
      }));
    },
    onChange: (listener) => commands.registry.onChange(listener),
    run: (call) => run(commands, call),
  };
}

async function* run(commands: CommandService, call: SlashCall): AsyncIterable<SlashReply> {
  const caller = { ...(await commands.callerFor(call.message)), source: 'native' as const };
  const request = nativeInvocation({ fullName: call.fullName }, call.values, caller);
  for await (const r of commands.execute(request)) {
    const segments = responseToSegments(r, caller.lang);
    if (r.status === 'waiting' && r.callbackCmd) {
      if (r.waitOptions?.length) segments.push(seg.buttons(r.waitOptions, { title: commandText('optionsTitle', caller.lang), userId: caller.userId }));
      await commands.waits.start({
        chatKey: caller.chatKey, userId: caller.userId, callbackCmd: r.callbackCmd, contextData: r.contextData ?? {},
        options: r.waitOptions ?? [], timeoutSec: r.waitTimeoutSec ?? 60, onTimeoutMessage: r.onTimeoutMessage, lang: caller.lang as Lang,
      });
    }
    yield { status: r.status, segments };
  }
}
