import { z } from 'zod';
import type { PlatformEvent } from '../../core/hooks/events.js';
import { formatChatKey, type ChatKey, type InboundMessageInput } from '../../core/message/index.js';
import { toSegments } from './cq-code.js';
import { isToMe, toCoreSegments } from './segments.js';
import type { ActionResponse, OneBotSegment } from './types.js';

/**
 * OneBot v11 frames as they arrive (reference onebot11.md §2, §4): every frame is sorted into a response,
 * a validated event, or invalid input with a stable category to count. Message events become core
 * `InboundMessageInput`s; notices and requests become `PlatformEvent`s with typed payloads.
 *
 * @example
 * const frame = classifyFrame(JSON.parse(text));
 * if (frame.kind === 'response') api.handleResponse(frame.response);
 * else if (frame.kind === 'invalid') metrics.count('onebot_invalid_frames', { category: frame.category });
 * else if (frame.event.post_type === 'message' || frame.event.post_type === 'message_sent') {
 *   const input = toInboundMessage(frame.event, { adapter: 'onebot', selfId });
 *   if (input) await host.ingest(createInboundMessage(input));
 * }
 */

// §8.3/§8.4: ids come as numbers or strings; they are compared as strings everywhere downstream.
export const oneBotId = z.union([z.number().int(), z.string().min(1)]).transform((v) => String(v));

export const oneBotSegment = z.object({
  type: z.string(),
  data: z.record(z.string(), z.unknown()).nullish().transform((d) => d ?? {}), // §3.1: data may be null
});

/** A `message` value: a CQ string, a segment array, or (§2.4) a single segment. */
export const oneBotMessage = z.union([z.string(), z.array(oneBotSegment), oneBotSegment.transform((s) => [s])]);

/** §8.20: sender fields are best-effort, so a missing or odd field is dropped rather than failing the event. */
const bestEffort = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
export const oneBotSender = z
  .looseObject({
    user_id: bestEffort(oneBotId),
    nickname: bestEffort(z.string()),
    card: bestEffort(z.string()),
    sex: bestEffort(z.string()),
    age: bestEffort(z.number()),
    area: bestEffort(z.string()),
    level: bestEffort(z.union([z.string(), z.number()])),
    role: bestEffort(z.string()),
    title: bestEffort(z.string()),
  })
  .catch({});
export type OneBotSender = z.output<typeof oneBotSender>;

const anonymous = z
  .looseObject({ id: oneBotId.optional(), name: z.string().default(''), flag: oneBotId.optional() })
  .nullish()
  .catch(null);

const eventBase = { time: z.number(), self_id: oneBotId };

const messageBase = {
  ...eventBase,
  post_type: z.enum(['message', 'message_sent']),
  sub_type: z.string().default(''),
  message_id: oneBotId,
  user_id: oneBotId,
  message: oneBotMessage,
  raw_message: z.string().default(''),
  font: z.number().optional(),
  sender: oneBotSender,
  // NapCat/Lagrange: the peer (or the group, for NapCat self group messages), §4.2.
  target_id: oneBotId.optional(),
};

const privateMessageEvent = z.looseObject({
  ...messageBase,
  message_type: z.literal('private'),
  // §8.16: temp sessions carry the group on NapCat, not on Lagrange.
  group_id: oneBotId.optional(),
});
const groupMessageEvent = z.looseObject({
  ...messageBase,
  message_type: z.literal('group'),
  group_id: oneBotId,
  anonymous,
});
const messageEvent = z.discriminatedUnion('message_type', [privateMessageEvent, groupMessageEvent]);

export type PrivateMessageEvent = z.output<typeof privateMessageEvent>;
export type GroupMessageEvent = z.output<typeof groupMessageEvent>;
/** A `message` or `message_sent` event (§4.1–§4.3), ids as strings. */
export type MessageEvent = PrivateMessageEvent | GroupMessageEvent;

