import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter, TelegramChatBlockedError, splitText, telegramCommandSource, type TelegramAdapterOptions } from '../../../adapters/telegram/index.js';
import type { PlatformEvent } from '../../../core/hooks/index.js';
import type { InboundMessage } from '../../../core/message/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { until } from '../../support/messages.js';
import { FakeBotApi, groupText, memberChange, photo, privateText, user } from '../../peers/telegram/fake-bot-api.js';

let app: App | undefined;
let api: FakeBotApi | undefined;
let lines: Record<string, unknown>[] = [];
afterEach(async () => {
  await app?.stop();
  await api?.stop();
  app = undefined;
  api = undefined;
});

async function connect(options: Partial<TelegramAdapterOptions> = {}) {
  api = new FakeBotApi();
  await api.start();
  const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1, ...options });
  ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '30' }, { adapters: [adapter] }));
  await app.start();
  await api.waitForCall('getUpdates');
  return adapter;
}

const texts = (method = 'sendMessage') => api!.callsOf(method).map((c) => String(c.params.text));
const ingested = () => {
  const seen: InboundMessage[] = [];
  app!.hooks.on('im_message', (e) => void seen.push(e.message));
  return seen;
};

describe('Telegram adapter: commands', () => {
  it('answers /echo in a private chat with sendMessage', async () => {
    await connect();
    api!.pushMessage(privateText(42, '/echo hi'));
    const call = await api!.waitForCall('sendMessage');
    expect(call.params).toMatchObject({ chat_id: 42, text: 'hi' });
  });

  it('runs /echo@thisbot in a group and ignores a command addressed to another bot', async () => {
    const adapter = await connect();
    api!.pushMessage(groupText(-1001, 7, '/echo@other_bot not mine'));
    api!.pushMessage(groupText(-1001, 7, `/echo@${adapter.username!} hi`));
    const call = await api!.waitForCall('sendMessage');
    expect(call.params).toMatchObject({ chat_id: -1001, text: 'hi' });
    expect(texts()).toEqual(['hi']);
    expect(app!.metrics.get('telegram_ignored_messages_total', { reason: 'other_bot_command' })).toBe(1);
  });

  it('keeps a forum topic as its own chat and answers into the topic', async () => {
    await connect();
    api!.pushMessage(groupText(-1002, 7, '/echo topic', { message_thread_id: 5 }));
    const call = await api!.waitForCall('sendMessage');
    expect(call.params).toMatchObject({ chat_id: -1002, message_thread_id: 5, text: 'topic' });
  });

  it('gives group administrators ADVANCED commands and members not', async () => {
    await connect();
    api!.setAdmins(-1007, [{ user: user(2), status: 'administrator' }]);
    api!.pushMessage(groupText(-1007, 1, '/reset'));
    expect((await api!.waitForCall('sendMessage')).params.text).toBe('Permission denied: reset needs advanced');
    api!.pushMessage(groupText(-1007, 2, '/reset'));
    const reset = await api!.waitForCall('sendMessage', (c) => String(c.params.text).startsWith('Reset'));
    expect(reset.params.text).toMatch(/^Reset telegram-group_-1007/);
  });

  it('publishes the command menu in English (default and en) and Chinese', async () => {
    api = new FakeBotApi();
    await api.start();
    ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '30' }));
    const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1, commands: telegramCommandSource(app.commands) });
    app.addAdapter(adapter);
    await app.start();
    await adapter.menuSettled();
    const en = api.commandsFor('en') as { command: string; description: string }[];
    expect(en).toContainEqual({ command: 'echo', description: 'Say the text back' });
    expect(api.commandsFor('')).toEqual(en);
    expect(api.commandsFor('zh')).toContainEqual({ command: 'echo', description: '原样返回文本' });
    for (const c of en) expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
  });
});

