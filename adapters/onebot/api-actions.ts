import { z } from 'zod';
import { ValidationError } from '../../core/errors/index.js';
import type { CallOptions, OneBotApi } from './api.js';
import { toSegments } from './cq-code.js';
import { oneBotId, oneBotMessage, oneBotSender } from './events.js';
import type { OneBotSegment } from './types.js';

/**
 * Typed wrappers for the OneBot v11 public actions (reference onebot11.md §5.1) and the go-cqhttp-lineage
 * extensions bots rely on (§5.2). Params use the wire names; ids may be given as numbers or strings and go
 * out as JSON numbers (§5.1); messages always go out in the array form (§3.2). Results are validated, with
 * ids as strings and every `message` as a segment array.
 *
 * @example
 * const actions = new OneBotActions(api);
 * const { message_id } = await actions.sendGroupMsg({ group_id: '987654321', message: [{ type: 'text', data: { text: 'hi' } }] });
 * const { messages } = await actions.getForwardMsg({ id: resId }); // same shape on NapCat and Lagrange
 */

/** A QQ user, group or message id as a number or a numeric string. */
export type OneBotId = number | string;

/** Best-effort result fields: implementations omit or retype them freely (§8.20). */
const loose = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const messageIdResult = z.looseObject({ message_id: oneBotId });
/** `get_msg` and history items: `message` (or go-cqhttp's `content`) normalised to segments. */
const storedMessage = z
  .looseObject({
    time: z.number(),
    message_type: loose(z.string()),
    message_id: oneBotId,
    real_id: loose(oneBotId),
    user_id: loose(oneBotId),
    group_id: loose(oneBotId),
    sender: oneBotSender,
    message: oneBotMessage.optional(),
    content: oneBotMessage.optional(),
  })
  .transform(({ message, content, ...rest }) => ({ ...rest, message: toSegments(message ?? content ?? []) }));

/** One message of a forward, whatever the implementation's shape. */
export interface ForwardNode {
  user_id: string;
  nickname: string;
  /** Seconds since the epoch, when given. */
  time?: number | undefined;
  message_id?: string | undefined;
  message: OneBotSegment[];
}

// NapCat (go-cqhttp lineage): `{ messages: [message object] }`, with `message` or go-cqhttp's `content`.
const forwardAsMessages = z
  .looseObject({
    messages: z.array(
      z.looseObject({
        user_id: loose(oneBotId),
        message_id: loose(oneBotId),
        time: loose(z.number()),
        sender: oneBotSender,
        message: oneBotMessage.optional(),
        content: oneBotMessage.optional(),
      }),
    ),
  })
  .transform((r) => ({
    messages: r.messages.map((m): ForwardNode => ({
      user_id: m.user_id ?? m.sender.user_id ?? '',
      nickname: m.sender.card || m.sender.nickname || '',
      time: m.time,
      message_id: m.message_id,
      message: toSegments(m.message ?? m.content ?? []),
    })),
  }));
// Spec and Lagrange: `{ message: [node segment] }`; node data uses `user_id`/`nickname` or `uin`/`name`.
const nodeData = z.looseObject({
  user_id: loose(oneBotId),
  uin: loose(oneBotId),
  nickname: loose(z.string()),
  name: loose(z.string()),
  time: loose(z.number()),
  content: oneBotMessage.catch([]),
});
const forwardAsNodes = z.looseObject({ message: oneBotMessage }).transform((r) => ({
  messages: toSegments(r.message)
    .filter((s) => s.type === 'node')
    .map((s): ForwardNode => {
      const d = nodeData.parse(s.data);
      return { user_id: d.user_id ?? d.uin ?? '', nickname: d.nickname ?? d.name ?? '', time: d.time, message: toSegments(d.content ?? []) };
    }),
}));
const forwardMessage = z.union([forwardAsMessages, forwardAsNodes]);

