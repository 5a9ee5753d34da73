import { afterEach, describe, expect, it } from 'vitest';
import { planSend, TelegramAdapter } from '../../../adapters/telegram/index.js';
import { seg, type InboundMessage, type Segment } from '../../../core/message/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { until } from '../../support/messages.js';
import { FakeBotApi, photo } from '../../peers/telegram/fake-bot-api.js';

let app: App | undefined;
let api: FakeBotApi | undefined;
afterEach(async () => {
  await app?.stop();
  await api?.stop();
  app = undefined;
  api = undefined;
});

async function connect() {
  api = new FakeBotApi();
  await api.start();
  const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1 });
  ({ app } = makeTestApp({ DEBOUNCE_MS: '30' }, { adapters: [adapter] }));
  await app.start();
  await api.waitForCall('getUpdates');
  return adapter;
}

const images = (n: number, prefix = 'IMG'): Segment[] => Array.from({ length: n }, (_, i) => ({ type: 'image', fileId: `${prefix}${i + 1}` }));
const mediaOf = (call: { params: Record<string, unknown> }) => call.params.media as Record<string, unknown>[];

describe('Telegram adapter: outgoing media groups', () => {
  it('sends consecutive images and a video as one media group, captioned by the text before them', async () => {
    const adapter = await connect();
    const result = await adapter.send('telegram-private_42', [
      { type: 'reply', messageId: '42:9' },
      seg.text('our cats'),
      ...images(2),
      { type: 'video', fileId: 'VID1' },
    ]);
    expect(api!.callsOf('sendMessage')).toEqual([]);
    const [group] = api!.callsOf('sendMediaGroup');
    expect(group!.params).toMatchObject({ chat_id: 42, reply_parameters: { message_id: 9 } });
    expect(mediaOf(group!)).toEqual([
      { type: 'photo', media: 'IMG1', caption: 'our cats' },
      { type: 'photo', media: 'IMG2' },
      { type: 'video', media: 'VID1' },
    ]);
    expect(result.messageId).toMatch(/^42:\d+$/);
  });

  it('takes the text after the images as the caption when none comes before', async () => {
    const adapter = await connect();
    await adapter.send('telegram-group_-1009_4', [...images(2), seg.text('  two cats ')]);
    const [group] = api!.callsOf('sendMediaGroup');
    expect(group!.params).toMatchObject({ chat_id: -1009, message_thread_id: 4 });
    expect(mediaOf(group!)[0]).toEqual({ type: 'photo', media: 'IMG1', caption: 'two cats' });
    expect(api!.callsOf('sendMessage')).toEqual([]);
  });

  it('sends a text too long for a caption as its own message', async () => {
    const adapter = await connect();
    const long = 'x'.repeat(1025);
    await adapter.send('telegram-private_42', [seg.text(long), ...images(2)]);
    expect(api!.callsOf('sendMessage').map((c) => c.params.text)).toEqual([long]);
    expect(mediaOf(api!.callsOf('sendMediaGroup')[0]!).every((m) => m.caption === undefined)).toBe(true);
  });

  it('splits more than ten into even groups, never a lone item', async () => {
    const adapter = await connect();
    await adapter.send('telegram-private_42', images(11));
    expect(api!.callsOf('sendMediaGroup').map((c) => mediaOf(c).length)).toEqual([6, 5]);
    expect(api!.callsOf('sendPhoto')).toEqual([]);
  });

  it('keeps a single image, and images separated by other media, as single messages', async () => {
    const adapter = await connect();
    await adapter.send('telegram-private_42', [...images(1), seg.file('https://example.com/a.pdf'), ...images(1, 'B')]);
    expect(api!.callsOf('sendMediaGroup')).toEqual([]);
    expect(api!.callsOf('sendPhoto').map((c) => c.params.photo)).toEqual(['IMG1', 'B1']);
    expect(api!.callsOf('sendDocument')).toHaveLength(1);
  });

  it('uploads local images of a group as attachments', async () => {
    const adapter = await connect();
    const png = Buffer.from('fake png bytes').toString('base64');
    await adapter.send('telegram-private_42', [
      { type: 'image', url: `base64://${png}`, name: 'a.png' },
      { type: 'image', url: `base64://${png}`, name: 'b.png' },
    ]);
    const media = mediaOf(api!.callsOf('sendMediaGroup')[0]!);
    expect(media.map((m) => m.media)).toEqual([
      { filename: 'a.png', size: 14 },
      { filename: 'b.png', size: 14 },
    ]);
  });
});

describe('planning what to send', () => {
  it('puts buttons under the text before them, or under their title alone', () => {
    const buttons = seg.buttons(['tea', 'coffee'], { title: 'Pick:' });
    expect(planSend([seg.text('Drink?'), buttons]).steps).toEqual([{ kind: 'text', text: 'Drink?', buttons }]);
    expect(planSend([buttons]).steps).toEqual([{ kind: 'text', text: 'Pick:', buttons }]);
  });

  it('does not take a text carrying buttons as an album caption', () => {
    const buttons = seg.buttons(['yes']);
    const { steps } = planSend([seg.text('Like them?'), buttons, ...images(2)]);
    expect(steps.map((s) => s.kind)).toEqual(['text', 'album']);
    expect(steps[1]).toEqual({ kind: 'album', items: images(2) });
  });
});

describe('Telegram adapter: incoming media groups', () => {
  it('keeps each album message as its own message, the caption as its text', async () => {
    await connect();
    const seen: InboundMessage[] = [];
    app!.hooks.on('im_message', (e) => void seen.push(e.message));
    api!.pushMessage({ ...photo(42, 42, 'ALB1', 'holiday'), media_group_id: 'g1' });
    api!.pushMessage({ ...photo(42, 42, 'ALB2'), media_group_id: 'g1' });
    await until(() => seen.length === 2, 'both album messages');
    expect(seen.map((m) => m.segments)).toEqual([
      [{ type: 'image', fileId: 'ALB1', size: 12800 }, { type: 'text', text: 'holiday' }],
      [{ type: 'image', fileId: 'ALB2', size: 12800 }],
    ]);
    expect(seen.map((m) => (m.raw as { media_group_id?: string }).media_group_id)).toEqual(['g1', 'g1']);
  });
});
