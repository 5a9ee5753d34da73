import { afterEach, describe, expect, it } from 'vitest';
import { ButtonChoices, TelegramAdapter } from '../../../adapters/telegram/index.js';
import { Arg, CmdCtl } from '../../../core/command/index.js';
import type { PlatformEvent } from '../../../core/hooks/index.js';
import { seg, type ButtonsSegment } from '../../../core/message/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { makePlugin } from '../../support/plugins.js';
import { until } from '../../support/messages.js';
import { callbackQuery, FakeBotApi, groupText, privateText, type FakeCall } from '../../peers/telegram/fake-bot-api.js';

let app: App | undefined;
let api: FakeBotApi | undefined;
afterEach(async () => {
  await app?.stop();
  await api?.stop();
  app = undefined;
  api = undefined;
});

const LONG = 'a large oat-milk flat white with an extra shot, please, no sugar at all';

/** An app on the fake Bot API with `/order`, which waits for a drink with three options (one too long for
 * callback_data), and `/tea`, whose options all fit. */
async function connect() {
  api = new FakeBotApi();
  await api.start();
  const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1 });
  ({ app } = makeTestApp({ DEBOUNCE_MS: '30' }, { adapters: [adapter] }));
  await app.start();
  const p = makePlugin();
  p.mountCommand({ name: 'order', description: 'order a drink' }, () =>
    CmdCtl.wait('What would you like?', 'order_answer', { options: ['tea', 'coffee', LONG], timeout: 600, contextData: { table: '7' } }));
  p.mountCommand({ name: 'order_answer', description: 'answer', internal: true, args: { choice: Arg.str('choice', { positional: true }), table: Arg.str('table') } },
    (_ctx, { choice, table }) => CmdCtl.success(`one ${choice} coming to table ${table}`));
  p.mountCommand({ name: 'tea', description: 'choose a tea' }, () =>
    CmdCtl.wait('Which tea?', 'order_answer', { options: ['green', 'black'], timeout: 600, contextData: { table: '3' } }));
  await app.plugins.load(p);
  await app.plugins.enable(p.key);
  await api.waitForCall('getUpdates');
}

type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };
const buttonsOf = (call: FakeCall) => (call.params.reply_markup as Keyboard).inline_keyboard.flat();
const press = (userId: number, data: string, chatId = userId) =>
  api!.pushUpdate({ callback_query: callbackQuery(userId, data, chatId > 0 ? privateText(chatId, 'What would you like?') : groupText(chatId, 0, 'What would you like?')) });
const answered = (queryId: string) => api!.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === queryId);
const queryIdOf = (update: Record<string, unknown>) => (update.callback_query as { id: string }).id;

