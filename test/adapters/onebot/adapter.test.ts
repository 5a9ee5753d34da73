import { afterEach, describe, expect, it } from 'vitest';
import { OneBotAdapter, type OneBotAdapterOptions } from '../../../adapters/onebot/index.js';
import type { PlatformEvent } from '../../../core/hooks/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { until } from '../../support/messages.js';
import { FakeOneBot } from '../../peers/onebot/fake-onebot.js';

let app: App | undefined;
let peer: FakeOneBot | undefined;
afterEach(async () => {
  await peer?.stop();
  await app?.stop();
  peer = undefined;
  app = undefined;
});

const SELF = 10001;
const textOf = (params: Record<string, unknown>) =>
  (params.message as { type: string; data: { text?: string } }[]).filter((s) => s.type === 'text').map((s) => s.data.text).join('');

async function connect(mode: 'forward' | 'reverse', env: Record<string, string> = {}, options: Partial<OneBotAdapterOptions> = {}, format: 'array' | 'string' = 'array') {
  if (mode === 'forward') {
    peer = new FakeOneBot({ selfId: SELF, mode, token: 'secret', heartbeatMs: 1000, messageFormat: format });
    await peer.start();
    const adapter = new OneBotAdapter({ wsUrls: [peer.url], accessToken: 'secret', ...options });
    ({ app } = makeTestApp({ DEBOUNCE_MS: '30', ...env }, { adapters: [adapter] }));
    await app.start();
    await until(() => adapter.accountIds.includes(String(SELF)), 'the account to identify');
    return adapter;
  }
  const adapter = new OneBotAdapter({ reverse: { host: '127.0.0.1', port: 0 }, accessToken: 'secret', ...options });
  ({ app } = makeTestApp({ DEBOUNCE_MS: '30', ...env }, { adapters: [adapter] }));
  await app.start();
  peer = new FakeOneBot({ selfId: SELF, mode, token: 'secret', url: `ws://127.0.0.1:${adapter.reverseAddress!.port}/onebot/v11/ws`, heartbeatMs: 1000, messageFormat: format });
  await peer.start();
  await until(() => adapter.accountIds.includes(String(SELF)), 'the account to identify');
  return adapter;
}

describe.each(['forward', 'reverse'] as const)('OneBot adapter over %s WebSocket', (mode) => {
  it('answers /echo in a group with send_group_msg carrying the text', async () => {
    await connect(mode);
    peer!.emitEvent(peer!.groupMessage(555, 42, '/echo hello world'));
    const call = await peer!.waitForCall('send_group_msg');
    expect(call.params.group_id).toBe(555);
    expect(Array.isArray(call.params.message)).toBe(true);
    expect(textOf(call.params)).toBe('hello world');
  });

  it('decodes CQ-code strings with their escapes', async () => {
    await connect(mode, {}, {}, 'string');
    peer!.emitEvent(peer!.groupMessage(555, 42, '/echo &#91;x&#93; &amp; y'));
    const call = await peer!.waitForCall('send_group_msg');
    expect(textOf(call.params)).toBe('[x] & y');
  });
});

describe.each(['forward', 'reverse'] as const)('OneBot reconnect over %s WebSocket (the admin API’s)', (mode) => {
  it('cuts the link, the account comes back on a new socket, and messages flow again', async () => {
    const adapter = await connect(mode);
    expect(peer!.connectionCount).toBe(1);
    await app!.reconnectAdapter('onebot');
    await until(() => peer!.connectionCount === 2 && adapter.accountIds.includes(String(SELF)), 'a second socket');
    peer!.emitEvent(peer!.groupMessage(555, 42, '/echo after reconnect'));
    expect(textOf((await peer!.waitForCall('send_group_msg')).params)).toBe('after reconnect');
  });
});

