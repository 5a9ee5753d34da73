import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError, ValidationError } from '../../../core/errors/index.js';
import {
  OneBotActionError,
  OneBotApi,
  OneBotCallTimeoutError,
  OneBotDeliveryUnknownError,
  OneBotLinkDownError,
  type OneBotApiOptions,
} from '../../../adapters/onebot/api.js';
import { OneBotActions, toWireId } from '../../../adapters/onebot/api-actions.js';
import { classifyFrame } from '../../../adapters/onebot/events.js';
import type { ActionRequest, OneBotSegment } from '../../../adapters/onebot/types.js';

/** An API whose frames are collected instead of written; `reply` answers one like the implementation would. */
function link(options?: OneBotApiOptions) {
  const sent: ActionRequest[] = [];
  const api = new OneBotApi((frame) => void sent.push(frame), options);
  /** Answers over the wire: JSON round trip, then `classifyFrame`, as the connection does. */
  const reply = (frame: Pick<ActionRequest, 'echo'>, body: Record<string, unknown>): boolean => {
    const classified = classifyFrame(JSON.parse(JSON.stringify({ ...body, echo: frame.echo })));
    if (classified.kind !== 'response') throw new Error(`not a response: ${JSON.stringify(classified)}`);
    return api.handleResponse(classified.response);
  };
  const ok = (frame: ActionRequest, data: unknown = null) => reply(frame, { status: 'ok', retcode: 0, data });
  return { api, sent, reply, ok, last: () => sent.at(-1)! };
}

/** Typed wrappers over a link that answers every call with `answer(frame)`'s data, asynchronously. */
function actionsAnswering(answer: (frame: ActionRequest) => unknown) {
  const sent: ActionRequest[] = [];
  const api: OneBotApi = new OneBotApi((frame) => {
    sent.push(frame);
    queueMicrotask(() => {
      const c = classifyFrame(JSON.parse(JSON.stringify({ status: 'ok', retcode: 0, data: answer(frame) ?? null, echo: frame.echo })));
      if (c.kind === 'response') api.handleResponse(c.response);
    });
  });
  return { actions: new OneBotActions(api), sent };
}

const text = (t: string): OneBotSegment => ({ type: 'text', data: { text: t } });

afterEach(() => {
  vi.useRealTimers();
});