const loginInfo = z.looseObject({ user_id: oneBotId, nickname: z.string() });
const strangerInfo = z.looseObject({ user_id: oneBotId, nickname: z.string(), sex: loose(z.string()), age: loose(z.number()) });
const friendInfo = z.looseObject({ user_id: oneBotId, nickname: z.string(), remark: loose(z.string()) });
const groupInfo = z.looseObject({ group_id: oneBotId, group_name: z.string(), member_count: loose(z.number()), max_member_count: loose(z.number()) });
const groupMemberInfo = z.looseObject({
  group_id: oneBotId,
  user_id: oneBotId,
  nickname: z.string(),
  card: loose(z.string()),
  sex: loose(z.string()),
  age: loose(z.number()),
  area: loose(z.string()),
  join_time: loose(z.number()),
  last_sent_time: loose(z.number()),
  level: loose(z.union([z.string(), z.number()])),
  role: loose(z.string()),
  unfriendly: loose(z.boolean()),
  title: loose(z.string()),
  title_expire_time: loose(z.number()),
  card_changeable: loose(z.boolean()),
});
const honorHolder = z.looseObject({ user_id: oneBotId, nickname: z.string(), avatar: loose(z.string()), description: loose(z.string()) });
const honorList = loose(z.array(honorHolder));
const groupHonorInfo = z.looseObject({
  group_id: oneBotId,
  current_talkative: loose(z.looseObject({ user_id: oneBotId, nickname: z.string(), avatar: loose(z.string()), day_count: loose(z.number()) })),
  talkative_list: honorList,
  performer_list: honorList,
  legend_list: honorList,
  strong_newbie_list: honorList,
  emotion_list: honorList,
});
const cookies = z.looseObject({ cookies: z.string() });
const csrfToken = z.looseObject({ token: z.number() });
const credentials = z.looseObject({ cookies: z.string(), csrf_token: z.number() });
const localFile = z.looseObject({ file: z.string() });
const yes = z.looseObject({ yes: z.boolean() });
const status = z.looseObject({ online: z.boolean().nullish(), good: z.boolean() });
const versionInfo = z.looseObject({ app_name: z.string(), app_version: z.string(), protocol_version: loose(z.string()) });
const history = z.looseObject({ messages: z.array(storedMessage) });
const forwardSent = z.looseObject({ message_id: oneBotId, forward_id: loose(z.string()), res_id: loose(z.string()) });

export type MessageIdResult = z.output<typeof messageIdResult>;
export type StoredMessage = z.output<typeof storedMessage>;
/** `get_forward_msg`'s result in one shape for NapCat's `{messages}` and the spec's `{message}` (§5.2, §8.14). */
export type ForwardMessage = { messages: ForwardNode[] };
export type LoginInfo = z.output<typeof loginInfo>;
export type StrangerInfo = z.output<typeof strangerInfo>;
export type FriendInfo = z.output<typeof friendInfo>;
export type GroupInfo = z.output<typeof groupInfo>;
export type GroupMemberInfo = z.output<typeof groupMemberInfo>;
export type GroupHonorInfo = z.output<typeof groupHonorInfo>;
export type Credentials = z.output<typeof credentials>;
export type OneBotStatus = z.output<typeof status>;
export type VersionInfo = z.output<typeof versionInfo>;
export type MessageHistory = z.output<typeof history>;
/** NapCat adds `res_id`; Lagrange answers `{message_id, forward_id}` (§5.2). */
export type ForwardSendResult = z.output<typeof forwardSent>;

/** A forward node to send: a reference to an existing message, or a custom message. */
export type ForwardNodeInput = { id: OneBotId } | { user_id: OneBotId; nickname: string; content: OneBotSegment[]; time?: number };

export type SendMsgParams =
  | { message_type?: 'group'; group_id: OneBotId; message: OneBotSegment[] }
  | { message_type?: 'private'; user_id: OneBotId; group_id?: OneBotId; message: OneBotSegment[] };
export type HonorType = 'talkative' | 'performer' | 'legend' | 'strong_newbie' | 'emotion' | 'all';
export type AnonymousSender = { id: OneBotId; name: string; flag: string };
export type AudioFormat = 'mp3' | 'amr' | 'wma' | 'm4a' | 'spx' | 'ogg' | 'wav' | 'flac';

type Group = { group_id: OneBotId };
type Member = { group_id: OneBotId; user_id: OneBotId };

/** Every action of §5.1 plus get_group_msg_history and the forward sends of §5.2, as typed methods. */
export class OneBotActions {
  constructor(readonly api: OneBotApi) {}

