import type { Api } from 'grammy';
import type { BotCommand, LanguageCode } from 'grammy/types';
import { listNativeCommands, type CommandService, type Lang, type NativeCommand } from '../../core/index.js';

/**
 * Where the adapter reads the app's commands for Telegram's command menu. The CLI passes
 * `telegramCommandSource(app.commands)`; tests may pass any object of this shape.
 */
export interface TelegramCommandSource {
  /** The commands the menu lists, with descriptions in `lang`. */
  list(lang: Lang): NativeCommand[];
  /** Calls `listener` whenever the command set changes; returns a function that stops it. */
  onChange(listener: () => void): () => void;
}

/** The command service as a menu source: the global menu, per language. */
export function telegramCommandSource(commands: Pick<CommandService, 'registry' | 'overrides'>): TelegramCommandSource {
  return {
    list: (lang) => listNativeCommands(commands.registry.list(), commands.overrides, { lang }),
    onChange: (listener) => commands.registry.onChange(listener),
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

/**
 * Keeps Telegram's command menu in step with the app's commands: publishes on start and again after changes,
 * coalescing a burst of changes (a plugin registering ten commands) into one publish.
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
      try {
        for (const { lang, code } of MENU_LANGS) {
          const { menu, fullNames } = toBotCommands(this.source.list(lang));
          if (lang === 'en_US') this.fullNames = fullNames;
          await this.api.setMyCommands(menu, code === undefined ? {} : { language_code: code });
        }
      } catch (err) {
        this.onError(err);
      }
    });
    return this.publishing;
  }
}