describe('OneBot adapter in chats', () => {
  it('gives group admins ADVANCED commands and members not', async () => {
    await connect('forward');
    peer!.emitEvent(peer!.groupMessage(7, 1, '/reset', { sender: { user_id: 1, nickname: 'm', role: 'member' } }));
    expect(textOf((await peer!.waitForCall('send_group_msg')).params)).toBe('Permission denied: reset needs advanced');
    peer!.emitEvent(peer!.groupMessage(7, 2, '/reset', { sender: { user_id: 2, nickname: 'a', role: 'admin' } }));
    expect(textOf((await peer!.waitForCall('send_group_msg', (c) => textOf(c.params).startsWith('Reset'))).params)).toMatch(/^Reset onebot-group_7/);
  });

  it('buffers group messages that @ the bot and records the others; never reacts to its own messages', async () => {
    const batches: string[][] = [];
    await connect('forward');
    app!.hooks.on('im_batch_message', (e) => void batches.push(e.messages.map((m) => m.text)));
    peer!.emitEvent(peer!.groupMessage(9, 3, 'just chatting'));
    peer!.emitEvent(peer!.groupMessage(9, 3, [{ type: 'at', data: { qq: String(SELF) } }, { type: 'text', data: { text: ' hi bot' } }]));
    peer!.emitEvent({ ...peer!.groupMessage(9, SELF, '/echo from myself'), post_type: 'message_sent' });
    await until(() => batches.length === 1, 'one batch');
    expect(batches).toEqual([[' hi bot']]);
    expect(await app!.store.history.count('onebot-group_9')).toBe(2);
    expect(app!.metrics.get('onebot_self_messages_total')).toBe(1);
    expect(peer!.calls.filter((c) => c.action === 'send_group_msg')).toEqual([]);
  });

  it('passes notices and requests to platform_event hooks', async () => {
    const events: PlatformEvent[] = [];
    await connect('forward');
    app!.hooks.on('platform_event', (e) => void events.push(e));
    peer!.emitEvent(peer!.notice('group_increase', { sub_type: 'approve', group_id: 9, operator_id: 1, user_id: 77 }));
    peer!.emitEvent(peer!.request('friend', { user_id: 88, comment: 'hi' }));
    await until(() => events.length === 2, 'two platform events');
    expect(events.map((e) => [e.kind, e.chatKey])).toEqual([
      ['notice.group_increase', 'onebot-group_9'],
      ['request.friend', 'onebot-private_88'],
    ]);
  });

  it('quotes the command message when configured', async () => {
    await connect('forward', { ONEBOT_QUOTE_COMMAND_REPLIES: '1' });
    const event = peer!.groupMessage(5, 4, '/echo quoted');
    peer!.emitEvent(event);
    const call = await peer!.waitForCall('send_group_msg');
    const message = call.params.message as { type: string; data: Record<string, unknown> }[];
    expect(message[0]).toEqual({ type: 'reply', data: { id: String(event.message_id) } });
  });

  it('quotes each command its own message when commands of a group arrive together', async () => {
    await connect('forward', { ONEBOT_QUOTE_COMMAND_REPLIES: '1' });
    // Before, the quote was the group's latest message while a command was being handled: the first reply
    // quoted the second command.
    const events = ['/echo one', '/echo two', '/echo three'].map((text) => peer!.groupMessage(5, 4, text));
    for (const event of events) peer!.emitEvent(event);
    for (const [i, text] of ['one', 'two', 'three'].entries()) {
      const call = await peer!.waitForCall('send_group_msg', (c) => textOf(c.params) === text);
      const message = call.params.message as { type: string; data: Record<string, unknown> }[];
      expect(message[0]).toEqual({ type: 'reply', data: { id: String(events[i]!.message_id) } });
    }
  });

  it('does not quote when not configured', async () => {
    await connect('forward');
    peer!.emitEvent(peer!.groupMessage(5, 4, '/echo plain'));
    const call = await peer!.waitForCall('send_group_msg');
    expect((call.params.message as { type: string }[]).map((s) => s.type)).toEqual(['text']);
  });

  it('counts malformed frames and keeps working', async () => {
    await connect('forward');
    peer!.sendRaw('this is not json');
    peer!.sendRaw(JSON.stringify({ post_type: 'weird', self_id: SELF, time: 1 }));
    peer!.emitEvent(peer!.groupMessage(3, 4, '/echo still alive'));
    expect(textOf((await peer!.waitForCall('send_group_msg')).params)).toBe('still alive');
    expect(app!.metrics.get('onebot_malformed_frames_total', { kind: 'not-json' })).toBe(1);
    expect(app!.metrics.get('onebot_bad_frames_total', { category: 'unknown-post-type' })).toBe(1);
  });
});
