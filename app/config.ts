import { consoleSettings } from '../adapters/console/index.js';
import { discordSettings } from '../adapters/discord/index.js';
import { oneBotSettings } from '../adapters/onebot/index.js';
import { telegramSettings } from '../adapters/telegram/index.js';
import { webChatSettings } from '../adapters/web/index.js';
import { configVariables, loadSettings, type Config, type SectionsConfig } from '../core/runtime/index.js';

/** The settings of every adapter the app ships, composed with core's. */
const ADAPTER_SETTINGS = [consoleSettings, oneBotSettings, telegramSettings, discordSettings, webChatSettings] as const;

/** Core's configuration plus each adapter's: `console`, and `onebot`, `telegram`, `discord`, `web` when enabled. */
export type AppConfig = Config & SectionsConfig<typeof ADAPTER_SETTINGS>;

/** The name of every setting: core's and the adapters'. `.env.example` documents each one. */
export const settingVariables: readonly string[] = [...configVariables, ...ADAPTER_SETTINGS.flatMap((s) => Object.keys(s.variables))];

/**
 * Reads every setting from `env` (and nothing else), once: core's and each adapter's. Empty values count as
 * unset. Throws `ConfigError` naming every bad variable with what was expected and what was found.
 * @example
 * const config = loadConfig(process.env);
 * if (config.onebot) app.addAdapter(new OneBotAdapter(config.onebot));
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  return loadSettings(env, ADAPTER_SETTINGS);
}