  /** Temp sessions: NapCat also takes `group_id` to route the reply (§8.16). */
  sendPrivateMsg(p: { user_id: OneBotId; group_id?: OneBotId; message: OneBotSegment[] }, opts?: CallOptions): Promise<MessageIdResult> {
    return this.query('send_private_msg', p, messageIdResult, opts);
  }
  sendGroupMsg(p: { group_id: OneBotId; message: OneBotSegment[] }, opts?: CallOptions): Promise<MessageIdResult> {
    return this.query('send_group_msg', p, messageIdResult, opts);
  }
  /** `message_type` is inferred when absent: private when `user_id` is given, else group. */
  sendMsg(p: SendMsgParams, opts?: CallOptions): Promise<MessageIdResult> {
    const messageType = p.message_type ?? ('user_id' in p && p.user_id !== undefined ? 'private' : 'group');
    return this.query('send_msg', { ...p, message_type: messageType }, messageIdResult, opts);
  }
  deleteMsg(p: { message_id: OneBotId }, opts?: CallOptions): Promise<void> {
    return this.perform('delete_msg', p, opts);
  }
  getMsg(p: { message_id: OneBotId }, opts?: CallOptions): Promise<StoredMessage> {
    return this.query('get_msg', p, storedMessage, opts);
  }
  /** `id` is the forward's id (res_id); NapCat and Lagrange both take it as `id` (§5.1). */
  getForwardMsg(p: { id: string }, opts?: CallOptions): Promise<ForwardMessage> {
    return this.query('get_forward_msg', p, forwardMessage, opts);
  }
  sendLike(p: { user_id: OneBotId; times?: number }, opts?: CallOptions): Promise<void> {
    return this.perform('send_like', p, opts);
  }
  setGroupKick(p: Member & { reject_add_request?: boolean }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_kick', p, opts);
  }
  /** `duration` in seconds (default 1800); 0 lifts the ban. */
  setGroupBan(p: Member & { duration?: number }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_ban', p, opts);
  }
  /** Give the event's `anonymous` object or its `flag`; this ban cannot be lifted. NapCat does not implement it. */
  setGroupAnonymousBan(p: Group & ({ anonymous: AnonymousSender } | { anonymous_flag: string }) & { duration?: number }, opts?: CallOptions): Promise<void> {
    const params = 'anonymous_flag' in p ? { ...p, flag: p.anonymous_flag } : p; // `flag` is the spec's alias
    return this.perform('set_group_anonymous_ban', params, opts);
  }
  setGroupWholeBan(p: Group & { enable?: boolean }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_whole_ban', p, opts);
  }
  setGroupAdmin(p: Member & { enable?: boolean }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_admin', p, opts);
  }
  setGroupAnonymous(p: Group & { enable?: boolean }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_anonymous', p, opts);
  }
  /** An empty `card` removes it. */
  setGroupCard(p: Member & { card?: string }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_card', p, opts);
  }
  setGroupName(p: Group & { group_name: string }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_name', p, opts);
  }
  /** The owner must pass `is_dismiss: true` to dismiss the group. */
  setGroupLeave(p: Group & { is_dismiss?: boolean }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_leave', p, opts);
  }
  setGroupSpecialTitle(p: Member & { special_title?: string; duration?: number }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_special_title', p, opts);
  }
  setFriendAddRequest(p: { flag: string; approve?: boolean; remark?: string }, opts?: CallOptions): Promise<void> {
    return this.perform('set_friend_add_request', p, opts);
  }
  /** `sub_type` must be the request event's; it goes out as both `sub_type` and `type` (§4.5). */
  setGroupAddRequest(p: { flag: string; sub_type: 'add' | 'invite'; approve?: boolean; reason?: string }, opts?: CallOptions): Promise<void> {
    return this.perform('set_group_add_request', { ...p, type: p.sub_type }, opts);
  }
  getLoginInfo(opts?: CallOptions): Promise<LoginInfo> {
    return this.query('get_login_info', {}, loginInfo, opts);
  }
  getStrangerInfo(p: { user_id: OneBotId; no_cache?: boolean }, opts?: CallOptions): Promise<StrangerInfo> {
    return this.query('get_stranger_info', p, strangerInfo, opts);
  }
  getFriendList(opts?: CallOptions): Promise<FriendInfo[]> {
    return this.query('get_friend_list', {}, z.array(friendInfo), opts);
  }
  getGroupInfo(p: Group & { no_cache?: boolean }, opts?: CallOptions): Promise<GroupInfo> {
    return this.query('get_group_info', p, groupInfo, opts);
  }
  getGroupList(opts?: CallOptions): Promise<GroupInfo[]> {
    return this.query('get_group_list', {}, z.array(groupInfo), opts);
  }
  getGroupMemberInfo(p: Member & { no_cache?: boolean }, opts?: CallOptions): Promise<GroupMemberInfo> {
    return this.query('get_group_member_info', p, groupMemberInfo, opts);
  }
  getGroupMemberList(p: Group, opts?: CallOptions): Promise<GroupMemberInfo[]> {
    return this.query('get_group_member_list', p, z.array(groupMemberInfo), opts);
  }
  getGroupHonorInfo(p: Group & { type: HonorType }, opts?: CallOptions): Promise<GroupHonorInfo> {
    return this.query('get_group_honor_info', p, groupHonorInfo, opts);
  }
  async getCookies(p: { domain?: string } = {}, opts?: CallOptions): Promise<string> {
    return (await this.query('get_cookies', p, cookies, opts)).cookies;
  }
  async getCsrfToken(opts?: CallOptions): Promise<number> {
    return (await this.query('get_csrf_token', {}, csrfToken, opts)).token;
  }
  getCredentials(p: { domain?: string } = {}, opts?: CallOptions): Promise<Credentials> {
    return this.query('get_credentials', p, credentials, opts);
  }
  /** Converts a received voice file; resolves with the local path of the result. */
  async getRecord(p: { file: string; out_format: AudioFormat }, opts?: CallOptions): Promise<string> {
    return (await this.query('get_record', p, localFile, opts)).file;
  }
  /** Resolves with the local path of a received image. */
  async getImage(p: { file: string }, opts?: CallOptions): Promise<string> {
    return (await this.query('get_image', p, localFile, opts)).file;
  }
  async canSendImage(opts?: CallOptions): Promise<boolean> {
    return (await this.query('can_send_image', {}, yes, opts)).yes;
  }
  async canSendRecord(opts?: CallOptions): Promise<boolean> {
    return (await this.query('can_send_record', {}, yes, opts)).yes;
  }
  /** `online` may be `null` (unknown) while the socket is fine (§8.11). */
  getStatus(opts?: CallOptions): Promise<OneBotStatus> {
    return this.query('get_status', {}, status, opts);
  }
  getVersionInfo(opts?: CallOptions): Promise<VersionInfo> {
    return this.query('get_version_info', {}, versionInfo, opts);
  }
  /** Answered `async`: the restart happens after the reply. */
  setRestart(p: { delay?: number } = {}, opts?: CallOptions): Promise<void> {
    return this.perform('set_restart', p, opts);
  }
  cleanCache(opts?: CallOptions): Promise<void> {
    return this.perform('clean_cache', {}, opts);
  }

