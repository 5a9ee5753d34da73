import { formatMessage, type FakeMessage, type MessageFormat } from './fake-events.js';

/** One action request the fake received (OneBot v11 §2.1), in arrival order. */
export interface ActionCall {
  action: string;
  params: Record<string, unknown>;
  /** The request's echo, any JSON value; absent when the request had none (then the response has none). */
  echo?: unknown;
  /** The socket it came on: `universal`, or `api` for split roles. */
  role: 'universal' | 'api' | 'event';
}

/** What the fake answers; `status` defaults to ok (retcode 0) or failed when `retcode` is not 0 or 1. */
export interface ActionReply {
  status?: 'ok' | 'async' | 'failed';
  retcode?: number;
  data?: unknown;
  message?: string;
  wording?: string;
}

/** A handler's way to send nothing at all (a lost reply, §8.7). */
export const NO_REPLY: unique symbol = Symbol('no reply');
export type ActionOutcome = ActionReply | typeof NO_REPLY;
export type ActionHandler = (call: ActionCall) => ActionOutcome | Promise<ActionOutcome>;

/** A message the fake knows, sent by the bot (`send_*`) or received (an event it emitted), for `get_msg`. */
export interface StoredMessage {
  message_id: number;
  message_type: 'private' | 'group';
  user_id: number;
  group_id?: number;
  message: FakeMessage;
  time: number;
}

/** The fake's default behaviour: what a well-behaved implementation (NapCat-like) answers. */
export class FakeActions {
  readonly messages = new Map<number, StoredMessage>();
  private nextMessageId = 1;

  constructor(
    private readonly selfId: number,
    private readonly format: MessageFormat,
  ) {}

  /** Gives a message an id and keeps it for `get_msg`. */
  store(message: Omit<StoredMessage, 'message_id' | 'time'>): StoredMessage {
    const stored = { ...message, message_id: this.nextMessageId++, time: Math.floor(Date.now() / 1000) };
    this.messages.set(stored.message_id, stored);
    return stored;
  }

  answer(call: ActionCall): ActionReply {
    const { action, params } = call;
    if (action === 'get_login_info') return { data: { user_id: this.selfId, nickname: `fake-${this.selfId}` } };
    if (action === 'get_status') return { data: { online: true, good: true } };
    if (action === 'get_version_info') return { data: { app_name: 'fake-onebot', app_version: '0.0.0', protocol_version: 'v11' } };
    if (action === 'get_msg') return this.getMsg(params.message_id);
    if (action.startsWith('send_')) return { data: { message_id: this.recordSend(params).message_id } };
    return { data: null };
  }

  private recordSend(params: Record<string, unknown>): StoredMessage {
    const groupId = params.group_id === undefined ? undefined : Number(params.group_id);
    const messageType = params.message_type === 'group' || (params.message_type === undefined && groupId !== undefined) ? 'group' : 'private';
    const message = (params.message ?? params.messages ?? '') as FakeMessage;
    const base = { message_type: messageType, user_id: messageType === 'private' ? Number(params.user_id) : this.selfId, message } as const;
    return this.store(groupId === undefined ? base : { ...base, group_id: groupId });
  }

  private getMsg(id: unknown): ActionReply {
    const stored = this.messages.get(Number(id));
    // NapCat's answer for an id it no longer knows (reference §6.1).
    if (!stored) return { status: 'failed', retcode: 1200, data: null, message: 'msg not found' };
    return {
      data: {
        ...stored,
        real_id: stored.message_id,
        sender: { user_id: stored.user_id, nickname: `user-${stored.user_id}` },
        ...formatMessage(stored.message, this.format),
      },
    };
  }
}

/** The wire response for a reply (§2.1); the echo is returned as given, or left out when there was none. */
export function responseFrame(reply: ActionReply, call: ActionCall): Record<string, unknown> {
  const retcode = reply.retcode ?? 0;
  const status = reply.status ?? (retcode === 0 ? 'ok' : retcode === 1 ? 'async' : 'failed');
  const frame: Record<string, unknown> = { status, retcode, data: reply.data ?? null };
  if (reply.message !== undefined) frame.message = reply.message;
  if (reply.wording !== undefined) frame.wording = reply.wording;
  if ('echo' in call) frame.echo = call.echo;
  return frame;
}