describe('Telegram adapter: inline keyboards for waits', () => {
  it('sends the options as buttons, and a press answers the query and completes the command', async () => {
    await connect();
    api!.pushMessage(privateText(42, '/order'));
    const prompt = await api!.waitForCall('sendMessage', (c) => c.params.reply_markup !== undefined);
    expect(prompt.params.text).toBe('What would you like?');
    const buttons = buttonsOf(prompt);
    expect(buttons.map((b) => b.text)).toEqual(['tea', 'coffee', LONG]);
    for (const b of buttons) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);

    const pressed = press(42, buttons[2]!.callback_data);
    const answer = await answered(queryIdOf(pressed));
    expect(answer.params.text).toBeUndefined();
    const done = await api!.waitForCall('sendMessage', (c) => String(c.params.text).startsWith('one '));
    expect(done.params).toMatchObject({ chat_id: 42, text: `one ${LONG} coming to table 7` });
    // The answer comes before the choice is handled, so the button stops spinning at once.
    expect(api!.calls.indexOf(answer)).toBeLessThan(api!.calls.indexOf(done));
    const removed = await api!.waitForCall('editMessageReplyMarkup');
    expect(removed.params).toMatchObject({ chat_id: 42, reply_markup: { inline_keyboard: [] } });
  });

  it('carries options that fit in the button itself, so any gateway can take the press', async () => {
    await connect();
    api!.pushMessage(privateText(42, '/tea'));
    const buttons = buttonsOf(await api!.waitForCall('sendMessage', (c) => c.params.reply_markup !== undefined));
    expect(buttons.map((b) => b.callback_data)).toEqual(['nk:v:42:green', 'nk:v:42:black']);
    await answered(queryIdOf(press(42, buttons[1]!.callback_data)));
    const done = await api!.waitForCall('sendMessage', (c) => String(c.params.text).startsWith('one '));
    expect(done.params.text).toBe('one black coming to table 3');
  });

  it('answers a second press of the same keyboard, and an unknown token, with a notice and runs nothing', async () => {
    await connect();
    api!.pushMessage(privateText(42, '/order'));
    const [tea] = buttonsOf(await api!.waitForCall('sendMessage', (c) => c.params.reply_markup !== undefined));
    await answered(queryIdOf(press(42, tea!.callback_data)));
    await api!.waitForCall('sendMessage', (c) => c.params.text === 'one tea coming to table 7');
    const again = await answered(queryIdOf(press(42, tea!.callback_data)));
    expect(again.params.text).toBe('This choice has expired.');
    const unknown = await answered(queryIdOf(press(42, 'nk:t:AAAAAAAA:0')));
    expect(unknown.params.text).toBe('This choice has expired.');
    expect(api!.callsOf('sendMessage').filter((c) => String(c.params.text).startsWith('one '))).toHaveLength(1);
    expect(app!.metrics.get('telegram_choices_total', { status: 'expired' })).toBe(2);
  });

  it('in a group, refuses presses by others and takes the waiting user\'s', async () => {
    await connect();
    api!.pushMessage(groupText(-1008, 7, '/order'));
    const [, coffee] = buttonsOf(await api!.waitForCall('sendMessage', (c) => c.params.reply_markup !== undefined));
    const other = await answered(queryIdOf(press(8, coffee!.callback_data, -1008)));
    expect(other.params.text).toBe('These buttons are for someone else.');
    await answered(queryIdOf(press(7, coffee!.callback_data, -1008)));
    const done = await api!.waitForCall('sendMessage', (c) => String(c.params.text).startsWith('one '));
    expect(done.params).toMatchObject({ chat_id: -1008, text: 'one coffee coming to table 7' });
  });

  it('still hands other callback queries to platform_event hooks, unanswered by the adapter', async () => {
    await connect();
    const events: PlatformEvent[] = [];
    app!.hooks.on('platform_event', (e) => void events.push(e));
    press(42, 'plugin:vote:up');
    await until(() => events.length === 1, 'the callback event');
    expect(events[0]).toMatchObject({ kind: 'callback.query', chatKey: 'telegram-private_42', userId: '42' });
    expect(api!.callsOf('answerCallbackQuery')).toEqual([]);
  });
});

describe('button choices across processes', () => {
  const chat = 'telegram-private_42';
  const on = { chatKey: chat, messageKey: '42:5' };
  const dataOf = (choices: ButtonChoices, s: ButtonsSegment) => (choices.keyboard(chat, s).inline_keyboard[0]![0] as { callback_data: string }).callback_data;

  it('takes a press of a fitting option in another process, once per message', () => {
    const green = dataOf(new ButtonChoices(), seg.buttons(['green'], { userId: '42' }));
    const elsewhere = new ButtonChoices();
    expect(elsewhere.press(green, '7', on)).toEqual({ status: 'not_yours' });
    expect(elsewhere.press(green, '42', on)).toEqual({ status: 'chosen', chatKey: chat, value: 'green' });
    expect(elsewhere.press(green, '42', on)).toEqual({ status: 'expired' });
  });

  it('knows a long option only in the process that sent it', () => {
    const long = dataOf(new ButtonChoices(), seg.buttons([LONG]));
    expect(long).toMatch(/^nk:t:[\w-]+:0$/);
    expect(new ButtonChoices().press(long, '42', on)).toEqual({ status: 'expired' });
  });
});