const heartbeatEvent = z.looseObject({
  ...eventBase,
  post_type: z.literal('meta_event'),
  meta_event_type: z.literal('heartbeat'),
  interval: z.number().nonnegative(),
  status: z.looseObject({ online: z.boolean().nullish(), good: z.boolean().optional() }).catch({}).optional(),
});
const lifecycleEvent = z.looseObject({
  ...eventBase,
  post_type: z.literal('meta_event'),
  meta_event_type: z.literal('lifecycle'),
  sub_type: z.string(),
});
const otherMetaEvent = z.looseObject({ ...eventBase, post_type: z.literal('meta_event'), meta_event_type: z.string() });

export type HeartbeatEvent = z.output<typeof heartbeatEvent>;
export type LifecycleEvent = z.output<typeof lifecycleEvent>;
/** A `meta_event` (§4.6); meta types other than heartbeat and lifecycle pass through untyped. */
export type MetaEvent = HeartbeatEvent | LifecycleEvent | z.output<typeof otherMetaEvent>;

// ---- notices and requests: one schema per kind, mapping the wire to the payload plugins see ----

const optionalGroup = oneBotId.optional().transform((g) => (g === '0' ? undefined : g)); // NapCat sends 0 for "none"
const file = z.looseObject({ id: z.string(), name: z.string(), size: z.number(), busid: oneBotId.optional(), url: z.string().optional() });

const pokeNotice = z
  .looseObject({ group_id: optionalGroup, user_id: oneBotId, target_id: oneBotId, sender_id: oneBotId.optional(), raw_info: z.unknown().optional() })
  .transform((e) => ({ groupId: e.group_id, userId: e.user_id, targetId: e.target_id, senderId: e.sender_id, rawInfo: e.raw_info }));

type GroupDecreaseType = 'leave' | 'kick' | 'kick_me' | 'disband' | (string & {}); // disband: NapCat
type GroupIncreaseType = 'approve' | 'invite' | (string & {});