describe('Telegram adapter: command menu scopes', () => {
  async function withMenu(superUsers: string) {
    api = new FakeBotApi();
    await api.start();
    api.knowChat(42);
    ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '30', SUPER_USERS: superUsers }));
    const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1, commands: telegramCommandSource(app.commands, app.config.commands.superUsers) });
    app.addAdapter(adapter);
    await app.start();
    await adapter.menuSettled();
    return adapter;
  }
  const names = (lang: string, scope: string) => (api!.commandsFor(lang, scope) as { command: string }[] | undefined)?.map((c) => c.command);

  it('shows everyone user commands, group admins advanced ones too, and super users every command in their private chat', async () => {
    await withMenu('telegram:42,telegram:43,onebot:7');
    for (const lang of ['', 'en', 'zh']) {
      expect(names(lang, 'default')).toEqual(expect.arrayContaining(['help', 'echo']));
      expect(names(lang, 'default')).not.toContain('reset');
      expect(names(lang, 'default')).not.toContain('plugins_list');
      expect(names(lang, 'all_chat_administrators')).toEqual(expect.arrayContaining(['help', 'echo', 'reset']));
      expect(names(lang, 'all_chat_administrators')).not.toContain('plugins_list');
      expect(names(lang, 'chat:42')).toEqual(expect.arrayContaining(['help', 'echo', 'reset', 'plugins_list', 'commands_permission']));
    }
    expect(api!.commandsFor('zh', 'chat:42')).toContainEqual({ command: 'plugins_list', description: '列出插件及其状态' });
    // Only telegram: entries get a menu; one that Telegram refuses (never wrote to the bot) is logged, the rest stand.
    expect(api!.callsOf('setMyCommands').map((c) => (c.params.scope as { chat_id?: number }).chat_id).filter(Boolean)).toEqual([42, 42, 42, 43]);
    expect(names('en', 'chat:43')).toBeUndefined();
    expect(lines.filter((l) => l.msg === 'Telegram setMyCommands failed')).toHaveLength(1);
  });

  it('moves a command between audiences when its permission changes', async () => {
    const adapter = await withMenu('telegram:42');
    await app!.commands.overrides.setPermission('built_in:echo', '*', 'super_user', 'public');
    await until(() => !names('en', 'default')!.includes('echo'), 'the menus to be published again');
    await adapter.menuSettled();
    expect(names('en', 'all_chat_administrators')).not.toContain('echo');
    expect(names('en', 'chat:42')).toContain('echo');
    await app!.commands.overrides.setPermission('built_in:echo', '*', undefined, 'public');
    await until(() => names('en', 'default')!.includes('echo'), 'echo back in everyone\'s menu');
  });
});

describe('Telegram adapter: inbound messages', () => {
  it('maps mentions, text mentions and links', async () => {
    const adapter = await connect();
    const seen = ingested();
    const bot = `@${adapter.username!}`;
    const text = `${bot} hi @alice and Bob see https://example.com`;
    api!.pushMessage(groupText(-1003, 7, text, {
      entities: [
        { type: 'mention', offset: 0, length: bot.length },
        { type: 'mention', offset: text.indexOf('@alice'), length: 6 },
        { type: 'text_mention', offset: text.indexOf('Bob'), length: 3, user: user(99, 'Bob') },
        { type: 'url', offset: text.indexOf('https'), length: 19 },
      ],
    }));
    await until(() => seen.length === 1, 'the message');
    expect(seen[0]!.segments).toEqual([
      { type: 'at', userId: '123456', name: adapter.username },
      { type: 'text', text: ' hi @alice and ' },
      { type: 'at', userId: '99', name: 'Bob' },
      { type: 'text', text: ' see https://example.com' },
    ]);
    expect(seen[0]!.toMe).toBe(true);
  });

  it('turns a photo into an image segment by its largest file_id, resolvable through getFile', async () => {
    const adapter = await connect();
    const seen = ingested();
    api!.pushMessage(photo(42, 42, 'PHOTO1', 'look'));
    await until(() => seen.length === 1, 'the photo');
    expect(seen[0]!.segments).toEqual([{ type: 'image', fileId: 'PHOTO1', size: 12800 }, { type: 'text', text: 'look' }]);
    const url = await adapter.fileUrl('PHOTO1');
    expect(await (await fetch(url)).text()).toBe('file:files/PHOTO1.bin');
  });

  it('treats a reply to the bot in a group as addressed to it, so it is buffered', async () => {
    await connect();
    const batches: string[][] = [];
    app!.hooks.on('im_batch_message', (e) => void batches.push(e.messages.map((m) => m.text)));
    api!.pushMessage(groupText(-1004, 7, 'just chatting'));
    const botMessage = { message_id: 77, date: 1, chat: { id: -1004, type: 'supergroup' }, from: api!.bot, text: 'earlier answer' };
    api!.pushMessage(groupText(-1004, 7, 'and you?', { reply_to_message: botMessage }));
    await until(() => batches.length === 1, 'one batch');
    expect(batches).toEqual([['and you?']]);
  });

  it('ingests an update delivered twice only once', async () => {
    await connect();
    const seen = ingested();
    const update = { update_id: 500, message: privateText(42, 'once') };
    api!.pushBatch([update, update]);
    api!.pushMessage(privateText(42, 'after'));
    await until(() => seen.length === 2, 'two messages');
    expect(seen.map((m) => m.text)).toEqual(['once', 'after']);
    expect(app!.metrics.get('telegram_duplicate_updates_total')).toBe(1);
  });

  it('counts and ignores an unknown update kind', async () => {
    await connect();
    const seen = ingested();
    api!.pushUpdate({ business_connection: { id: 'x' } });
    api!.pushMessage(privateText(42, 'still here'));
    await until(() => seen.length === 1, 'the next message');
    expect(app!.metrics.get('telegram_unknown_updates_total', { kind: 'business_connection' })).toBe(1);
  });

  it('passes edited messages and member changes to platform_event hooks', async () => {
    await connect();
    const events: PlatformEvent[] = [];
    app!.hooks.on('platform_event', (e) => void events.push(e));
    api!.pushUpdate({ edited_message: { ...groupText(-1005, 7, 'fixed'), edit_date: 2 } });
    api!.pushUpdate({ chat_member: memberChange(-1005, user(8), 'left', 'member') });
    api!.pushUpdate({ my_chat_member: memberChange(-1005, api!.bot, 'member', 'kicked') });
    await until(() => events.length === 3, 'three events');
    expect(events.map((e) => [e.kind, e.chatKey, e.userId])).toEqual([
      ['message.edited', 'telegram-group_-1005', '7'],
      ['member.member', 'telegram-group_-1005', '8'],
      ['bot.kicked', 'telegram-group_-1005', '123456'],
    ]);
  });
});

