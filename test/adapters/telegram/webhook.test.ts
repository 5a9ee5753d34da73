import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../../adapters/telegram/index.js';
import { ClosedError, ConfigError } from '../../../core/errors/index.js';
import type { InboundMessage } from '../../../core/message/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { until } from '../../support/messages.js';
import { FakeBotApi, privateText } from '../../peers/telegram/fake-bot-api.js';

const URL_PUBLIC = 'https://bot.example.com/tg/hook';
const SECRET = 'hook_secret-42';

let app: App | undefined;
let api: FakeBotApi | undefined;
let lines: Record<string, unknown>[] = [];
afterEach(async () => {
  await app?.stop();
  await api?.stop();
  app = undefined;
  api = undefined;
});

/** The app serving the webhook on 127.0.0.1; the fake posts there as the TLS proxy in front of the URL would. */
async function connectWebhook(env: Record<string, string> = { HTTP_PORT: '0' }) {
  api = new FakeBotApi();
  await api.start();
  const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, webhook: { url: URL_PUBLIC, secret: SECRET } });
  ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '30', ...env }, { adapters: [adapter] }));
  await app.start();
  if (app.http.url) api.webhook.proxyTo(app.http.url);
  return adapter;
}

const ingested = () => {
  const seen: InboundMessage[] = [];
  app!.hooks.on('im_message', (e) => void seen.push(e.message));
  return seen;
};