  /** `message_seq` is a message id to page back from (absent: the latest); it goes out as NapCat's `message_seq` and Lagrange's `message_id`. */
  getGroupMsgHistory(p: Group & { message_seq?: OneBotId; count?: number; reverse_order?: boolean }, opts?: CallOptions): Promise<MessageHistory> {
    return this.query('get_group_msg_history', { ...p, message_id: p.message_seq }, history, opts);
  }
  /** Sends a forward; give it a long `timeoutMs` when the nodes carry media (§8.7). */
  sendGroupForwardMsg(p: Group & { messages: ForwardNodeInput[] }, opts?: CallOptions): Promise<ForwardSendResult> {
    return this.query('send_group_forward_msg', { ...p, messages: p.messages.map(nodeSegment) }, forwardSent, opts);
  }
  sendPrivateForwardMsg(p: { user_id: OneBotId; messages: ForwardNodeInput[] }, opts?: CallOptions): Promise<ForwardSendResult> {
    return this.query('send_private_forward_msg', { ...p, messages: p.messages.map(nodeSegment) }, forwardSent, opts);
  }

  private async query<S extends z.ZodType>(action: string, params: object, schema: S, opts?: CallOptions): Promise<z.output<S>> {
    const data = await this.api.call<unknown>(action, toWireParams(params), opts);
    // Every send answers { message_id }: checked by hand, the schema only for anything else.
    if (schema === (messageIdResult as unknown) && typeof data === 'object' && data !== null) {
      const id = (data as { message_id?: unknown }).message_id;
      if ((typeof id === 'number' && Number.isInteger(id)) || (typeof id === 'string' && id !== '')) return { ...data, message_id: String(id) } as z.output<S>;
    }
    const result = schema.safeParse(data);
    if (!result.success) {
      throw new ValidationError(
        `OneBot "${action}" result`,
        result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
      );
    }
    return result.data;
  }

  private async perform(action: string, params: object, opts?: CallOptions): Promise<void> {
    await this.api.call<unknown>(action, toWireParams(params), opts);
  }
}

const ID_PARAMS = new Set(['user_id', 'group_id', 'message_id', 'message_seq']);

/**
 * Drops unset params (the implementation's defaults apply) and sends ids as JSON numbers (§5.1). `for…in`, not
 * `Object.entries`: no pair array a key on every send (120 against 166–350 ns a call in a microbench).
 */
function toWireParams(params: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const given = params as Record<string, unknown>;
  for (const key in given) {
    const value = given[key];
    if (value === undefined || !Object.hasOwn(given, key)) continue;
    out[key] = (typeof value === 'string' || typeof value === 'number') && ID_PARAMS.has(key) ? toWireId(value) : value;
  }
  return out;
}

/** A numeric id as a JSON number when it is exact as one (QQ ids fit in 2^53, §8.4); anything else as given. */
export function toWireId(id: OneBotId): number | string {
  if (typeof id === 'number') return id;
  const n = Number(id);
  return /^-?\d+$/.test(id) && Number.isSafeInteger(n) ? n : id;
}

/** Both spellings of a custom node's sender go out: `user_id`/`nickname` and go-cqhttp's `uin`/`name` (§8.14). */
function nodeSegment(node: ForwardNodeInput): OneBotSegment {
  if ('id' in node) return { type: 'node', data: { id: String(node.id) } };
  const userId = String(node.user_id);
  const data: Record<string, unknown> = { user_id: userId, nickname: node.nickname, uin: userId, name: node.nickname, content: node.content };
  if (node.time !== undefined) data.time = node.time;
  return { type: 'node', data };
}