const NOTICES = {
  'notice.group_upload': z
    .looseObject({ group_id: oneBotId, user_id: oneBotId, file })
    .transform(({ group_id, user_id, file: f }) => ({ groupId: group_id, userId: user_id, file: { id: f.id, name: f.name, size: f.size, busid: f.busid, url: f.url } })),
  'notice.group_admin': z
    .looseObject({ sub_type: z.enum(['set', 'unset']), group_id: oneBotId, user_id: oneBotId })
    .transform((e) => ({ subType: e.sub_type, groupId: e.group_id, userId: e.user_id })),
  'notice.group_decrease': z
    .looseObject({ sub_type: z.string(), group_id: oneBotId, operator_id: oneBotId, user_id: oneBotId })
    .transform((e) => ({ subType: e.sub_type as GroupDecreaseType, groupId: e.group_id, operatorId: e.operator_id, userId: e.user_id })),
  'notice.group_increase': z
    .looseObject({ sub_type: z.string(), group_id: oneBotId, operator_id: oneBotId, user_id: oneBotId })
    .transform((e) => ({ subType: e.sub_type as GroupIncreaseType, groupId: e.group_id, operatorId: e.operator_id, userId: e.user_id })),
  'notice.group_ban': z
    .looseObject({ sub_type: z.enum(['ban', 'lift_ban']), group_id: oneBotId, operator_id: oneBotId, user_id: oneBotId, duration: z.number() })
    // NapCat: user_id 0 (duration -1) is a whole-group ban (§4.4).
    .transform((e) => ({
      subType: e.sub_type,
      groupId: e.group_id,
      operatorId: e.operator_id,
      userId: e.user_id,
      duration: e.duration,
      wholeGroup: e.user_id === '0',
    })),
  'notice.friend_add': z.looseObject({ user_id: oneBotId }).transform((e) => ({ userId: e.user_id })),
  'notice.group_recall': z
    .looseObject({ group_id: oneBotId, user_id: oneBotId, operator_id: oneBotId, message_id: oneBotId, tip: z.string().optional() })
    .transform((e) => ({ groupId: e.group_id, userId: e.user_id, operatorId: e.operator_id, messageId: e.message_id, tip: e.tip })),
  'notice.friend_recall': z
    .looseObject({ user_id: oneBotId, message_id: oneBotId, tip: z.string().optional() })
    .transform((e) => ({ userId: e.user_id, messageId: e.message_id, tip: e.tip })),
  'notice.notify.poke': pokeNotice,
  'notice.notify.poke_recall': pokeNotice, // LLOneBot
  'notice.notify.lucky_king': z
    .looseObject({ group_id: oneBotId, user_id: oneBotId, target_id: oneBotId })
    .transform((e) => ({ groupId: e.group_id, userId: e.user_id, targetId: e.target_id })),
  'notice.notify.honor': z
    .looseObject({ group_id: oneBotId, user_id: oneBotId, honor_type: z.string() })
    .transform((e) => ({ groupId: e.group_id, userId: e.user_id, honorType: e.honor_type as 'talkative' | 'performer' | 'emotion' | (string & {}) })),
  'notice.notify.title': z
    .looseObject({ group_id: oneBotId, user_id: oneBotId, title: z.string() })
    .transform((e) => ({ groupId: e.group_id, userId: e.user_id, title: e.title })),
  'notice.notify.group_name': z
    .looseObject({ group_id: oneBotId, user_id: oneBotId, name_new: z.string() })
    .transform((e) => ({ groupId: e.group_id, userId: e.user_id, nameNew: e.name_new })),
  'notice.notify.input_status': z
    .looseObject({ user_id: oneBotId, group_id: optionalGroup, status_text: z.string(), event_type: z.number() })
    .transform((e) => ({ userId: e.user_id, groupId: e.group_id, statusText: e.status_text, eventType: e.event_type })),
  'notice.notify.profile_like': z
    .looseObject({ operator_id: oneBotId, operator_nick: z.string(), times: z.number() })
    .transform((e) => ({ operatorId: e.operator_id, operatorNick: e.operator_nick, times: e.times })),
  // NapCat passes unknown gray tips through; they can be forged by other users, so treat them as hints only.
  'notice.notify.gray_tip': z
    .looseObject({
      group_id: optionalGroup,
      user_id: oneBotId.optional(),
      message_id: oneBotId.optional(),
      busi_id: oneBotId,
      content: z.string(),
      raw_info: z.unknown().optional(),
    })
    .transform((e) => ({ groupId: e.group_id, userId: e.user_id, messageId: e.message_id, busiId: e.busi_id, content: e.content, rawInfo: e.raw_info })),
  'notice.group_card': z
    .looseObject({ group_id: oneBotId, user_id: oneBotId, card_new: z.string(), card_old: z.string() })
    .transform((e) => ({ groupId: e.group_id, userId: e.user_id, cardNew: e.card_new, cardOld: e.card_old })),
  'notice.essence': z
    .looseObject({ sub_type: z.enum(['add', 'delete']), group_id: oneBotId, message_id: oneBotId, sender_id: oneBotId, operator_id: oneBotId })
    .transform((e) => ({ subType: e.sub_type, groupId: e.group_id, messageId: e.message_id, senderId: e.sender_id, operatorId: e.operator_id })),
  'notice.group_msg_emoji_like': z
    .looseObject({
      group_id: oneBotId,
      user_id: oneBotId,
      message_id: oneBotId,
      likes: z.array(z.looseObject({ emoji_id: oneBotId, count: z.number() })),
      is_add: z.boolean().optional(),
    })
    .transform((e) => ({
      groupId: e.group_id,
      userId: e.user_id,
      messageId: e.message_id,
      likes: e.likes.map((l) => ({ emojiId: l.emoji_id, count: l.count })),
      isAdd: e.is_add,
    })),
  'notice.reaction': z
    .looseObject({ sub_type: z.enum(['add', 'remove']), group_id: oneBotId, message_id: oneBotId, operator_id: oneBotId, code: oneBotId, count: z.number() })
    .transform((e) => ({ subType: e.sub_type, groupId: e.group_id, messageId: e.message_id, operatorId: e.operator_id, code: e.code, count: e.count })),
  'notice.group_name_change': z
    .looseObject({ group_id: oneBotId, name: z.string() })
    .transform((e) => ({ groupId: e.group_id, name: e.name })),
  'notice.bot_offline': z
    .looseObject({ user_id: oneBotId, tag: z.string(), message: z.string() })
    .transform((e) => ({ userId: e.user_id, tag: e.tag, message: e.message })),
  'notice.bot_online': z.looseObject({ reason: z.string() }).transform((e) => ({ reason: e.reason })),
  'notice.offline_file': z
    .looseObject({ user_id: oneBotId, file: z.looseObject({ id: z.string(), name: z.string(), size: z.number(), url: z.string(), hash: z.string() }) })
    .transform((e) => ({ userId: e.user_id, file: { id: e.file.id, name: e.file.name, size: e.file.size, url: e.file.url, hash: e.file.hash } })),
  'notice.group_dismiss': z
    .looseObject({ group_id: oneBotId, user_id: oneBotId })
    .transform((e) => ({ groupId: e.group_id, userId: e.user_id })),
  'notice.flash_file': z
    .looseObject({ sub_type: z.string(), title: z.string().optional(), share_link: z.string().optional(), file_set_id: z.string().optional() })
    // LLOneBot's file lists vary by sub type; they stay as received in `details`.
    .transform(({ time: _t, self_id: _s, post_type: _p, notice_type: _n, sub_type, title, share_link, file_set_id, ...details }) => ({
      subType: sub_type,
      title,
      shareLink: share_link,
      fileSetId: file_set_id,
      details,
    })),
};

