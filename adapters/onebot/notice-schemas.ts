import { z } from 'zod';
import { oneBotId, type MessageEvent, type MetaEvent } from './event-schemas.js';

/** The zod schemas and typed payloads of OneBot v11 notices and requests (reference onebot11.md §4.4, §4.5). */
// ---- notices and requests: one schema per kind, mapping the wire to the payload plugins see ----

const optionalGroup = oneBotId.optional().transform((g) => (g === '0' ? undefined : g)); // NapCat sends 0 for "none"
export const file = z.looseObject({ id: z.string(), name: z.string(), size: z.number(), busid: oneBotId.optional(), url: z.string().optional() });

const pokeNotice = z
  .looseObject({ group_id: optionalGroup, user_id: oneBotId, target_id: oneBotId, sender_id: oneBotId.optional(), raw_info: z.unknown().optional() })
  .transform((e) => ({ groupId: e.group_id, userId: e.user_id, targetId: e.target_id, senderId: e.sender_id, rawInfo: e.raw_info }));

export type GroupDecreaseType = 'leave' | 'kick' | 'kick_me' | 'disband' | (string & {}); // disband: NapCat
export type GroupIncreaseType = 'approve' | 'invite' | (string & {});

export const NOTICES = {
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

export const REQUESTS = {
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
export type KnownEvent<P extends 'notice' | 'request', K extends keyof OneBotEventData> = TypedEvent<P, K, OneBotEventData[K]> & { known: true };
export type UnknownEvent<P extends 'notice' | 'request'> = TypedEvent<P, string, Readonly<Record<string, unknown>>> & { known: false };

/** A validated notice: narrow on `known` then `kind` to get its typed `data`. */
export type NoticeEvent = { [K in NoticeKind]: KnownEvent<'notice', K> }[NoticeKind] | UnknownEvent<'notice'>;
export type RequestEvent = { [K in RequestKind]: KnownEvent<'request', K> }[RequestKind] | UnknownEvent<'request'>;
export type OneBotEvent = MessageEvent | NoticeEvent | RequestEvent | MetaEvent;