const postUpdate = (update: unknown, secret?: string) => postBody(JSON.stringify(update), secret);
const postBody = (body: string, secret?: string) =>
  fetch(`${app!.http.url}/tg/hook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
    body,
  });

describe('Telegram adapter: webhook mode', () => {
  it('registers the webhook with its URL, secret and update kinds, and does not poll', async () => {
    await connectWebhook();
    const call = api!.callsOf('setWebhook')[0]!;
    expect(call.params).toMatchObject({ url: URL_PUBLIC, secret_token: SECRET });
    expect(call.params.allowed_updates).toEqual(expect.arrayContaining(['message', 'callback_query', 'chat_member']));
    expect(api!.callsOf('getUpdates')).toEqual([]);
    expect(lines.some((l) => String(l.msg).includes(`receiving updates by webhook at ${URL_PUBLIC}`))).toBe(true);
  });

  it('handles an update posted with the right secret and answers it', async () => {
    await connectWebhook();
    const update = api!.pushMessage(privateText(42, '/echo hi by hook'));
    expect(await api!.webhook.delivered(update.update_id)).toEqual({ updateId: update.update_id, status: 200 });
    const call = await api!.waitForCall('sendMessage');
    expect(call.params).toMatchObject({ chat_id: 42, text: 'hi by hook' });
  });

  it('refuses a wrong or missing secret with 401, handles nothing and counts it', async () => {
    await connectWebhook();
    const seen = ingested();
    expect((await postUpdate({ update_id: 900, message: privateText(42, 'forged') }, 'wrong')).status).toBe(401);
    expect((await postUpdate({ update_id: 901, message: privateText(42, 'no secret') })).status).toBe(401);
    expect(app!.metrics.get('telegram_webhook_refused_total')).toBe(2);
    expect(lines.filter((l) => String(l.msg).includes('was refused (401)'))).toHaveLength(1);
    expect((await postUpdate({ update_id: 902, message: privateText(42, 'genuine') }, SECRET)).status).toBe(200);
    await until(() => seen.length === 1, 'the genuine message');
    expect(seen.map((m) => m.text)).toEqual(['genuine']);
  });

  it('ignores an update delivered twice', async () => {
    await connectWebhook();
    const seen = ingested();
    const update = { update_id: 700, message: privateText(42, 'once') };
    api!.pushBatch([update, update]);
    const after = api!.pushMessage(privateText(42, 'after'));
    await api!.webhook.delivered(after.update_id);
    await until(() => seen.length === 2, 'two messages');
    expect(seen.map((m) => m.text)).toEqual(['once', 'after']);
    expect(api!.webhook.deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    expect(app!.metrics.get('telegram_duplicate_updates_total')).toBe(1);
  });

  it('answers 500 when the update could not be ingested, and handles it when Telegram delivers it again', async () => {
    await connectWebhook();
    const seen = ingested();
    // The pipeline refusing once stands in for the buffer's Redis being away.
    const ingest = app!.pipeline.ingest.bind(app!.pipeline);
    let failures = 1;
    app!.pipeline.ingest = async (m) => {
      if (failures-- > 0) throw new Error('buffer unavailable');
      return ingest(m);
    };
    const update = { update_id: 800, message: privateText(42, 'keep me') };
    expect((await postUpdate(update, SECRET)).status).toBe(500);
    expect(app!.metrics.get('telegram_updates_failed_total', { kind: 'message' })).toBe(1);
    expect((await postUpdate(update, SECRET)).status).toBe(200);
    await until(() => seen.length === 1, 'the redelivered message');
    expect(seen.map((m) => m.text)).toEqual(['keep me']);
  });

  it('answers 200 to a body that is not an update, so it is not posted forever; logged, counted, and the next one is handled', async () => {
    await connectWebhook();
    const seen = ingested();
    expect((await postBody('{"update_id": 1, "message": {', SECRET)).status).toBe(200);
    expect((await postBody('[1, 2, 3]', SECRET)).status).toBe(200);
    expect((await postUpdate({ update_id: 'x', message: privateText(42, 'no id') }, SECRET)).status).toBe(200);
    expect(app!.metrics.get('telegram_updates_dropped_total', { reason: 'not_json' })).toBe(1);
    expect(app!.metrics.get('telegram_updates_dropped_total', { reason: 'not_an_update' })).toBe(2);
    expect(lines.filter((l) => String(l.msg).includes('is not a Telegram update'))).toHaveLength(3);
    const update = api!.pushMessage(privateText(42, 'still served'));
    expect((await api!.webhook.delivered(update.update_id)).status).toBe(200);
    await until(() => seen.length === 1, 'the next update');
    expect(seen.map((m) => m.text)).toEqual(['still served']);
  });

  it('answers 200 to an update whose handling can never succeed, logged and counted, and handles the next', async () => {
    await connectWebhook();
    const seen = ingested();
    // Fields of the wrong type: reading them throws the same way on every delivery.
    const broken = api!.pushUpdate({ message: { message_id: 5, date: 1, text: 'no chat' } });
    const worse = api!.pushUpdate({ message: 'hello' });
    const fine = api!.pushMessage(privateText(42, 'after the broken ones'));
    expect((await api!.webhook.delivered(broken.update_id)).status).toBe(200);
    expect((await api!.webhook.delivered(worse.update_id)).status).toBe(200);
    expect((await api!.webhook.delivered(fine.update_id)).status).toBe(200);
    expect(app!.metrics.get('telegram_updates_dropped_total', { reason: 'failed' })).toBe(2);
    expect(app!.metrics.get('telegram_updates_failed_total', { kind: 'message' })).toBe(0);
    expect(lines.filter((l) => String(l.msg).includes('could not be handled and is dropped'))).toHaveLength(2);
    // Telegram delivering it again anyway: a duplicate, answered 200 at once.
    expect((await postUpdate(broken, SECRET)).status).toBe(200);
    await until(() => seen.length === 1, 'the good message');
    expect(seen.map((m) => m.text)).toEqual(['after the broken ones']);
  });

  it('answers 500 while the app is shutting down under an update, so Telegram delivers it again', async () => {
    await connectWebhook();
    app!.pipeline.ingest = async () => {
      throw new ClosedError('app (shutting down)');
    };
    expect((await postUpdate({ update_id: 810, message: privateText(42, 'later') }, SECRET)).status).toBe(500);
    expect(app!.metrics.get('telegram_updates_failed_total', { kind: 'message' })).toBe(1);
    expect(app!.metrics.get('telegram_updates_dropped_total', { reason: 'failed' })).toBe(0);
  });

  it('stops serving the path when the app stops, and leaves the webhook set for other gateways', async () => {
    await connectWebhook();
    const url = app!.http.url!;
    await app!.stop();
    await expect(fetch(`${url}/tg/hook`, { method: 'POST', body: '{}' })).rejects.toThrow();
    expect(api!.callsOf('deleteWebhook')).toEqual([]);
    expect(api!.webhook.webhook?.url).toBe(URL_PUBLIC);
  });

  it('will not start without the HTTP server, before telling Telegram anything', async () => {
    const start = connectWebhook({});
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toMatchObject({ variables: ['HTTP_PORT'] });
    expect(api!.callsOf('setWebhook')).toEqual([]);
  });
});
