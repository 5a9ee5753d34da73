import { z } from 'zod';

/** The zod schemas of OneBot v11 message and meta events (reference onebot11.md §4.1–§4.3, §4.6). */
// §8.3/§8.4: ids come as numbers or strings; they are compared as strings everywhere downstream.
export const oneBotId = z.union([z.number().int(), z.string().min(1)]).transform((v) => String(v));

const oneBotSegment = z.object({
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

export const anonymous = z
  .looseObject({ id: oneBotId.optional(), name: z.string().default(''), flag: oneBotId.optional() })
  .nullish()
  .catch(null);

export const eventBase = { time: z.number(), self_id: oneBotId };

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
export const messageEvent = z.discriminatedUnion('message_type', [privateMessageEvent, groupMessageEvent]);

export type PrivateMessageEvent = z.output<typeof privateMessageEvent>;
export type GroupMessageEvent = z.output<typeof groupMessageEvent>;
/** A `message` or `message_sent` event (§4.1–§4.3), ids as strings. */
export type MessageEvent = PrivateMessageEvent | GroupMessageEvent;

export const heartbeatEvent = z.looseObject({
  ...eventBase,
  post_type: z.literal('meta_event'),
  meta_event_type: z.literal('heartbeat'),
  interval: z.number().nonnegative(),
  status: z.looseObject({ online: z.boolean().nullish(), good: z.boolean().optional() }).catch({}).optional(),
});
export const lifecycleEvent = z.looseObject({
  ...eventBase,
  post_type: z.literal('meta_event'),
  meta_event_type: z.literal('lifecycle'),
  sub_type: z.string(),
});
export const otherMetaEvent = z.looseObject({ ...eventBase, post_type: z.literal('meta_event'), meta_event_type: z.string() });

export type HeartbeatEvent = z.output<typeof heartbeatEvent>;
export type LifecycleEvent = z.output<typeof lifecycleEvent>;
/** A `meta_event` (§4.6); meta types other than heartbeat and lifecycle pass through untyped. */
export type MetaEvent = HeartbeatEvent | LifecycleEvent | z.output<typeof otherMetaEvent>;

