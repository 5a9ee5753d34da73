import { ConsoleAdapter } from '../adapters/console/index.js';
import { agentActivity, DiscordAdapter, discordCommandSource } from '../adapters/discord/index.js';
import { OneBotAdapter } from '../adapters/onebot/index.js';
import { TelegramAdapter, telegramCommandSource } from '../adapters/telegram/index.js';
import { WebChatAdapter, webBatchSource } from '../adapters/web/index.js';
import type { Adapter } from '../core/adapter/index.js';
import { OutboundHttp } from '../core/net/index.js';
import type { App } from '../core/runtime/index.js';
import type { AppConfig } from './config.js';

/**
 * The console adapter the configuration asks for (`CONSOLE`, `auto`: when stdin is a terminal), or none. A
 * worker holds no chat, so it never gets one.
 */
export function consoleAdapterFor(config: AppConfig, stdinIsTerminal = process.stdin.isTTY === true): ConsoleAdapter | undefined {
  if (config.role === 'worker') return undefined;
  const on = config.console.enabled === 'auto' ? stdinIsTerminal : config.console.enabled;
  if (!on) return undefined;
  return new ConsoleAdapter({ userId: config.console.userId, ...(config.console.level === 'advanced' ? { role: 'admin' as const } : {}) });
}

/**
 * The platform adapters the configuration enables (OneBot, Telegram, Discord, and the Web UI's chat), wired to the app's commands
 * (native menus, slash commands) and hooks (typing while the agent works) as `nekomata start` does, and through
 * the outbound proxy when one is set. A worker holds no platform connection: it gets none, its replies go
 * through the outbox to a gateway.
 * @example
 * const app = await openApp(config);
 * for (const adapter of configuredAdapters(app, config)) app.addAdapter(adapter);
 */
export function configuredAdapters(app: App, config: AppConfig): Adapter[] {
  if (config.role === 'worker') return [];
  const adapters: Adapter[] = [];
  // One proxy-aware HTTP client for every adapter that calls out over HTTP (HTTPS_PROXY / NO_PROXY).
  const outbound = config.proxy ? new OutboundHttp(config.proxy) : undefined;
  if (config.onebot) adapters.push(new OneBotAdapter(config.onebot));
  if (config.telegram) {
    adapters.push(new TelegramAdapter({ ...config.telegram, ...(outbound ? { http: outbound } : {}), commands: telegramCommandSource(app.commands, config.commands.superUsers) }));
  }
  if (config.discord) {
    // discord.js's REST needs a dispatcher of its own undici (see rest-agent.ts): the adapter makes it, for the same proxy settings.
    adapters.push(new DiscordAdapter({ ...config.discord, ...(config.proxy ? { proxy: config.proxy } : {}), commands: discordCommandSource(app.commands), activity: agentActivity(app.hooks) }));
  }
  // The browser's chat, in the Web UI behind the admin login; its page sees the batches the buffer releases.
  if (config.web) adapters.push(new WebChatAdapter({ batches: webBatchSource(app.hooks) }));
  return adapters;
}
