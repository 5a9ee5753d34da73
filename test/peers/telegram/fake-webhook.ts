/** The webhook the fake Bot API was given with `setWebhook`. */
export interface FakeWebhook {
  url: string;
  secretToken?: string;
  allowedUpdates?: string[];
}

/** One POST of an update to the webhook, and what the bot's server answered. */
export interface FakeDelivery {
  updateId: number;
  status: number;
}

/**
 * The Bot API's side of webhook mode: after `setWebhook`, updates are POSTed to the URL one at a time, with
 * the secret token in `X-Telegram-Bot-Api-Secret-Token`, instead of waiting for getUpdates. A test's bot
 * listens on 127.0.0.1, not on the public https URL it registered, so `proxyTo` stands in for the TLS proxy
 * that would forward the URL's path there.
 */
export class WebhookSender {
  webhook: FakeWebhook | undefined;
  readonly deliveries: FakeDelivery[] = [];
  private base: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private listeners = new Set<() => void>();

  /** Posts to `base` + the webhook URL's path instead of the URL itself. */
  proxyTo(base: string): void {
    this.base = base;
  }

  set(params: Record<string, unknown>): void {
    this.webhook = {
      url: String(params.url),
      ...(typeof params.secret_token === 'string' ? { secretToken: params.secret_token } : {}),
      ...(Array.isArray(params.allowed_updates) ? { allowedUpdates: params.allowed_updates as string[] } : {}),
    };
  }

  clear(): void {
    this.webhook = undefined;
  }

  /** Queues the update for delivery; updates go out in order, each after the previous one was answered. */
  deliver(update: Record<string, unknown> & { update_id: number }): void {
    const webhook = this.webhook!;
    const target = this.base ? `${this.base}${new URL(webhook.url).pathname}` : webhook.url;
    this.queue = this.queue.then(async () => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (webhook.secretToken) headers['x-telegram-bot-api-secret-token'] = webhook.secretToken;
      const status = await fetch(target, { method: 'POST', headers, body: JSON.stringify(update) }).then(
        async (res) => (await res.arrayBuffer(), res.status),
        () => 0,
      );
      this.deliveries.push({ updateId: update.update_id, status });
      for (const l of this.listeners) l();
    });
  }

  /** Resolves with the delivery of `updateId` once the bot's server has answered it. */
  delivered(updateId: number): Promise<FakeDelivery> {
    return new Promise((resolve) => {
      const check = () => {
        const hit = this.deliveries.find((d) => d.updateId === updateId);
        if (!hit) return;
        this.listeners.delete(check);
        resolve(hit);
      };
      this.listeners.add(check);
      check();
    });
  }
}
