import { timingSafeEqual } from 'node:crypto';
import { webhookCallback, type Bot } from 'grammy';
import type { AdapterHost } from '../../core/index.js';
import { KNOWN_UPDATES } from './updates.js';

/** Webhook mode (`TELEGRAM_WEBHOOK_URL`, `TELEGRAM_WEBHOOK_SECRET`). */
export interface TelegramWebhook {
  /** The public https URL Telegram posts updates to; the app serves its path. */
  url: string;
  /** Telegram's `secret_token`: sent in `X-Telegram-Bot-Api-Secret-Token` with every update. */
  secret: string;
}

const SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';

function sameSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  // Constant time, so the secret cannot be guessed byte by byte from response times.
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Serves the webhook URL's path on the app's HTTP server and tells Telegram to post there. The route is
 * registered before `setWebhook`, so the first update finds it. Requests without the right secret get 401
 * and are counted (nothing is handled); the rest go through grammY into the same update handling as polling.
 * Returns the function that removes the route. The webhook itself stays set on stop: other gateways behind
 * the same URL keep serving it.
 */
export async function serveWebhook(bot: Bot, host: AdapterHost, webhook: TelegramWebhook): Promise<() => void> {
  const path = new URL(webhook.url).pathname;
  // onTimeout 'return': handling only hands updates on, but if it ever stalls, a 200 avoids a redelivery storm.
  const handle = webhookCallback(bot, 'hono', { secretToken: webhook.secret, onTimeout: 'return' });
  let refused = 0;
  const unroute = host.http.route('POST', path, async (c) => {
    if (sameSecret(c.req.header(SECRET_HEADER), webhook.secret)) return handle(c);
    host.metrics.count('telegram_webhook_refused_total', {});
    // Logged once: a scanner posting junk must not flood the log; the counter keeps the tally.
    if (refused++ === 0) host.log.warn({ path }, `Telegram webhook: a request without the right ${SECRET_HEADER} was refused (401); later ones are only counted`);
    return c.json({ ok: false, description: 'wrong or missing secret token' }, 401);
  });
  try {
    await bot.api.setWebhook(webhook.url, { secret_token: webhook.secret, allowed_updates: [...KNOWN_UPDATES] });
  } catch (err) {
    unroute();
    throw err;
  }
  return unroute;
}
