import { describe, expect, it } from 'vitest';
import { createInboundMessage } from '../../../core/message/index.js';
import {
  classifyFrame,
  heartbeatInterval,
  isOneBotEvent,
  lifecycleOf,
  toInboundMessage,
  toPlatformEvent,
  type MessageEvent,
  type MetaEvent,
  type NoticeEvent,
  type RequestEvent,
} from '../../../adapters/onebot/events.js';

const SELF = '10001000';
const ctx = { adapter: 'onebot', selfId: SELF };
const base = { time: 1715587200, self_id: 10001000 };

/** Classifies a frame after a JSON round trip, as it would arrive, and expects an event. */
function event(frame: Record<string, unknown>) {
  const result = classifyFrame(JSON.parse(JSON.stringify(frame)));
  if (result.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return result.event;
}
function messageEvent(frame: Record<string, unknown>): MessageEvent {
  const e = event(frame);
  if (e.post_type !== 'message' && e.post_type !== 'message_sent') throw new Error(`not a message: ${e.post_type}`);
  return e;
}
function platformEvent(frame: Record<string, unknown>) {
  const e = event(frame);
  if (e.post_type !== 'notice' && e.post_type !== 'request') throw new Error(`not a notice or request: ${e.post_type}`);
  return toPlatformEvent(e as NoticeEvent | RequestEvent, ctx);
}

const groupMessage = (over: Record<string, unknown> = {}) => ({
  ...base,
  post_type: 'message',
  message_type: 'group',
  sub_type: 'normal',
  message_id: 233,
  group_id: 987654321,
  user_id: 12345678,
  anonymous: null,
  message: '[CQ:at,qq=10001000] 今天天气怎么样',
  raw_message: '[CQ:at,qq=10001000] 今天天气怎么样',
  font: 0,
  sender: { user_id: 12345678, nickname: '小明', card: '小明@技术部', sex: 'unknown', age: 0, area: '', level: '1', role: 'member', title: '' },
  ...over,
});

describe('message events become inbound messages', () => {
  it('a friend message in string form (spec example) is a private message to the bot', () => {
    const e = messageEvent({
      time: 1515204254, self_id: 10001000, post_type: 'message', message_type: 'private', sub_type: 'friend', message_id: 12,
      user_id: 12345678, message: '你好～', raw_message: '你好～', font: 456, sender: { nickname: '小不点', sex: 'male', age: 18 },
    });
    const input = toInboundMessage(e, ctx)!;
    expect(input).toMatchObject({
      adapter: 'onebot', botId: SELF, chatType: 'private', chatId: '12345678', userId: '12345678', userName: '小不点',
      toMe: true, messageId: '12', time: 1515204254000, segments: [{ type: 'text', text: '你好～' }],
    });
    expect(input.senderRole).toBeUndefined();
    expect(createInboundMessage(input).chatKey).toBe('onebot-private_12345678');
  });

  it('a group message that @s the bot in string form is to the bot, named by card, with the sender role', () => {
    const input = toInboundMessage(messageEvent(groupMessage()), ctx)!;
    expect(input).toMatchObject({ chatType: 'group', chatId: '987654321', userId: '12345678', userName: '小明@技术部', toMe: true, senderRole: 'member', messageId: '233' });
    expect(input.segments).toEqual([{ type: 'at', userId: SELF }, { type: 'text', text: ' 今天天气怎么样' }]);
    const msg = createInboundMessage(input);
    expect(msg.chatKey).toBe('onebot-group_987654321');
    expect(msg.text).toContain('今天天气怎么样');
  });

  it('a NapCat group message in array form, without anonymous and with an empty card, uses the nickname', () => {
    const input = toInboundMessage(
      messageEvent(groupMessage({
        message: [{ type: 'text', data: { text: 'hello' } }, { type: 'face', data: { id: 178, raw: { faceIndex: 178 } } }],
        message_format: 'array', message_seq: 233, real_id: 233, real_seq: '4711', group_name: '技术部', target_id: 987654321,
        anonymous: undefined, sender: { user_id: 12345678, nickname: '小明', card: '', role: 'admin' },
      })),
      ctx,
    )!;
    expect(input).toMatchObject({ userName: '小明', toMe: false, senderRole: 'admin' });
    expect(input.segments).toEqual([{ type: 'text', text: 'hello' }, { type: 'face', id: '178' }]);
  });

  it('a group reply to one of the bot\'s messages is to the bot when the caller resolved it', () => {
    const e = messageEvent(groupMessage({ message: [{ type: 'reply', data: { id: '-2147476175' } }, { type: 'text', data: { text: 'yes' } }] }));
    expect(toInboundMessage(e, ctx)!.toMe).toBe(false);
    expect(toInboundMessage(e, { ...ctx, repliedToSelf: true })!.toMe).toBe(true);
  });

  it('an @all is not addressed to the bot', () => {
    expect(toInboundMessage(messageEvent(groupMessage({ message: '[CQ:at,qq=all] 开会' })), ctx)!.toMe).toBe(false);
  });

  it.each([
    ['NapCat, with group_id and temp_source', { group_id: 987654321, temp_source: 0 }],
    ['Lagrange, without group_id', {}],
  ])('a temp session from a group (%s) is a private chat with the user', (_name, extra) => {
    const e = messageEvent({
      ...base, post_type: 'message', message_type: 'private', sub_type: 'group', message_id: 77, user_id: 23456789,
      message: [{ type: 'text', data: { text: '在吗' } }], raw_message: '在吗', font: 14, sender: { user_id: 23456789, nickname: '路人' }, ...extra,
    });
    expect(toInboundMessage(e, ctx)).toMatchObject({ chatType: 'private', chatId: '23456789', userId: '23456789', toMe: true, userName: '路人' });
  });

  it('a private message of sub_type other is a private chat too', () => {
    const e = messageEvent({ ...base, post_type: 'message', message_type: 'private', sub_type: 'other', message_id: 78, user_id: 34567890, message: 'hi', sender: {} });
    expect(toInboundMessage(e, ctx)).toMatchObject({ chatType: 'private', chatId: '34567890', userName: '' });
  });

  it('an anonymous group message gets an anonymous user id and name, and no role', () => {
    const e = messageEvent(groupMessage({
      sub_type: 'anonymous', user_id: 80000000, anonymous: { id: 2345678901, name: '匿名者', flag: 'AAAA|2345678901' },
      message: 'who am i', sender: { user_id: 80000000, nickname: '匿名消息', role: 'member' },
    }));
    const input = toInboundMessage(e, ctx)!;
    expect(input).toMatchObject({ userId: 'anonymous:2345678901', userName: '匿名者', chatId: '987654321' });
    expect(input.senderRole).toBeUndefined();
    expect(createInboundMessage(input).userId).toBe('anonymous:2345678901');
  });

  it('an anonymous sender with only a flag is identified by the flag', () => {
    const e = messageEvent(groupMessage({ sub_type: 'anonymous', user_id: 80000000, anonymous: { name: '匿名者', flag: 'flag-1' } }));
    expect(toInboundMessage(e, ctx)!.userId).toBe('anonymous:flag-1');
  });

  it('a group system notice message (sub_type notice) is accepted', () => {
    const e = messageEvent(groupMessage({ sub_type: 'notice', user_id: 1000000, message: '群主开启了全员禁言', sender: {} }));
    expect(e.sub_type).toBe('notice');
    expect(toInboundMessage(e, ctx)!.chatId).toBe('987654321');
  });

  it('ids sent as strings, and negative message ids, are normalised to strings', () => {
    const e = messageEvent(groupMessage({ self_id: '10001000', group_id: '987654321', user_id: '12345678', message_id: -2147476175 }));
    expect(e).toMatchObject({ self_id: SELF, group_id: '987654321', user_id: '12345678', message_id: '-2147476175' });
    expect(toInboundMessage(e, ctx)!.toMe).toBe(true);
  });

  it('an unknown or odd sender role and a malformed sender are tolerated', () => {
    expect(toInboundMessage(messageEvent(groupMessage({ sender: { role: 'unknown', nickname: 'x' } })), ctx)!.senderRole).toBeUndefined();
    const input = toInboundMessage(messageEvent(groupMessage({ sender: 'broken' })), ctx)!;
    expect(input.userName).toBe('');
    expect(createInboundMessage(input).userName).toBe('12345678');
  });

  it('keeps unknown extra fields in raw', () => {
    const e = messageEvent(groupMessage({ message_style: { bubble_id: 0 }, raw_pb: 'abc' }));
    expect(toInboundMessage(e, ctx)!.raw).toMatchObject({ message_style: { bubble_id: 0 }, raw_pb: 'abc' });
  });

  describe('self messages never reach the bot', () => {
    it.each([
      ['NapCat message_sent in a group', groupMessage({ post_type: 'message_sent', user_id: 10001000, message_sent_type: 'self', target_id: 987654321 })],
      ['LLOneBot message_sent in private', {
        ...base, post_type: 'message_sent', message_type: 'private', sub_type: 'friend', message_id: 5, user_id: 10001000,
        target_id: 12345678, message: [{ type: 'text', data: { text: 'sent by me' } }], sender: { user_id: 10001000 },
      }],
      ['Lagrange post_type message with user_id = self_id', groupMessage({ user_id: 10001000 })],
      ['a string self id', groupMessage({ user_id: '10001000' })],
    ])('%s', (_name, frame) => {
      expect(toInboundMessage(messageEvent(frame), ctx)).toBeUndefined();
    });
  });
});

type NoticeCase = [string, Record<string, unknown>, string, Record<string, unknown>, string | undefined, string | undefined];
const notice = (fields: Record<string, unknown>) => ({ ...base, post_type: 'notice', ...fields });

describe('notices become platform events', () => {
  it.each<NoticeCase>([
    ['group file upload', notice({ notice_type: 'group_upload', group_id: 987654321, user_id: 12345678, file: { id: '/b4a3-77', name: '课件.pptx', size: 2048576, busid: 102 } }),
      'notice.group_upload', { groupId: '987654321', userId: '12345678', file: { id: '/b4a3-77', name: '课件.pptx', size: 2048576, busid: '102' } }, 'onebot-group_987654321', '12345678'],
    ['admin set', notice({ notice_type: 'group_admin', sub_type: 'set', group_id: 987654321, user_id: 12345678 }),
      'notice.group_admin', { subType: 'set', groupId: '987654321', userId: '12345678' }, 'onebot-group_987654321', '12345678'],
    ['admin unset', notice({ notice_type: 'group_admin', sub_type: 'unset', group_id: 987654321, user_id: 12345678 }),
      'notice.group_admin', { subType: 'unset' }, 'onebot-group_987654321', '12345678'],
    ['member kicked', notice({ notice_type: 'group_decrease', sub_type: 'kick', group_id: 987654321, operator_id: 23456789, user_id: 34567890 }),
      'notice.group_decrease', { subType: 'kick', operatorId: '23456789', userId: '34567890' }, 'onebot-group_987654321', '34567890'],
    ['member left', notice({ notice_type: 'group_decrease', sub_type: 'leave', group_id: 987654321, operator_id: 34567890, user_id: 34567890 }),
      'notice.group_decrease', { subType: 'leave' }, 'onebot-group_987654321', '34567890'],
    ['bot kicked', notice({ notice_type: 'group_decrease', sub_type: 'kick_me', group_id: 987654321, operator_id: 23456789, user_id: 10001000 }),
      'notice.group_decrease', { subType: 'kick_me', userId: SELF }, 'onebot-group_987654321', SELF],
    ['group disbanded (NapCat)', notice({ notice_type: 'group_decrease', sub_type: 'disband', group_id: 987654321, operator_id: 23456789, user_id: 0 }),
      'notice.group_decrease', { subType: 'disband' }, 'onebot-group_987654321', '23456789'],
    ['member approved', notice({ notice_type: 'group_increase', sub_type: 'approve', group_id: 987654321, operator_id: 23456789, user_id: 45678901 }),
      'notice.group_increase', { subType: 'approve', groupId: '987654321', operatorId: '23456789', userId: '45678901' }, 'onebot-group_987654321', '45678901'],
    ['member invited', notice({ notice_type: 'group_increase', sub_type: 'invite', group_id: 987654321, operator_id: 23456789, user_id: 45678901 }),
      'notice.group_increase', { subType: 'invite' }, 'onebot-group_987654321', '45678901'],
    ['member banned', notice({ notice_type: 'group_ban', sub_type: 'ban', group_id: 987654321, operator_id: 23456789, user_id: 34567890, duration: 600 }),
      'notice.group_ban', { subType: 'ban', duration: 600, userId: '34567890', wholeGroup: false }, 'onebot-group_987654321', '34567890'],
    ['ban lifted', notice({ notice_type: 'group_ban', sub_type: 'lift_ban', group_id: 987654321, operator_id: 23456789, user_id: 34567890, duration: 0 }),
      'notice.group_ban', { subType: 'lift_ban', duration: 0 }, 'onebot-group_987654321', '34567890'],
    ['whole-group ban (NapCat user_id 0)', notice({ notice_type: 'group_ban', sub_type: 'ban', group_id: 987654321, operator_id: 23456789, user_id: 0, duration: -1 }),
      'notice.group_ban', { wholeGroup: true, duration: -1 }, 'onebot-group_987654321', '23456789'],
    ['friend added', notice({ notice_type: 'friend_add', user_id: 45678901 }),
      'notice.friend_add', { userId: '45678901' }, 'onebot-private_45678901', '45678901'],
    ['group recall (Lagrange tip)', notice({ notice_type: 'group_recall', group_id: 987654321, user_id: 12345678, operator_id: 23456789, message_id: -1234567, tip: '撤回了一条消息' }),
      'notice.group_recall', { groupId: '987654321', userId: '12345678', operatorId: '23456789', messageId: '-1234567', tip: '撤回了一条消息' }, 'onebot-group_987654321', '12345678'],
    ['friend recall', notice({ notice_type: 'friend_recall', user_id: 12345678, message_id: 4242 }),
      'notice.friend_recall', { userId: '12345678', messageId: '4242' }, 'onebot-private_12345678', '12345678'],
    ['group poke (spec)', notice({ notice_type: 'notify', sub_type: 'poke', group_id: 987654321, user_id: 12345678, target_id: 10001000 }),
      'notice.notify.poke', { groupId: '987654321', userId: '12345678', targetId: SELF }, 'onebot-group_987654321', '12345678'],
    ['friend poke (NapCat sender_id, raw_info)', notice({ notice_type: 'notify', sub_type: 'poke', user_id: 12345678, target_id: 10001000, sender_id: 12345678, raw_info: [{ txt: '戳了戳' }] }),
      'notice.notify.poke', { userId: '12345678', senderId: '12345678', rawInfo: [{ txt: '戳了戳' }] }, 'onebot-private_12345678', '12345678'],
    ['the bot pokes a friend: the chat is the friend\'s', notice({ notice_type: 'notify', sub_type: 'poke', user_id: 10001000, target_id: 12345678 }),
      'notice.notify.poke', { userId: SELF, targetId: '12345678' }, 'onebot-private_12345678', SELF],
    ['poke recalled (LLOneBot)', notice({ notice_type: 'notify', sub_type: 'poke_recall', group_id: 987654321, user_id: 12345678, target_id: 10001000 }),
      'notice.notify.poke_recall', { targetId: SELF }, 'onebot-group_987654321', '12345678'],
    ['lucky king', notice({ notice_type: 'notify', sub_type: 'lucky_king', group_id: 987654321, user_id: 12345678, target_id: 23456789 }),
      'notice.notify.lucky_king', { userId: '12345678', targetId: '23456789' }, 'onebot-group_987654321', '12345678'],
    ['honor', notice({ notice_type: 'notify', sub_type: 'honor', group_id: 987654321, honor_type: 'talkative', user_id: 12345678 }),
      'notice.notify.honor', { honorType: 'talkative', userId: '12345678' }, 'onebot-group_987654321', '12345678'],
    ['group card changed (NapCat)', notice({ notice_type: 'group_card', group_id: 987654321, user_id: 12345678, card_new: '新名片', card_old: '旧名片' }),
      'notice.group_card', { cardNew: '新名片', cardOld: '旧名片' }, 'onebot-group_987654321', '12345678'],
    ['essence added', notice({ notice_type: 'essence', sub_type: 'add', group_id: 987654321, message_id: 233, sender_id: 12345678, operator_id: 23456789, user_id: 12345678 }),
      'notice.essence', { subType: 'add', messageId: '233', senderId: '12345678', operatorId: '23456789' }, 'onebot-group_987654321', '23456789'],
    ['essence deleted (Lagrange)', notice({ notice_type: 'essence', sub_type: 'delete', group_id: 987654321, message_id: 233, sender_id: 12345678, operator_id: 23456789 }),
      'notice.essence', { subType: 'delete' }, 'onebot-group_987654321', '23456789'],
    ['emoji like (NapCat)', notice({ notice_type: 'group_msg_emoji_like', group_id: 987654321, user_id: 12345678, message_id: 233, likes: [{ emoji_id: '76', count: 2 }], is_add: true }),
      'notice.group_msg_emoji_like', { messageId: '233', likes: [{ emojiId: '76', count: 2 }], isAdd: true }, 'onebot-group_987654321', '12345678'],
    ['reaction (Lagrange)', notice({ notice_type: 'reaction', sub_type: 'remove', group_id: 987654321, message_id: 233, operator_id: 12345678, code: '76', count: 0 }),
      'notice.reaction', { subType: 'remove', code: '76', count: 0, operatorId: '12345678' }, 'onebot-group_987654321', '12345678'],
    ['special title (NapCat)', notice({ notice_type: 'notify', sub_type: 'title', group_id: 987654321, user_id: 12345678, title: '龙王' }),
      'notice.notify.title', { title: '龙王' }, 'onebot-group_987654321', '12345678'],
    ['group renamed (NapCat notify)', notice({ notice_type: 'notify', sub_type: 'group_name', group_id: 987654321, user_id: 12345678, name_new: '新群名' }),
      'notice.notify.group_name', { nameNew: '新群名' }, 'onebot-group_987654321', '12345678'],
    ['group renamed (Lagrange)', notice({ notice_type: 'group_name_change', group_id: 987654321, name: '新群名' }),
      'notice.group_name_change', { groupId: '987654321', name: '新群名' }, 'onebot-group_987654321', undefined],
    ['input status (NapCat, group_id 0)', notice({ notice_type: 'notify', sub_type: 'input_status', user_id: 12345678, group_id: 0, status_text: '对方正在输入...', event_type: 1 }),
      'notice.notify.input_status', { userId: '12345678', groupId: undefined, statusText: '对方正在输入...', eventType: 1 }, 'onebot-private_12345678', '12345678'],
    ['profile like (NapCat)', notice({ notice_type: 'notify', sub_type: 'profile_like', operator_id: 12345678, operator_nick: '小明', times: 10 }),
      'notice.notify.profile_like', { operatorId: '12345678', operatorNick: '小明', times: 10 }, 'onebot-private_12345678', '12345678'],
    ['gray tip (NapCat)', notice({ notice_type: 'notify', sub_type: 'gray_tip', group_id: 987654321, user_id: 12345678, message_id: 99, busi_id: '1061', content: '拍了拍', raw_info: { items: [] } }),
      'notice.notify.gray_tip', { busiId: '1061', content: '拍了拍', messageId: '99' }, 'onebot-group_987654321', '12345678'],
    ['bot offline', notice({ notice_type: 'bot_offline', user_id: 10001000, tag: 'BotOfflineEvent', message: '账号被踢下线' }),
      'notice.bot_offline', { userId: SELF, tag: 'BotOfflineEvent', message: '账号被踢下线' }, undefined, SELF],
    ['bot online (Lagrange)', notice({ notice_type: 'bot_online', reason: 'Login Success' }),
      'notice.bot_online', { reason: 'Login Success' }, undefined, undefined],
    ['offline file (Lagrange)', notice({ notice_type: 'offline_file', user_id: 12345678, file: { id: 'f1', name: 'a.zip', size: 1024, url: 'https://x/a.zip', hash: 'abcd' } }),
      'notice.offline_file', { file: { id: 'f1', name: 'a.zip', size: 1024, url: 'https://x/a.zip', hash: 'abcd' } }, 'onebot-private_12345678', '12345678'],
    ['group dismissed (LLOneBot)', notice({ notice_type: 'group_dismiss', group_id: 987654321, user_id: 23456789 }),
      'notice.group_dismiss', { groupId: '987654321', userId: '23456789' }, 'onebot-group_987654321', '23456789'],
    ['flash file (LLOneBot)', notice({ notice_type: 'flash_file', sub_type: 'uploaded', title: '资料', share_link: 'https://qfile/x', file_set_id: 'set-1', files: [{ name: 'a' }] }),
      'notice.flash_file', { subType: 'uploaded', title: '资料', shareLink: 'https://qfile/x', fileSetId: 'set-1', details: { files: [{ name: 'a' }] } }, undefined, undefined],
  ])('%s', (_name, frame, kind, data, chatKey, userId) => {
    const e = event(frame) as NoticeEvent;
    expect(e.known).toBe(true);
    const p = platformEvent(frame);
    expect(p).toMatchObject({ adapter: 'onebot', botId: SELF, kind, data });
    expect(p.chatKey).toBe(chatKey);
    expect(p.userId).toBe(userId);
  });

  it.each([
    ['online_file_send', { peer_id: 12345678, file_name: 'a.bin' }],
    ['online_file_receive', { peer_id: 12345678 }],
    ['some_future_notice', { user_id: 12345678, whatever: { nested: true } }],
  ])('an unknown notice type (%s) passes through untyped with its wire fields', (type, fields) => {
    const e = event(notice({ notice_type: type, ...fields })) as NoticeEvent;
    expect(e).toMatchObject({ known: false, kind: `notice.${type}` });
    const p = platformEvent(notice({ notice_type: type, ...fields }));
    expect(p.data).toMatchObject({ notice_type: type, ...fields });
    expect(p.chatKey).toBe('onebot-private_12345678');
  });

  it('an unknown notify sub type passes through as notice.notify.<sub_type>', () => {
    const e = event(notice({ notice_type: 'notify', sub_type: 'brand_new', group_id: 1 })) as NoticeEvent;
    expect(e).toMatchObject({ known: false, kind: 'notice.notify.brand_new' });
    expect(platformEvent(notice({ notice_type: 'notify', sub_type: 'brand_new', group_id: 1 })).chatKey).toBe('onebot-group_1');
  });

  it('a known notice narrows to its typed payload', () => {
    const p = platformEvent(notice({ notice_type: 'group_increase', sub_type: 'approve', group_id: 1, operator_id: 2, user_id: 3 }));
    if (!isOneBotEvent(p, 'notice.group_increase')) throw new Error('expected a group_increase');
    const greeting: string = `welcome ${p.data.userId} to ${p.data.groupId}`;
    expect(greeting).toBe('welcome 3 to 1');
    expect(isOneBotEvent(p, 'notice.group_decrease')).toBe(false);
  });
});

const request = (fields: Record<string, unknown>) => ({ ...base, post_type: 'request', ...fields });

describe('requests become platform events', () => {
  it('a friend request (spec example) keeps its opaque flag', () => {
    const p = platformEvent(request({ request_type: 'friend', user_id: 45678901, comment: '我是小红，通过一下', flag: '1715587200000000' }));
    expect(p).toMatchObject({ kind: 'request.friend', chatKey: 'onebot-private_45678901', userId: '45678901', data: { userId: '45678901', comment: '我是小红，通过一下', flag: '1715587200000000' } });
  });

  it('a join request is request.group.add', () => {
    const p = platformEvent(request({ request_type: 'group', sub_type: 'add', group_id: 987654321, user_id: 45678901, comment: '答案：42', flag: 'f-add' }));
    expect(p).toMatchObject({ kind: 'request.group.add', chatKey: 'onebot-group_987654321', data: { subType: 'add', groupId: '987654321', userId: '45678901', flag: 'f-add', comment: '答案：42' } });
  });

  it('an invitation (LLOneBot invitor_id) is request.group.invite', () => {
    const p = platformEvent(request({ request_type: 'group', sub_type: 'invite', group_id: 987654321, user_id: 23456789, invitor_id: 23456789, comment: '', flag: 99 }));
    expect(p).toMatchObject({ kind: 'request.group.invite', data: { subType: 'invite', invitorId: '23456789', flag: '99' } });
  });

  it('a friend request without a comment gets an empty one', () => {
    expect(platformEvent(request({ request_type: 'friend', user_id: 1, flag: 'x' })).data).toMatchObject({ comment: '' });
  });

  it('an unknown request type passes through', () => {
    const e = event(request({ request_type: 'guild', user_id: 1, flag: 'x' })) as RequestEvent;
    expect(e).toMatchObject({ known: false, kind: 'request.guild', data: { request_type: 'guild', flag: 'x' } });
  });
});

describe('meta events', () => {
  const meta = (fields: Record<string, unknown>) => event({ ...base, post_type: 'meta_event', ...fields }) as MetaEvent;

  it('a heartbeat gives the interval to the next one', () => {
    const e = meta({ meta_event_type: 'heartbeat', status: { online: true, good: true }, interval: 30000 });
    expect(heartbeatInterval(e)).toBe(30000);
    expect(lifecycleOf(e)).toBeUndefined();
  });

  it('a Lagrange heartbeat with extra status fields and online null is accepted', () => {
    const e = meta({ meta_event_type: 'heartbeat', status: { app_initialized: true, app_enabled: true, app_good: true, online: null, good: true }, interval: 5000 });
    expect(heartbeatInterval(e)).toBe(5000);
  });

  it.each(['connect', 'enable', 'disable'] as const)('lifecycle %s', (sub) => {
    const e = meta({ meta_event_type: 'lifecycle', sub_type: sub });
    expect(lifecycleOf(e)).toBe(sub);
    expect(heartbeatInterval(e)).toBeUndefined();
    expect(e.self_id).toBe(SELF);
  });

  it('an unknown meta event type passes through', () => {
    const e = meta({ meta_event_type: 'status_update', foo: 1 });
    expect(e.meta_event_type).toBe('status_update');
    expect(heartbeatInterval(e)).toBeUndefined();
    expect(lifecycleOf(e)).toBeUndefined();
  });
});

describe('responses', () => {
  it('a frame with echo and status but no post_type is a response', () => {
    expect(classifyFrame({ status: 'ok', retcode: 0, data: { message_id: 1 }, echo: 'a:1', message: '', wording: '', stream: 'normal-action' })).toEqual({
      kind: 'response',
      response: { status: 'ok', retcode: 0, data: { message_id: 1 }, echo: 'a:1', message: '', wording: '' },
    });
  });

  it('go-cqhttp msg becomes message; a missing status is read from retcode; echo may be null', () => {
    expect(classifyFrame({ retcode: 100, msg: 'boom', echo: null })).toEqual({ kind: 'response', response: { status: 'failed', retcode: 100, data: null, message: 'boom', echo: null } });
    expect(classifyFrame({ retcode: 1, echo: 'x' })).toMatchObject({ response: { status: 'async' } });
    expect(classifyFrame({ status: 'ok', echo: 'x' })).toMatchObject({ response: { status: 'ok', retcode: 0 } });
  });

  it('a NapCat auth failure without echo is a response with no echo', () => {
    const r = classifyFrame({ status: 'failed', retcode: 1403, message: 'token验证失败', data: null });
    expect(r).toMatchObject({ kind: 'response', response: { retcode: 1403 } });
    expect(r.kind === 'response' && 'echo' in r.response).toBe(false);
  });
});

describe('an event time no Date can hold', () => {
  it.each([1e20, -1, Number.NaN, 'NaN', '1715587200', 'soon', undefined, null])('time %s becomes the time of arrival, reported as repaired', (time) => {
    const before = Math.floor(Date.now() / 1000);
    const result = classifyFrame(groupMessage({ time }));
    expect(result).toMatchObject({ kind: 'event', repaired: { field: 'time', was: time } });
    const event = (result as { event: MessageEvent }).event;
    expect(event.time).toBeGreaterThanOrEqual(before);
    expect(event.time).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(new Date(toInboundMessage(event, { adapter: 'onebot', selfId: '10001000' })!.time!).toISOString()).toMatch(/^\d{4}-/);
  });

  it('leaves a usable time alone, fractions and 9999-12-31 included', () => {
    for (const time of [0, 1715587200, 1715587200.5, 253402300799]) {
      const result = classifyFrame(groupMessage({ time }));
      expect(result).toMatchObject({ kind: 'event', event: { time } });
      expect('repaired' in result).toBe(false);
    }
  });

  it('repairs notices and heartbeats too', () => {
    expect(classifyFrame({ ...base, time: 1e20, post_type: 'notice', notice_type: 'group_recall', group_id: 1, user_id: 2, operator_id: 2, message_id: 3 })).toMatchObject({ kind: 'event', repaired: { field: 'time', was: 1e20 } });
    expect(classifyFrame({ ...base, time: -5, post_type: 'meta_event', meta_event_type: 'heartbeat', interval: 5000 })).toMatchObject({ kind: 'event', repaired: { field: 'time', was: -5 } });
  });
});

describe('invalid frames are reported with a category', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'not-object'],
    ['an array', [1, 2], 'not-object'],
    ['a string', 'hello', 'not-object'],
    ['a number', 42, 'not-object'],
    ['an object with neither post_type nor status', { foo: 1 }, 'unknown-frame'],
    ['a response with a string retcode', { status: 'failed', retcode: '1404', echo: 'x' }, 'bad-response'],
    ['an unknown post_type', { ...base, post_type: 'weird' }, 'unknown-post-type'],
    ['a numeric post_type', { ...base, post_type: 1 }, 'unknown-post-type'],
    ['a guild message', { ...base, post_type: 'message', message_type: 'guild', message_id: 1, user_id: 1, message: 'x' }, 'unknown-message-type'],
    ['a message with a boolean user_id', groupMessage({ user_id: true }), 'bad-message-event'],
    ['a message without message_id', groupMessage({ message_id: undefined }), 'bad-message-event'],
    ['a group message without group_id', groupMessage({ group_id: undefined }), 'bad-message-event'],
    ['a message whose message is a number', groupMessage({ message: 42 }), 'bad-message-event'],
    ['a message with a segment lacking type', groupMessage({ message: [{ data: { text: 'x' } }] }), 'bad-message-event'],
    ['a message with an empty self_id', groupMessage({ self_id: '' }), 'bad-message-event'],
    ['a notice without notice_type', notice({ group_id: 1 }), 'bad-notice-event'],
    ['a group_increase with an object user_id', notice({ notice_type: 'group_increase', sub_type: 'approve', group_id: 1, operator_id: 2, user_id: { id: 3 } }), 'bad-notice-event'],
    ['a group_ban without duration', notice({ notice_type: 'group_ban', sub_type: 'ban', group_id: 1, operator_id: 2, user_id: 3 }), 'bad-notice-event'],
    ['a poke without target_id', notice({ notice_type: 'notify', sub_type: 'poke', user_id: 1 }), 'bad-notice-event'],
    ['a friend request without flag', request({ request_type: 'friend', user_id: 1 }), 'bad-request-event'],
    ['a request without self_id', { time: 1, post_type: 'request', request_type: 'friend', user_id: 1, flag: 'f' }, 'bad-request-event'],
    ['a heartbeat with a string interval', { ...base, post_type: 'meta_event', meta_event_type: 'heartbeat', interval: '5000' }, 'bad-meta-event'],
    ['a lifecycle without sub_type', { ...base, post_type: 'meta_event', meta_event_type: 'lifecycle' }, 'bad-meta-event'],
  ])('%s → %s', (_name, frame, category) => {
    const result = classifyFrame(frame);
    expect(result).toMatchObject({ kind: 'invalid', category });
    expect(result.kind === 'invalid' && result.reason.length).toBeGreaterThan(0);
  });

  it('the reason names the offending field', () => {
    const result = classifyFrame(groupMessage({ user_id: true }));
    expect(result.kind === 'invalid' && result.reason).toMatch(/user_id/);
  });
});