const REQUESTS = {
  'request.friend': z
    .looseObject({ user_id: oneBotId, comment: z.string().default(''), flag: oneBotId })
    .transform((e) => ({ userId: e.user_id, comment: e.comment, flag: e.flag })),
  'request.group.add': groupRequest('add'),
  'request.group.invite': groupRequest('invite'),
};

function groupRequest<S extends 'add' | 'invite'>(subType: S) {
  return z
    .looseObject({ group_id: oneBotId, user_id: oneBotId, comment: z.string().default(''), flag: oneBotId, invitor_id: oneBotId.optional() })
    .transform((e) => ({ subType, groupId: e.group_id, userId: e.user_id, comment: e.comment, flag: e.flag, invitorId: e.invitor_id }));
}

/** Payload (`PlatformEvent.data`) of every notice and request this adapter knows, by `kind`. */
export type OneBotEventData = { [K in keyof typeof NOTICES]: z.output<(typeof NOTICES)[K]> } & {
  [K in keyof typeof REQUESTS]: z.output<(typeof REQUESTS)[K]>;
};
export type NoticeKind = keyof typeof NOTICES;
export type RequestKind = keyof typeof REQUESTS;

export type GroupUploadNotice = OneBotEventData['notice.group_upload'];
export type GroupAdminNotice = OneBotEventData['notice.group_admin'];
export type GroupDecreaseNotice = OneBotEventData['notice.group_decrease'];
export type GroupIncreaseNotice = OneBotEventData['notice.group_increase'];
/** `wholeGroup` is NapCat's whole-group ban (user_id 0). */
export type GroupBanNotice = OneBotEventData['notice.group_ban'];
export type FriendAddNotice = OneBotEventData['notice.friend_add'];
export type GroupRecallNotice = OneBotEventData['notice.group_recall'];
export type FriendRecallNotice = OneBotEventData['notice.friend_recall'];
/** Group pokes have `groupId`; friend pokes (NapCat, LLOneBot, Lagrange) do not (§8.17). */
export type PokeNotice = OneBotEventData['notice.notify.poke'];
export type LuckyKingNotice = OneBotEventData['notice.notify.lucky_king'];
export type HonorNotice = OneBotEventData['notice.notify.honor'];
export type TitleNotice = OneBotEventData['notice.notify.title'];
export type GroupNameNotice = OneBotEventData['notice.notify.group_name'];
export type InputStatusNotice = OneBotEventData['notice.notify.input_status'];
export type ProfileLikeNotice = OneBotEventData['notice.notify.profile_like'];
export type GrayTipNotice = OneBotEventData['notice.notify.gray_tip'];
export type GroupCardNotice = OneBotEventData['notice.group_card'];
export type EssenceNotice = OneBotEventData['notice.essence'];
export type GroupMsgEmojiLikeNotice = OneBotEventData['notice.group_msg_emoji_like'];
export type ReactionNotice = OneBotEventData['notice.reaction'];
export type GroupNameChangeNotice = OneBotEventData['notice.group_name_change'];
export type BotOfflineNotice = OneBotEventData['notice.bot_offline'];
export type BotOnlineNotice = OneBotEventData['notice.bot_online'];
export type OfflineFileNotice = OneBotEventData['notice.offline_file'];
export type GroupDismissNotice = OneBotEventData['notice.group_dismiss'];
export type FlashFileNotice = OneBotEventData['notice.flash_file'];
/** Pass `flag` to `set_friend_add_request`; it is opaque (§4.5). */
export type FriendRequest = OneBotEventData['request.friend'];
/** Pass `flag` and `subType` to `set_group_add_request` (§4.5). */
export type GroupRequest = OneBotEventData['request.group.add'] | OneBotEventData['request.group.invite'];