describe('Telegram adapter: sending', () => {
  it('splits a long reply at newlines, then spaces', async () => {
    const adapter = await connect();
    const para = 'word '.repeat(700).trim();
    const text = `${para}\n${para}`;
    await adapter.send('telegram-private_42', [{ type: 'text', text }]);
    const sent = texts();
    expect(sent.every((t) => t.length <= 4096)).toBe(true);
    expect(sent).toEqual([para, para]);
  });

  it('splits a paragraph longer than the limit at a space', () => {
    const chunks = splitText('ab '.repeat(3000).trim());
    expect(chunks.length).toBe(3);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(4096);
      expect(c.startsWith(' ') || c.endsWith(' ')).toBe(false);
    }
  });

  it('sends images, files and replies by file_id or URL', async () => {
    const adapter = await connect();
    await adapter.send('telegram-group_-1006_3', [
      { type: 'reply', messageId: '-1006:55' },
      { type: 'text', text: 'here' },
      { type: 'image', fileId: 'IMG' },
      { type: 'file', url: 'https://example.com/a.pdf' },
    ]);
    expect(api!.callsOf('sendMessage')[0]!.params).toMatchObject({ chat_id: -1006, message_thread_id: 3, text: 'here', reply_parameters: { message_id: 55 } });
    expect(api!.callsOf('sendPhoto')[0]!.params).toMatchObject({ chat_id: -1006, photo: 'IMG' });
    expect(api!.callsOf('sendPhoto')[0]!.params.reply_parameters).toBeUndefined();
    expect(api!.callsOf('sendDocument')[0]!.params).toMatchObject({ document: 'https://example.com/a.pdf' });
  });

  it('waits out a 429 retry_after and delivers', async () => {
    const adapter = await connect();
    api!.fail('sendMessage', 429, 'Too Many Requests: retry after 1', { retry_after: 1 });
    const started = Date.now();
    const result = await adapter.send('telegram-private_42', [{ type: 'text', text: 'eventually' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(texts()).toEqual(['eventually', 'eventually']);
    expect(result.messageId).toMatch(/^42:\d+$/);
  });

  it('marks a chat that blocked the bot: later sends fail fast, logged once', async () => {
    const adapter = await connect();
    api!.fail('sendMessage', 403, 'Forbidden: bot was blocked by the user');
    await expect(adapter.send('telegram-private_43', [{ type: 'text', text: 'one' }])).rejects.toMatchObject({ code: 'TELEGRAM_CHAT_BLOCKED', description: 'Forbidden: bot was blocked by the user' });
    await expect(adapter.send('telegram-private_43', [{ type: 'text', text: 'two' }])).rejects.toBeInstanceOf(TelegramChatBlockedError);
    expect(api!.callsOf('sendMessage')).toHaveLength(1);
    expect(lines.filter((l) => String(l.msg).includes('refuses the bot'))).toHaveLength(1);
    await adapter.send('telegram-private_44', [{ type: 'text', text: 'others still work' }]);
    expect(texts()).toContain('others still work');
  });

  it('carries Telegram error_code and description on other failures', async () => {
    const adapter = await connect();
    api!.fail('sendMessage', 400, 'Bad Request: chat not found');
    await expect(adapter.send('telegram-private_45', [{ type: 'text', text: 'x' }])).rejects.toMatchObject({ code: 'TELEGRAM_API', errorCode: 400, description: 'Bad Request: chat not found' });
  });
});

describe('Telegram adapter: one poller per token', () => {
  it('stops with a clear error when another process already polls the token (409 Conflict)', async () => {
    api = new FakeBotApi();
    await api.start();
    api.fail('getUpdates', 409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running', undefined, 1000);
    const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1 });
    ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '30' }, { adapters: [adapter] }));
    await app.start();
    // The only adapter closed: the app stops by itself, saying why.
    await app.stopped;
    expect(lines.some((l) => String(l.msg).startsWith('another process is already polling this bot token'))).toBe(true);
    expect(app.metrics.get('telegram_polling_stopped_total', { code: '409' })).toBe(1);
  });
});
