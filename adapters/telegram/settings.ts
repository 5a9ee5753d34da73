import { z } from 'zod';
import { defineSettings, intSetting, isHttpUrl, type SettingIssue } from '../../core/runtime/index.js';

/** What the Telegram adapter takes from the environment; `webhook` set when `TELEGRAM_WEBHOOK_URL` is (no polling then). */
export interface TelegramSettings {
  token: string;
  apiRoot?: string;
  pollingTimeoutSec: number;
  webhook?: { url: string; secret: string };
}

/** The `TELEGRAM_*` settings: on when `TELEGRAM_BOT_TOKEN` is set. */
export const telegramSettings = defineSettings({
  name: 'telegram',
  variables: {
    TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a token from @BotFather, like 123456:ABC-def…').optional(),
    TELEGRAM_API_ROOT: z.string().regex(/^https?:\/\//, 'expected an http(s) URL of a Bot API server').optional(),
    TELEGRAM_POLLING_TIMEOUT_SEC: intSetting(0, 50).default(30),
    TELEGRAM_WEBHOOK_URL: z.string().refine(isHttpUrl, 'expected the public https URL Telegram posts updates to, e.g. https://bot.example.com/telegram').optional(),
    // Bot API setWebhook: secret_token is 1-256 characters A-Z, a-z, 0-9, _ and -.
    TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected 1-256 letters, digits, "_" or "-"').optional(),
  },
  issues: (v, core) => {
    const issues: SettingIssue[] = [...webhookIssues(v, core.HTTP_PORT)];
    // Telegram user ids are numbers; a username would silently match nobody (and has no menu scope).
    const names = core.SUPER_USERS.filter((u) => u.startsWith('telegram:') && !/^telegram:\d+$/.test(u));
    if (names.length > 0) {
      issues.push([['SUPER_USERS'], `SUPER_USERS: ${names.join(', ')} is not a Telegram user id: give the number (a bot such as @userinfobot tells yours), e.g. telegram:123456789`]);
    }
    return issues;
  },
  read: (v): TelegramSettings | undefined =>
    v.TELEGRAM_BOT_TOKEN
      ? {
          token: v.TELEGRAM_BOT_TOKEN,
          ...(v.TELEGRAM_API_ROOT ? { apiRoot: v.TELEGRAM_API_ROOT } : {}),
          pollingTimeoutSec: v.TELEGRAM_POLLING_TIMEOUT_SEC,
          ...(v.TELEGRAM_WEBHOOK_URL ? { webhook: { url: v.TELEGRAM_WEBHOOK_URL, secret: v.TELEGRAM_WEBHOOK_SECRET! } } : {}),
        }
      : undefined,
});

/**
 * What is wrong with the webhook settings: webhook mode needs the bot token, a secret, the app's HTTP server,
 * and https unless a local Bot API server (which also posts to http) is used.
 */
function webhookIssues(
  v: { TELEGRAM_BOT_TOKEN?: string | undefined; TELEGRAM_API_ROOT?: string | undefined; TELEGRAM_WEBHOOK_URL?: string | undefined; TELEGRAM_WEBHOOK_SECRET?: string | undefined },
  httpPort: number | undefined,
): SettingIssue[] {
  const url = v.TELEGRAM_WEBHOOK_URL;
  if (url === undefined) {
    if (v.TELEGRAM_WEBHOOK_SECRET === undefined) return [];
    return [[['TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_WEBHOOK_URL'], 'TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_WEBHOOK_URL is not: set the URL for webhook mode, or unset the secret to long-poll']];
  }
  const issues: SettingIssue[] = [];
  if (!v.TELEGRAM_BOT_TOKEN) issues.push([['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_BOT_TOKEN'], 'TELEGRAM_WEBHOOK_URL needs TELEGRAM_BOT_TOKEN: set the token of the bot the webhook is for']);
  if (v.TELEGRAM_WEBHOOK_SECRET === undefined) {
    issues.push([['TELEGRAM_WEBHOOK_SECRET'], 'TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL: 1-256 letters, digits, "_" or "-" that Telegram sends with every update, so nobody else can post fake ones']);
  }
  if (httpPort === undefined) {
    issues.push([['HTTP_PORT', 'TELEGRAM_WEBHOOK_URL'], "TELEGRAM_WEBHOOK_URL needs the app's HTTP server to receive updates: set HTTP_PORT (the port your https proxy forwards to)"]);
  }
  if (url.startsWith('http:') && !v.TELEGRAM_API_ROOT) {
    issues.push([['TELEGRAM_WEBHOOK_URL'], `TELEGRAM_WEBHOOK_URL must be https (got "${url}"): Telegram posts only to https URLs; put a TLS proxy in front of HTTP_PORT`]);
  }
  return issues;
}