interface TypedEvent<P extends 'notice' | 'request', K extends string, D> {
  post_type: P;
  time: number;
  self_id: string;
  /** `notice.<notice_type>`, `notice.notify.<sub_type>`, `request.friend`, `request.group.<sub_type>`. */
  kind: K;
  /** False for kinds this adapter has no schema for: they pass through with the wire fields as `data` (§8.18). */
  known: boolean;
  data: D;
}
type KnownEvent<P extends 'notice' | 'request', K extends keyof OneBotEventData> = TypedEvent<P, K, OneBotEventData[K]> & { known: true };
type UnknownEvent<P extends 'notice' | 'request'> = TypedEvent<P, string, Readonly<Record<string, unknown>>> & { known: false };

/** A validated notice: narrow on `known` then `kind` to get its typed `data`. */
export type NoticeEvent = { [K in NoticeKind]: KnownEvent<'notice', K> }[NoticeKind] | UnknownEvent<'notice'>;
export type RequestEvent = { [K in RequestKind]: KnownEvent<'request', K> }[RequestKind] | UnknownEvent<'request'>;
export type OneBotEvent = MessageEvent | NoticeEvent | RequestEvent | MetaEvent;

/** What `classifyFrame` made of one incoming frame. */
export type ClassifiedFrame =
  | { kind: 'response'; response: ActionResponse }
  | { kind: 'event'; event: OneBotEvent }
  | { kind: 'invalid'; reason: string; category: InvalidFrameCategory };

/** Stable names for counting bad input. */
export type InvalidFrameCategory =
  | 'not-object'
  | 'unknown-frame'
  | 'bad-response'
  | 'unknown-post-type'
  | 'unknown-message-type'
  | 'bad-message-event'
  | 'bad-notice-event'
  | 'bad-request-event'
  | 'bad-meta-event';

const responseFrame = z.looseObject({
  status: z.string().optional(),
  retcode: z.number().int().optional(),
  data: z.unknown().optional(),
  message: z.string().optional(),
  msg: z.string().optional(), // go-cqhttp's spelling (§8.6)
  wording: z.string().optional(),
  echo: z.unknown().optional(),
});

/**
 * Sorts one decoded frame (§2.3, §8.5): a frame with `post_type` is an event; one without it but with
 * `status` or `retcode` is a response (its `echo` may be absent or any JSON value). Unknown notice, request
 * and meta types pass through untyped; unknown post types and wrong types in required fields are invalid.
 */
