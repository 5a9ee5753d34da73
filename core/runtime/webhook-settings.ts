/** The settings webhook mode reads, as the config schema has parsed them. */
interface WebhookEnv {
  TELEGRAM_BOT_TOKEN?: string | undefined;
  TELEGRAM_API_ROOT?: string | undefined;
  TELEGRAM_WEBHOOK_URL?: string | undefined;
  TELEGRAM_WEBHOOK_SECRET?: string | undefined;
  HTTP_PORT?: number | undefined;
}

export function isHttpUrl(value: string): boolean {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * What is wrong with the Telegram webhook settings, as (variables named, message) pairs: webhook mode needs
 * the bot token, a secret, the app's HTTP server, and https unless a local Bot API server (which also posts
 * to http) is used.
 */
export function webhookIssues(env: WebhookEnv): [string[], string][] {
  const url = env.TELEGRAM_WEBHOOK_URL;
  if (url === undefined) {
    if (env.TELEGRAM_WEBHOOK_SECRET === undefined) return [];
    return [[['TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_WEBHOOK_URL'], 'TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_WEBHOOK_URL is not: set the URL for webhook mode, or unset the secret to long-poll']];
  }
  const issues: [string[], string][] = [];
  if (!env.TELEGRAM_BOT_TOKEN) issues.push([['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_BOT_TOKEN'], 'TELEGRAM_WEBHOOK_URL needs TELEGRAM_BOT_TOKEN: set the token of the bot the webhook is for']);
  if (env.TELEGRAM_WEBHOOK_SECRET === undefined) {
    issues.push([['TELEGRAM_WEBHOOK_SECRET'], 'TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL: 1-256 letters, digits, "_" or "-" that Telegram sends with every update, so nobody else can post fake ones']);
  }
  if (env.HTTP_PORT === undefined) {
    issues.push([['HTTP_PORT', 'TELEGRAM_WEBHOOK_URL'], "TELEGRAM_WEBHOOK_URL needs the app's HTTP server to receive updates: set HTTP_PORT (the port your https proxy forwards to)"]);
  }
  if (url.startsWith('http:') && !env.TELEGRAM_API_ROOT) {
    issues.push([['TELEGRAM_WEBHOOK_URL'], `TELEGRAM_WEBHOOK_URL must be https (got "${url}"): Telegram posts only to https URLs; put a TLS proxy in front of HTTP_PORT`]);
  }
  return issues;
}
