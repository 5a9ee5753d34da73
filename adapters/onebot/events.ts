import { z } from 'zod';
import type { PlatformEvent } from '../../core/hooks/index.js';
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

import { eventBase, messageEvent, heartbeatEvent, lifecycleEvent, otherMetaEvent, type MessageEvent, type HeartbeatEvent, type LifecycleEvent, type MetaEvent } from './event-schemas.js';
import { NOTICES, REQUESTS, type OneBotEventData, type NoticeEvent, type RequestEvent, type OneBotEvent } from './notice-schemas.js';
export * from './event-schemas.js';
export * from './notice-schemas.js';
/** What `classifyFrame` made of one incoming frame. */
export type ClassifiedFrame =
  | { kind: 'response'; response: ActionResponse }
  | { kind: 'event'; event: OneBotEvent; repaired?: RepairedField }
  | { kind: 'invalid'; reason: string; category: InvalidFrameCategory };

/** A field of an event that was unusable and replaced (`time` by the time of arrival), with what it was, to count. */
export interface RepairedField {
  field: 'time';
  was: unknown;
}

/** 9999-12-31T23:59:59Z: later seconds, negative ones or no number at all cannot be a message's time. */
const LATEST_TIME_S = 253_402_300_799;

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
  const time = frame.time;
  if (typeof time === 'number' && time >= 0 && time <= LATEST_TIME_S) return classifyEvent(frame);
  // OneBot v11 §4: time is in seconds. One no Date can hold (1e20, negative, a string) broke every later use of
  // the message's time (rendering the chat for the agent threw), so it is replaced here, once, and reported.
  const classified = classifyEvent({ ...frame, time: Math.floor(Date.now() / 1000) });
  return classified.kind === 'event' ? { ...classified, repaired: { field: 'time', was: time } } : classified;
}

function classifyEvent(frame: Record<string, unknown>): ClassifiedFrame {
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
  /** `wire`: `toSegments(event.message)`, when the caller has it already. */
  ctx: { adapter: string; selfId: string; repliedToSelf?: boolean; wire?: OneBotSegment[] },
): InboundMessageInput | undefined {
  if (isSelfMessage(event, ctx.selfId)) return undefined;
  const wire: OneBotSegment[] = ctx.wire ?? toSegments(event.message);
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
