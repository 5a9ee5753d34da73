import type { Logger } from 'pino';
import type { SendResult } from '../adapter/index.js';
import type { ChatKey, ChatType, InboundMessage, Segment } from '../message/index.js';

/**
 * What a Nekro-style callback learns about the chat it runs for (Nekro's `AgentCtx`): `ctx.chatKey` is
 * Nekro's `ctx.from_chat_key`, `ctx.userId` its `ctx.from_user_id`, `ctx.chatType` its `ctx.channel_type`.
 */
export interface ChatContext {
  readonly chatKey: ChatKey;
  readonly chatType: ChatType;
  readonly adapter: string;
  /** Platform id of the chat. */
  readonly chatId: string;
  /** The user the callback runs for, when there is one. */
  readonly userId?: string | undefined;
  readonly userName?: string | undefined;
  /** The message being handled, in `mountOnUserMessage` callbacks. */
  readonly message?: InboundMessage | undefined;
  /** Sends to this chat; a string becomes one text segment. */
  send(content: string | Segment[]): Promise<SendResult>;
  readonly log: Logger;
}

/** Nekro Agent's name for the same thing. */
export type AgentCtx = ChatContext;