export function classifyFrame(frame: unknown): ClassifiedFrame {
  if (!isRecord(frame)) return invalid('not-object', `expected a JSON object, got ${frame === null ? 'null' : Array.isArray(frame) ? 'an array' : typeof frame}`);
  if (!('post_type' in frame)) {
    if ('status' in frame || 'retcode' in frame) return classifyResponse(frame);
    return invalid('unknown-frame', 'neither an event (no post_type) nor a response (no status or retcode)');
  }
  switch (frame.post_type) {
    case 'message':
    case 'message_sent':
      if (frame.message_type !== 'private' && frame.message_type !== 'group') {
        return invalid('unknown-message-type', `message_type ${JSON.stringify(frame.message_type)} is not private or group`);
      }
      // The common shape is checked by hand (zod cost ~6 µs a message); anything unusual takes the schema.
      return fastMessageEvent(frame) ?? parsed(messageEvent, frame, 'bad-message-event');
    case 'notice':
      return classifyTyped('notice', frame, NOTICES, 'bad-notice-event');
    case 'request':
      return classifyTyped('request', frame, REQUESTS, 'bad-request-event');
    case 'meta_event':
      return parsed(metaSchema(frame.meta_event_type), frame, 'bad-meta-event');
    default:
      return invalid('unknown-post-type', `post_type ${JSON.stringify(frame.post_type)} is not message, message_sent, notice, request or meta_event`);
  }
}

const fastId = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' && v !== '' ? v : undefined;
const fastString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The plain message event (no anonymous sender, well-typed ids and segments) checked without zod, giving the
 * same result the schema would; undefined sends the frame through the schema, which also explains errors.
 */
function fastMessageEvent(frame: Record<string, unknown>): ClassifiedFrame | undefined {
  if (typeof frame.time !== 'number') return undefined;
  const self_id = fastId(frame.self_id);
  const message_id = fastId(frame.message_id);
  const user_id = fastId(frame.user_id);
  if (!self_id || !message_id || !user_id) return undefined;
  const group_id = frame.group_id === undefined ? undefined : fastId(frame.group_id);
  if ((frame.message_type === 'group' || frame.group_id !== undefined) && !group_id) return undefined;
  if (frame.anonymous !== null && frame.anonymous !== undefined) return undefined;
  let message: string | OneBotSegment[];
  const m = frame.message;
  if (typeof m === 'string') message = m;
  else if (Array.isArray(m)) {
    message = [];
    for (const seg of m as unknown[]) {
      if (!isRecord(seg) || typeof seg.type !== 'string') return undefined;
      const d = seg.data;
      if (d === null || d === undefined) message.push({ type: seg.type, data: {} });
      else if (isRecord(d)) message.push({ type: seg.type, data: d });
      else return undefined;
    }
  } else return undefined;
  const sender: Record<string, unknown> = {};
  if (isRecord(frame.sender)) {
    const s = frame.sender;
    Object.assign(sender, s, { user_id: fastId(s.user_id), nickname: fastString(s.nickname), card: fastString(s.card), role: fastString(s.role) });
  }
  const event = {
    ...frame, self_id, message_id, user_id, group_id, message, sender,
    sub_type: fastString(frame.sub_type) ?? '', raw_message: fastString(frame.raw_message) ?? '', anonymous: null,
  };
  return { kind: 'event', event: event as unknown as MessageEvent };
}

