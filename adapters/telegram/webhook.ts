import { timingSafeEqual } from 'node:crypto';
import { BotError, webhookCallback, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import type { AdapterHost } from '../../core/adapter/index.js';
import { toError } from '../../core/errors/index.js';
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

/** Why a request with the right secret was answered 200 without being handled. */
type Unreadable = 'not_json' | 'not_an_update';

const updateShape = z.looseObject({ update_id: z.number().int().nonnegative() });

/** The body as an update, or why it is none: any object with a whole `update_id`; the handler reads the rest. */
function readUpdate(body: string): Update | Unreadable {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'not_json';
  }
  return updateShape.safeParse(json).success ? (json as Update) : 'not_an_update';
}

/**
 * Serves the webhook URL's path on the app's HTTP server and tells Telegram to post there. The route is
 * registered before `setWebhook`, so the first update finds it. Requests without the right secret get 401
 * and are counted (nothing is handled); the rest go through grammY into the same update handling as polling.
 * Telegram delivers an update again until it gets a 2xx, so only a failure worth retrying (the handler threw
 * an error `isWorthRetrying` accepts) gets 500; a body that is no update gets 200, logged and counted, or
 * Telegram would post it forever. Returns the function that removes the route. The webhook itself stays set
 * on stop: other gateways behind the same URL keep serving it.
 */
export async function serveWebhook(bot: Bot, host: AdapterHost, webhook: TelegramWebhook): Promise<() => void> {
  const path = new URL(webhook.url).pathname;
  // onTimeout 'return': handling only hands updates on, but if it ever stalls, a 200 avoids a redelivery storm.
  const handle = webhookCallback(bot, 'callback', { onTimeout: 'return' });
  let refused = 0;
  const unroute = host.http.route('POST', path, async (c) => {
    if (!sameSecret(c.req.header(SECRET_HEADER), webhook.secret)) {
      host.metrics.count('telegram_webhook_refused_total', {});
      // Logged once: a scanner posting junk must not flood the log; the counter keeps the tally.
      if (refused++ === 0) host.log.warn({ path }, `Telegram webhook: a request without the right ${SECRET_HEADER} was refused (401); later ones are only counted`);
      return c.json({ ok: false, description: 'wrong or missing secret token' }, 401);
    }
    const body = await c.req.text();
    const update = readUpdate(body);
    if (typeof update === 'string') {
      host.metrics.count('telegram_updates_dropped_total', { reason: update });
      host.log.warn({ path, reason: update, bytes: body.length }, `Telegram webhook: the body is not a Telegram update (${update}); answered 200 so it is not delivered again`);
      return c.json({ ok: true });
    }
    try {
      await handle(update, () => {});
    } catch (err) {
      // The adapter logged and counted what its handler threw (grammY wraps it in BotError); anything else
      // failed in grammY before reaching it.
      if (!(err instanceof BotError)) host.log.error({ err: toError(err), updateId: update.update_id }, 'Telegram webhook: the update could not be handed to the adapter; Telegram will deliver it again');
      return c.json({ ok: false, description: 'not handled yet: deliver it again' }, 500);
    }
    return c.json({ ok: true });
  });
  try {
    await bot.api.setWebhook(webhook.url, { secret_token: webhook.secret, allowed_updates: [...KNOWN_UPDATES] });
  } catch (err) {
    unroute();
    throw err;
  }
  return unroute;
}