describe('echo matching', () => {
  it('1,000 concurrent calls answered in random order each get their own answer', async () => {
    const { api, sent, ok } = link();
    const calls = Array.from({ length: 1000 }, (_, i) => api.call<{ i: number }>('get_msg', { message_id: i }));
    expect(api.pending).toBe(1000);
    expect(new Set(sent.map((f) => f.echo)).size).toBe(1000);
    const order = [...sent];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const frame of order) expect(ok(frame, { i: frame.params.message_id })).toBe(true);
    const results = await Promise.all(calls);
    expect(results.map((r) => r.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(api.pending).toBe(0);
    expect(api.unmatched).toBe(0);
  });

  it('echoes are unique strings across instances', () => {
    const a = link();
    const b = link();
    void a.api.call('get_status').catch(() => undefined);
    void b.api.call('get_status').catch(() => undefined);
    expect(typeof a.last().echo).toBe('string');
    expect(a.last().echo).not.toBe(b.last().echo);
    a.api.rejectAll(new OneBotLinkDownError('test over'));
    b.api.rejectAll(new OneBotLinkDownError('test over'));
  });

  it('sends the frame with params defaulting to {}', () => {
    const { api, last } = link();
    void api.call('get_login_info').catch(() => undefined);
    expect(last()).toEqual({ action: 'get_login_info', params: {}, echo: expect.any(String) });
    api.rejectAll(new OneBotLinkDownError('test over'));
  });

  it('responses with unknown, numeric, null or missing echoes are counted as unmatched and reported', () => {
    const unmatched = vi.fn();
    const { api, reply, last } = link({ onUnmatched: unmatched });
    const pending = api.call('get_status');
    expect(reply({ echo: 'nobody:1' }, { status: 'ok', retcode: 0 })).toBe(false);
    expect(api.handleResponse({ status: 'ok', retcode: 0, data: null, echo: 1 })).toBe(false);
    expect(api.handleResponse({ status: 'failed', retcode: 1400, data: null, echo: null })).toBe(false);
    expect(api.handleResponse({ status: 'failed', retcode: 1403, data: null })).toBe(false);
    expect(api.unmatched).toBe(4);
    expect(unmatched).toHaveBeenCalledTimes(4);
    expect(api.pending).toBe(1);
    reply(last(), { status: 'ok', retcode: 0, data: { online: true, good: true } });
    return expect(pending).resolves.toEqual({ online: true, good: true });
  });

  it('a second response with the same echo (NapCat stream frames) is unmatched', async () => {
    const { api, ok, last } = link();
    const pending = api.call('get_status');
    const frame = last();
    ok(frame, 1);
    ok(frame, 2);
    await expect(pending).resolves.toBe(1);
    expect(api.unmatched).toBe(1);
  });
});

describe('timeouts', () => {
  it('a call with no answer rejects with OneBotCallTimeoutError after 30 s by default; a late answer is unmatched', async () => {
    vi.useFakeTimers();
    const { api, ok, last } = link();
    const pending = api.call('get_group_info', { group_id: 1 });
    const outcome = pending.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(api.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(OneBotCallTimeoutError);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'ONEBOT_CALL_TIMEOUT', action: 'get_group_info', ms: 30_000 });
    expect(api.pending).toBe(0);
    expect(ok(last(), {})).toBe(false);
    expect(api.unmatched).toBe(1);
  });

  it('honours the instance and per-call time limits', async () => {
    vi.useFakeTimers();
    const { api } = link({ timeoutMs: 1000 });
    const short = api.call('get_status').catch((e: unknown) => e);
    const long = api.call('upload_group_file', {}, { timeoutMs: 5000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await short).toBeInstanceOf(OneBotCallTimeoutError);
    expect(api.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(4000);
    expect(await long).toMatchObject({ code: 'ONEBOT_CALL_TIMEOUT', ms: 5000 });
  });

  it.each(['send_msg', 'send_group_msg', 'send_private_msg', 'send_group_forward_msg', 'send_private_forward_msg', 'send_forward_msg', 'send_group_msg_async', 'send_msg_rate_limited'])(
    'a send action (%s) with no answer is delivery-unknown, not a plain timeout',
    async (action) => {
      vi.useFakeTimers();
      const { api } = link({ timeoutMs: 100 });
      const outcome = api.call(action, { message: [text('hi')] }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(100);
      const err = await outcome;
      expect(err).toBeInstanceOf(OneBotDeliveryUnknownError);
      expect(err).not.toBeInstanceOf(OneBotCallTimeoutError);
      expect(err).toMatchObject({ code: 'ONEBOT_DELIVERY_UNKNOWN', action, why: 'timeout' });
      expect((err as Error).message).toMatch(/delivery unknown/);
    },
  );

  it('a send the implementation refused is a rejection (OneBotActionError), not delivery-unknown', async () => {
    const { api, reply, last } = link();
    const pending = api.call('send_group_msg', { group_id: 1, message: [text('hi')] });
    reply(last(), { status: 'failed', retcode: 1200, data: null, message: '发送消息失败', wording: '发送消息失败' });
    await expect(pending).rejects.toBeInstanceOf(OneBotActionError);
    await expect(pending).rejects.toMatchObject({ code: 'ONEBOT_ACTION_FAILED', retcode: 1200, reason: 'action-threw' });
  });
});

describe('link down', () => {
  it('rejectAll rejects every pending call at once; sends become delivery-unknown with the drop as cause', async () => {
    const { api, ok, sent } = link();
    const info = api.call('get_group_info', { group_id: 1 }).catch((e: unknown) => e);
    const msg = api.call('get_msg', { message_id: 1 }).catch((e: unknown) => e);
    const send = api.call('send_private_msg', { user_id: 1, message: [text('hi')] }).catch((e: unknown) => e);
    const drop = new OneBotLinkDownError('socket closed (1006)');
    expect(api.rejectAll(drop)).toBe(3);
    expect(api.pending).toBe(0);
    expect(await info).toBe(drop);
    expect(await msg).toBe(drop);
    const sendErr = await send;
    expect(sendErr).toBeInstanceOf(OneBotDeliveryUnknownError);
    expect(sendErr).toMatchObject({ code: 'ONEBOT_DELIVERY_UNKNOWN', why: 'link-down', cause: drop });
    expect(drop.code).toBe('ONEBOT_LINK_DOWN');
    expect(ok(sent[0]!, {})).toBe(false);
    expect(api.unmatched).toBe(1);
    expect(api.rejectAll(drop)).toBe(0);
  });

  it('rejectAll clears the timers: nothing fires afterwards', async () => {
    vi.useFakeTimers();
    const { api } = link({ timeoutMs: 100 });
    const outcome = api.call('get_status').catch((e: unknown) => e);
    api.rejectAll(new OneBotLinkDownError('closed'));
    expect(vi.getTimerCount()).toBe(0);
    expect(await outcome).toBeInstanceOf(OneBotLinkDownError);
  });

  it('a call that cannot be written rejects with OneBotLinkDownError, even a send (it certainly did not go out)', async () => {
    const api = new OneBotApi(() => {
      throw new Error('WebSocket is not open: readyState 3 (CLOSED)');
    });
    const err = await api.call('send_group_msg', { group_id: 1, message: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OneBotLinkDownError);
    expect((err as Error).message).toMatch(/readyState 3/);
    expect(api.pending).toBe(0);
  });
});

describe('status and retcode mapping', () => {
  it.each<[string, Record<string, unknown>, 'resolve' | string, unknown]>([
    ['ok / 0', { status: 'ok', retcode: 0, data: { message_id: 5 } }, 'resolve', { message_id: 5 }],
    ['async / 1 (data null)', { status: 'async', retcode: 1, data: null }, 'resolve', null],
    ['ok wins over a non-zero retcode', { status: 'ok', retcode: 1404, data: 7 }, 'resolve', 7],
    ['no status, retcode 0', { retcode: 0, data: 'x' }, 'resolve', 'x'],
    ['no status, retcode 1', { retcode: 1 }, 'resolve', null],
    ['failed / 1400', { status: 'failed', retcode: 1400 }, 'bad-request', 1400],
    ['failed / 1401', { status: 'failed', retcode: 1401 }, 'unauthorized', 1401],
    ['failed / 1403', { status: 'failed', retcode: 1403 }, 'unauthorized', 1403],
    ['failed / 1404', { status: 'failed', retcode: 1404 }, 'unsupported-action', 1404],
    ['failed / 404 (Lagrange)', { status: 'failed', retcode: 404 }, 'unsupported-action', 404],
    ['failed / 1200 (NapCat)', { status: 'failed', retcode: 1200 }, 'action-threw', 1200],
    ['failed / 200 (Lagrange)', { status: 'failed', retcode: 200 }, 'action-threw', 200],
    ['failed / 100 (go-cqhttp)', { status: 'failed', retcode: 100 }, 'failed', 100],
    ['failed / 9000 (QQ code)', { status: 'failed', retcode: 9000 }, 'failed', 9000],
    ['no status, retcode 1404', { retcode: 1404 }, 'unsupported-action', 1404],
    ['unknown status, retcode 1200', { status: 'weird', retcode: 1200 }, 'action-threw', 1200],
  ])('%s', async (_name, body, expected, value) => {
    const { api, reply, last } = link();
    const pending = api.call('get_msg', { message_id: 1 });
    reply(last(), body);
    if (expected === 'resolve') await expect(pending).resolves.toEqual(value);
    else await expect(pending).rejects.toMatchObject({ code: 'ONEBOT_ACTION_FAILED', action: 'get_msg', retcode: value, reason: expected });
  });

  it('an action error carries the implementation\'s message and wording (or go-cqhttp msg)', async () => {
    const { api, reply, last } = link();
    const a = api.call('get_msg', { message_id: 1 });
    reply(last(), { status: 'failed', retcode: 1200, message: 'msg not found', wording: '消息不存在' });
    await expect(a).rejects.toMatchObject({ detail: 'msg not found', wording: '消息不存在' });
    await expect(a).rejects.toThrow(/get_msg.*1200.*msg not found/);
    const b = api.call('get_msg', { message_id: 1 });
    reply(last(), { status: 'failed', retcode: 100, msg: 'MESSAGE_NOT_FOUND' });
    await expect(b).rejects.toMatchObject({ detail: 'MESSAGE_NOT_FOUND', retcode: 100 });
  });
});

describe('typed wrappers', () => {
  it('sendGroupMsg sends the array form with the group id as a number', async () => {
    const { actions, sent } = actionsAnswering(() => ({ message_id: -2147476175 }));
    const result = await actions.sendGroupMsg({ group_id: '987654321', message: [{ type: 'at', data: { qq: '12345678' } }, text(' hi')] });
    expect(result.message_id).toBe('-2147476175');
    expect(sent[0]).toMatchObject({
      action: 'send_group_msg',
      params: { group_id: 987654321, message: [{ type: 'at', data: { qq: '12345678' } }, { type: 'text', data: { text: ' hi' } }] },
    });
    expect(Array.isArray(sent[0]!.params.message)).toBe(true);
    expect(sent[0]!.params).not.toHaveProperty('auto_escape');
  });

  it('sendMsg infers message_type; sendPrivateMsg can route a temp session through its group', async () => {
    const { actions, sent } = actionsAnswering(() => ({ message_id: 1 }));
    await actions.sendMsg({ group_id: 1, message: [text('a')] });
    await actions.sendMsg({ user_id: 2, message: [text('b')] });
    await actions.sendPrivateMsg({ user_id: 3, group_id: 4, message: [text('c')] });
    expect(sent.map((f) => f.params)).toEqual([
      { group_id: 1, message_type: 'group', message: [text('a')] },
      { user_id: 2, message_type: 'private', message: [text('b')] },
      { user_id: 3, group_id: 4, message: [text('c')] },
    ]);
  });

  it('ids beyond 2^53 or not numeric stay strings; unset options are left out', async () => {
    expect(toWireId('9007199254740993')).toBe('9007199254740993');
    expect(toWireId('-42')).toBe(-42);
    expect(toWireId('u_abc')).toBe('u_abc');
    const { actions, sent } = actionsAnswering(() => null);
    await actions.setGroupBan({ group_id: '1', user_id: '2' });
    expect(sent[0]!.params).toEqual({ group_id: 1, user_id: 2 });
  });

  it('setGroupAddRequest sends the sub type as sub_type and type; anonymous bans send flag aliases', async () => {
    const { actions, sent } = actionsAnswering(() => null);
    await actions.setGroupAddRequest({ flag: 'f-1', sub_type: 'invite', approve: false, reason: 'no' });
    await actions.setGroupAnonymousBan({ group_id: 1, anonymous_flag: 'AAAA|1', duration: 60 });
    expect(sent[0]!.params).toEqual({ flag: 'f-1', sub_type: 'invite', type: 'invite', approve: false, reason: 'no' });
    expect(sent[1]!.params).toEqual({ group_id: 1, anonymous_flag: 'AAAA|1', flag: 'AAAA|1', duration: 60 });
  });

  it('getForwardMsg returns one shape for NapCat {messages} and spec/Lagrange {message}', async () => {
    const napcat = actionsAnswering(() => ({
      messages: [
        { self_id: 1, user_id: 12345678, time: 1715587200, message_id: 11, message_type: 'group', sender: { user_id: 12345678, nickname: '小明', card: '' }, message: [text('第一条')], message_format: 'array' },
        { user_id: '23456789', time: 1715587201, message_id: 12, sender: { user_id: 23456789, nickname: '小红', card: '红' }, message: '第二条[CQ:face,id=178]' },
      ],
    }));
    const lagrange = actionsAnswering(() => ({
      message: [
        { type: 'node', data: { user_id: '12345678', nickname: '小明', content: [text('第一条')] } },
        { type: 'node', data: { uin: 23456789, name: '红', content: '第二条[CQ:face,id=178]' } },
      ],
    }));
    const a = await napcat.actions.getForwardMsg({ id: 'res-1' });
    const b = await lagrange.actions.getForwardMsg({ id: 'res-1' });
    const expected = [
      { user_id: '12345678', nickname: '小明', message: [text('第一条')] },
      { user_id: '23456789', nickname: '红', message: [text('第二条'), { type: 'face', data: { id: '178' } }] },
    ];
    expect(a.messages).toMatchObject(expected);
    expect(b.messages).toMatchObject(expected);
    expect(a.messages[0]).toMatchObject({ time: 1715587200, message_id: '11' });
    expect(napcat.sent[0]).toMatchObject({ action: 'get_forward_msg', params: { id: 'res-1' } });
  });

  it('getForwardMsg reads go-cqhttp content and a CQ-string node list', async () => {
    const gocq = actionsAnswering(() => ({ messages: [{ content: 'hi', sender: { nickname: 'A', user_id: 1 }, time: 5 }] }));
    expect((await gocq.actions.getForwardMsg({ id: 'x' })).messages).toEqual([{ user_id: '1', nickname: 'A', time: 5, message_id: undefined, message: [text('hi')] }]);
    const cq = actionsAnswering(() => ({ message: '[CQ:node,user_id=1,nickname=A,content=&#91;CQ:face&#44;id=123&#93;哈喽～]' }));
    expect((await cq.actions.getForwardMsg({ id: 'x' })).messages).toMatchObject([{ user_id: '1', nickname: 'A', message: [{ type: 'face', data: { id: '123' } }, text('哈喽～')] }]);
  });

  it('forward sends carry both sender spellings and reference nodes by id', async () => {
    const { actions, sent } = actionsAnswering(() => ({ message_id: 99, res_id: 'r', forward_id: 'r' }));
    const result = await actions.sendGroupForwardMsg({ group_id: 1, messages: [{ id: -5 }, { user_id: 2, nickname: 'B', content: [text('x')] }] });
    expect(result).toMatchObject({ message_id: '99', forward_id: 'r', res_id: 'r' });
    expect(sent[0]!.params).toEqual({
      group_id: 1,
      messages: [
        { type: 'node', data: { id: '-5' } },
        { type: 'node', data: { user_id: '2', nickname: 'B', uin: '2', name: 'B', content: [text('x')] } },
      ],
    });
    await actions.sendPrivateForwardMsg({ user_id: '3', messages: [{ id: 1 }] });
    expect(sent[1]).toMatchObject({ action: 'send_private_forward_msg', params: { user_id: 3 } });
  });

  it('getGroupMsgHistory sends the page start as message_seq and message_id and normalises messages', async () => {
    const { actions, sent } = actionsAnswering(() => ({
      messages: [{ time: 1, message_type: 'group', message_id: 7, user_id: 8, group_id: 9, sender: { nickname: 'n' }, message: 'a[CQ:at,qq=1]' }],
    }));
    const { messages } = await actions.getGroupMsgHistory({ group_id: 9, message_seq: '7', count: 5 });
    expect(sent[0]!.params).toEqual({ group_id: 9, message_seq: 7, message_id: 7, count: 5 });
    expect(messages[0]).toMatchObject({ message_id: '7', user_id: '8', group_id: '9', message: [text('a'), { type: 'at', data: { qq: '1' } }] });
  });

  it('a result of the wrong shape is a ValidationError naming the action', async () => {
    const { actions } = actionsAnswering(() => ({ nickname: 5 }));
    const err = await actions.getLoginInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/get_login_info/);
  });

  it('every public action of §5.1 and the §5.2 extensions has a wrapper that calls it', async () => {
    const member = { group_id: 1, user_id: 2, nickname: 'n', role: 'member' };
    const answers: Record<string, unknown> = {
      get_msg: { time: 1, message_type: 'private', message_id: 1, real_id: 1, sender: { user_id: 2 }, message: [text('x')] },
      get_forward_msg: { message: [] },
      get_login_info: { user_id: 10001000, nickname: 'bot' },
      get_stranger_info: { user_id: 2, nickname: 'n', sex: 'male', age: 3 },
      get_friend_list: [{ user_id: 2, nickname: 'n', remark: '' }],
      get_group_info: { group_id: 1, group_name: 'g', member_count: 3, max_member_count: 200 },
      get_group_list: [{ group_id: 1, group_name: 'g' }],
      get_group_member_info: member,
      get_group_member_list: [member, { ...member, user_id: 3 }],
      get_group_honor_info: { group_id: 1, current_talkative: { user_id: 2, nickname: 'n', avatar: 'a', day_count: 3 }, talkative_list: [{ user_id: 2, nickname: 'n', avatar: 'a', description: 'd' }] },
      get_cookies: { cookies: 'a=b' },
      get_csrf_token: { token: 123 },
      get_credentials: { cookies: 'a=b', csrf_token: 123 },
      get_record: { file: '/tmp/a.mp3' },
      get_image: { file: '/tmp/a.jpg' },
      can_send_image: { yes: true },
      can_send_record: { yes: false },
      get_status: { online: null, good: true },
      get_version_info: { app_name: 'NapCat.Onebot', app_version: '4.0.0', protocol_version: 'v11' },
      get_group_msg_history: { messages: [] },
    };
    const { actions, sent } = actionsAnswering((f) => answers[f.action] ?? (f.action.startsWith('send_') ? { message_id: 1 } : null));
    const m = [text('x')];
    const results = {
      send_private_msg: await actions.sendPrivateMsg({ user_id: 2, message: m }),
      send_group_msg: await actions.sendGroupMsg({ group_id: 1, message: m }),
      send_msg: await actions.sendMsg({ message_type: 'group', group_id: 1, message: m }),
      delete_msg: await actions.deleteMsg({ message_id: 1 }),
      get_msg: await actions.getMsg({ message_id: 1 }),
      get_forward_msg: await actions.getForwardMsg({ id: 'r' }),
      send_like: await actions.sendLike({ user_id: 2, times: 10 }),
      set_group_kick: await actions.setGroupKick({ group_id: 1, user_id: 2, reject_add_request: true }),
      set_group_ban: await actions.setGroupBan({ group_id: 1, user_id: 2, duration: 0 }),
      set_group_anonymous_ban: await actions.setGroupAnonymousBan({ group_id: 1, anonymous: { id: 5, name: 'a', flag: 'f' } }),
      set_group_whole_ban: await actions.setGroupWholeBan({ group_id: 1, enable: false }),
      set_group_admin: await actions.setGroupAdmin({ group_id: 1, user_id: 2 }),
      set_group_anonymous: await actions.setGroupAnonymous({ group_id: 1 }),
      set_group_card: await actions.setGroupCard({ group_id: 1, user_id: 2, card: '' }),
      set_group_name: await actions.setGroupName({ group_id: 1, group_name: 'g' }),
      set_group_leave: await actions.setGroupLeave({ group_id: 1, is_dismiss: true }),
      set_group_special_title: await actions.setGroupSpecialTitle({ group_id: 1, user_id: 2, special_title: 't', duration: -1 }),
      set_friend_add_request: await actions.setFriendAddRequest({ flag: 'f', approve: true, remark: 'r' }),
      set_group_add_request: await actions.setGroupAddRequest({ flag: 'f', sub_type: 'add' }),
      get_login_info: await actions.getLoginInfo(),
      get_stranger_info: await actions.getStrangerInfo({ user_id: 2, no_cache: true }),
      get_friend_list: await actions.getFriendList(),
      get_group_info: await actions.getGroupInfo({ group_id: 1 }),
      get_group_list: await actions.getGroupList(),
      get_group_member_info: await actions.getGroupMemberInfo({ group_id: 1, user_id: 2 }),
      get_group_member_list: await actions.getGroupMemberList({ group_id: 1 }),
      get_group_honor_info: await actions.getGroupHonorInfo({ group_id: 1, type: 'all' }),
      get_cookies: await actions.getCookies({ domain: 'qun.qq.com' }),
      get_csrf_token: await actions.getCsrfToken(),
      get_credentials: await actions.getCredentials(),
      get_record: await actions.getRecord({ file: 'a.amr', out_format: 'mp3' }),
      get_image: await actions.getImage({ file: 'a.image' }),
      can_send_image: await actions.canSendImage(),
      can_send_record: await actions.canSendRecord(),
      get_status: await actions.getStatus(),
      get_version_info: await actions.getVersionInfo(),
      set_restart: await actions.setRestart({ delay: 0 }),
      clean_cache: await actions.cleanCache(),
      get_group_msg_history: await actions.getGroupMsgHistory({ group_id: 1 }),
      send_group_forward_msg: await actions.sendGroupForwardMsg({ group_id: 1, messages: [{ id: 1 }] }),
      send_private_forward_msg: await actions.sendPrivateForwardMsg({ user_id: 2, messages: [{ id: 1 }] }),
    };
    expect(sent.map((f) => f.action)).toEqual(Object.keys(results));
    expect(sent).toHaveLength(41);
    expect(results).toMatchObject({
      send_private_msg: { message_id: '1' },
      get_msg: { message_id: '1', real_id: '1', message: m },
      get_login_info: { user_id: '10001000', nickname: 'bot' },
      get_friend_list: [{ user_id: '2' }],
      get_group_member_list: [{ user_id: '2' }, { user_id: '3' }],
      get_group_honor_info: { current_talkative: { day_count: 3 }, talkative_list: [{ description: 'd' }] },
      get_cookies: 'a=b',
      get_csrf_token: 123,
      get_record: '/tmp/a.mp3',
      can_send_image: true,
      can_send_record: false,
      get_status: { online: null, good: true },
      get_version_info: { protocol_version: 'v11' },
      get_group_msg_history: { messages: [] },
      send_group_forward_msg: { message_id: '1' },
    });
    expect(results.delete_msg).toBeUndefined();
  });
});