function classifyResponse(frame: Record<string, unknown>): ClassifiedFrame {
  // The usual answer, checked by hand; anything else (go-cqhttp's msg, odd types) takes the schema.
  const quick = frame.status;
  const code = frame.retcode;
  if ((quick === 'ok' || quick === 'async' || quick === 'failed') && typeof code === 'number' && Number.isInteger(code) &&
      (frame.message === undefined || typeof frame.message === 'string') && frame.msg === undefined &&
      (frame.wording === undefined || typeof frame.wording === 'string')) {
    const response: ActionResponse = { status: quick, retcode: code, data: frame.data ?? null };
    if (frame.message !== undefined) response.message = frame.message as string;
    if (frame.wording !== undefined) response.wording = frame.wording as string;
    if ('echo' in frame) response.echo = frame.echo;
    return { kind: 'response', response };
  }
  const result = responseFrame.safeParse(frame);
  if (!result.success) return invalid('bad-response', describe(result.error));
  const r = result.data;
  // §2.1/§8.6: status decides; without one, retcode 0 is ok and 1 is async.
  const status = r.status === 'ok' || r.status === 'async' || r.status === 'failed' ? r.status : statusOf(r.retcode);
  const response: ActionResponse = { status, retcode: r.retcode ?? (status === 'ok' ? 0 : status === 'async' ? 1 : -1), data: r.data ?? null };
  const message = r.message ?? r.msg;
  if (message !== undefined) response.message = message;
  if (r.wording !== undefined) response.wording = r.wording;
  if ('echo' in frame) response.echo = r.echo;
  return { kind: 'response', response };
}

function statusOf(retcode: number | undefined): ActionResponse['status'] {
  return retcode === 0 ? 'ok' : retcode === 1 ? 'async' : 'failed';
}

function metaSchema(type: unknown) {
  return type === 'heartbeat' ? heartbeatEvent : type === 'lifecycle' ? lifecycleEvent : otherMetaEvent;
}

const HEADS = {
  notice: z.looseObject({ ...eventBase, notice_type: z.string(), sub_type: z.string().optional() }).transform((e) => ({ ...e, type: e.notice_type })),
  request: z.looseObject({ ...eventBase, request_type: z.string(), sub_type: z.string().optional() }).transform((e) => ({ ...e, type: e.request_type })),
};

function classifyTyped<P extends 'notice' | 'request'>(
  postType: P,
  frame: Record<string, unknown>,
  table: Record<string, z.ZodType<Record<string, unknown>>>,
  category: InvalidFrameCategory,
): ClassifiedFrame {
  const head = HEADS[postType].safeParse(frame);
  if (!head.success) return invalid(category, `${postType}: ${describe(head.error)}`);
  const kind = kindOf(postType, head.data.type, head.data.sub_type);
  const base = { post_type: postType, time: head.data.time, self_id: head.data.self_id, kind };
  const schema = table[kind];
  if (!schema) {
    const { time: _t, self_id: _s, post_type: _p, ...data } = frame;
    return { kind: 'event', event: { ...base, known: false, data } as OneBotEvent };
  }
  const result = schema.safeParse(frame);
  if (!result.success) return invalid(category, `${kind}: ${describe(result.error)}`);
  // The table pairs each kind with its schema, so data matches kind; TypeScript cannot follow a lookup by string.
  return { kind: 'event', event: { ...base, known: true, data: result.data } as unknown as OneBotEvent };
}

/** `notify` and group requests are containers whose `sub_type` names the event (§4.4, §4.5). */
function kindOf(postType: string, type: string, subType: string | undefined): string {
  const container = (postType === 'notice' && type === 'notify') || (postType === 'request' && type === 'group');
  return container && subType ? `${postType}.${type}.${subType}` : `${postType}.${type}`;
}

function parsed(schema: z.ZodType<OneBotEvent>, frame: unknown, category: InvalidFrameCategory): ClassifiedFrame {
  const result = schema.safeParse(frame);
  if (!result.success) return invalid(category, describe(result.error));
  return { kind: 'event', event: result.data };
}

