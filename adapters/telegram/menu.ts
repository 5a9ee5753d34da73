import type { Api } from 'grammy';
import type { BotCommand, BotCommandScope, LanguageCode } from 'grammy/types';
import { CommandPermission, listNativeCommands, permits, type CommandService, type Lang, type NativeCommand } from '../../core/command/index.js';

/**
 * Where the adapter reads the app's commands for Telegram's command menu. The CLI passes
 * `telegramCommandSource(app.commands, config.commands.superUsers)`; tests may pass any object of this shape.
 */
export interface TelegramCommandSource {
  /** The commands the menu lists, with descriptions in `lang` and the level each needs. */
  list(lang: Lang): NativeCommand[];
  /** Calls `listener` whenever the command set changes; returns a function that stops it. */
  onChange(listener: () => void): () => void;
  /** Telegram user ids of the super users (`SUPER_USERS` entries `telegram:<id>`): their private chats get every command. */
  superUsers?: readonly string[];
}

/** The command service as a menu source: the global menu, per language; `superUsers` as in `SUPER_USERS`. */
export function telegramCommandSource(commands: Pick<CommandService, 'registry' | 'overrides'>, superUsers: readonly string[] = []): TelegramCommandSource {
  return {
    list: (lang) => listNativeCommands(commands.registry.list(), commands.overrides, { lang }),
    onChange: (listener) => commands.registry.onChange(listener),
    superUsers: superUsers.filter((u) => u.startsWith('telegram:')).map((u) => u.slice('telegram:'.length)),
  };
}

const MAX_NAME = 32;
const MAX_DESCRIPTION = 256;

/** A command name in Telegram's allowed form `[a-z0-9_]{1,32}`: lowercase, other characters as `_`. */
export function telegramCommandName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, MAX_NAME) || '_';
}

/** The menu entries and, for names that had to change, the way back to the full command name. */
export function toBotCommands(commands: readonly NativeCommand[]): { menu: BotCommand[]; fullNames: Map<string, string> } {
  const menu: BotCommand[] = [];
  const fullNames = new Map<string, string>();
  for (const c of commands) {
    const command = telegramCommandName(c.name);
    // Two names that fold to the same Telegram name: the first keeps it, the menu cannot show both.
    if (menu.some((m) => m.command === command)) continue;
    const description = (c.description.trim() || c.name).slice(0, MAX_DESCRIPTION);
    menu.push({ command, description });
    if (command !== c.name) fullNames.set(command, c.fullName);
  }
  return { menu, fullNames };
}

/** Telegram's `language_code` for each of our languages; the English menu is also the default one. */
const MENU_LANGS: readonly { lang: Lang; code: LanguageCode | undefined }[] = [
  { lang: 'en_US', code: undefined },
  { lang: 'en_US', code: 'en' },
  { lang: 'zh_CN', code: 'zh' },
];

/** One audience of the menu: where Telegram shows it, and the highest level it lists. */
interface MenuAudience {
  scope: BotCommandScope;
  upTo: CommandPermission;
}

/**
 * Each level only where it applies. Telegram shows a chat the most specific scope's menu: a super user's
 * private chat (`chat`), then group administrators (`all_chat_administrators`), then everyone (`default`).
 * Group owners and admins are ADVANCED; SUPER_USERS are configured per user.
 */
function audiences(superUsers: readonly string[]): MenuAudience[] {
  return [
    { scope: { type: 'default' }, upTo: CommandPermission.USER },
    { scope: { type: 'all_chat_administrators' }, upTo: CommandPermission.ADVANCED },
    ...superUsers.map((id) => ({ scope: { type: 'chat' as const, chat_id: Number(id) }, upTo: CommandPermission.SUPER_USER })),
  ];
}

/**
 * Keeps Telegram's command menu in step with the app's commands: publishes on start and again after changes,
 * coalescing a burst of changes (a plugin registering ten commands) into one publish. Each audience gets the
 * commands up to its level, in each language; one audience failing (a super user who never wrote to the
 * bot: "chat not found") does not keep the others from theirs.
 */
export class CommandMenu {
  private fullNames = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: Api,
    private readonly source: TelegramCommandSource,
    private readonly onError: (err: unknown) => void,
    private readonly debounceMs = 200,
  ) {}

  /** The full command name behind a Telegram menu name, when the menu had to rename it. */
  fullName(telegramName: string): string | undefined {
    return this.fullNames.get(telegramName.toLowerCase());
  }

  async start(): Promise<void> {
    this.stopListening = this.source.onChange(() => this.schedule());
    await this.publish();
  }

  stop(): void {
    this.stopListening?.();
    clearTimeout(this.timer);
  }

  /** Resolves once any publish under way has finished. */
  settled(): Promise<void> {
    return this.publishing;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.publish(), this.debounceMs);
  }

  private publish(): Promise<void> {
    this.publishing = this.publishing.then(async () => {
      const lists = new Map(MENU_LANGS.map(({ lang }) => [lang, this.source.list(lang)]));
      // Every command a menu may show (a super user's has them all) must map back to its full name.
      this.fullNames = toBotCommands(lists.get('en_US')!).fullNames;
      for (const { scope, upTo } of audiences(this.source.superUsers ?? [])) {
        try {
          for (const { lang, code } of MENU_LANGS) {
            const { menu } = toBotCommands(lists.get(lang)!.filter((c) => permits(upTo, c.permission)));
            await this.api.setMyCommands(menu, code === undefined ? { scope } : { scope, language_code: code });
          }
        } catch (err) {
          this.onError(err);
        }
      }
    });
    return this.publishing;
  }
}