function invalid(category: InvalidFrameCategory, reason: string): ClassifiedFrame {
  return { kind: 'invalid', reason, category };
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- conversion to the core model ----

/** Self messages in their three shapes (§4.3, §8.8); answering them can make the bot loop. */
export function isSelfMessage(event: MessageEvent, selfId: string): boolean {
  return event.post_type === 'message_sent' || event.user_id === event.self_id || event.user_id === selfId;
}

/**
 * Converts a message event to what `createInboundMessage` takes, or `undefined` for the bot's own messages,
 * which must never trigger it. Temp sessions (private with `sub_type` group/other) are private chats with
 * the user, answered with `send_private_msg` (§8.16). Anonymous group senders get the user id
 * `anonymous:<id or flag>`, so they can never be mistaken for, or granted the rights of, a real account.
 */
export function toInboundMessage(
  event: MessageEvent,
  ctx: { adapter: string; selfId: string; repliedToSelf?: boolean },
): InboundMessageInput | undefined {
  if (isSelfMessage(event, ctx.selfId)) return undefined;
  const wire: OneBotSegment[] = toSegments(event.message);
  const input: InboundMessageInput = {
    adapter: ctx.adapter,
    botId: ctx.selfId,
    chatType: event.message_type,
    chatId: event.message_type === 'group' ? event.group_id : event.user_id,
    userId: event.user_id,
    userName: event.sender.card || event.sender.nickname || '',
    segments: toCoreSegments(wire, { selfId: ctx.selfId }),
    toMe: event.message_type === 'private' || isToMe(wire, ctx.selfId, ctx.repliedToSelf),
    messageId: event.message_id,
    time: event.time * 1000,
    raw: event,
  };
  if (event.message_type === 'group') {
    const anon = event.anonymous;
    const anonId = anon?.id ?? anon?.flag;
    if (anon && anonId !== undefined) {
      input.userId = `anonymous:${anonId}`;
      input.userName = anon.name;
      return input;
    }
    const role = event.sender.role;
    if (role === 'owner' || role === 'admin' || role === 'member') input.senderRole = role;
  }
  return input;
}

/**
 * Converts a notice or request to a `PlatformEvent` (hook `platform_event`). `chatKey` is the group when
 * there is one, else the private chat with the other party (the first of user, target, operator and peer
 * that is not the bot); `userId` is the user the event is about.
 */
export function toPlatformEvent(event: NoticeEvent | RequestEvent, ctx: { adapter: string; selfId: string }): PlatformEvent {
  const d = event.data as Readonly<Record<string, unknown>>;
  const pick = (...keys: string[]) => keys.map((k) => idOf(d[k])).find((v) => v !== undefined && v !== '0');
  const groupId = pick('groupId', 'group_id');
  const peer = [pick('userId', 'user_id'), pick('targetId', 'target_id'), pick('operatorId', 'operator_id'), pick('peer_id')].find(
    (id) => id !== undefined && id !== ctx.selfId,
  );
  let chatKey: ChatKey | undefined;
  if (groupId !== undefined) chatKey = formatChatKey(ctx.adapter, 'group', groupId);
  else if (peer !== undefined) chatKey = formatChatKey(ctx.adapter, 'private', peer);
  return { adapter: ctx.adapter, botId: ctx.selfId, kind: event.kind, chatKey, userId: pick('userId', 'user_id', 'operatorId', 'operator_id'), data: d };
}

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * Narrows a `PlatformEvent` from this adapter to one kind with its typed payload.
 * @example
 * app.hooks.on('platform_event', (e) => { if (isOneBotEvent(e, 'notice.group_increase')) greet(e.data.groupId, e.data.userId); });
 */
export function isOneBotEvent<K extends keyof OneBotEventData>(event: PlatformEvent, kind: K): event is PlatformEvent & { kind: K; data: OneBotEventData[K] } {
  return event.kind === kind;
}

/** The ms until the next heartbeat, from a heartbeat event (§1.5, §8.11); `undefined` for other meta events. */
export function heartbeatInterval(event: MetaEvent): number | undefined {
  return event.meta_event_type === 'heartbeat' ? (event as HeartbeatEvent).interval : undefined;
}

/** The lifecycle sub type: `connect` (WS) or `enable`/`disable` (HTTP POST only, §4.6, §8.12). */
export function lifecycleOf(event: MetaEvent): 'connect' | 'enable' | 'disable' | undefined {
  if (event.meta_event_type !== 'lifecycle') return undefined;
  const sub = (event as LifecycleEvent).sub_type;
  return sub === 'connect' || sub === 'enable' || sub === 'disable' ? sub : undefined;
}
