import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import { formatChatKey, isAdapterName, type ChatKey, type ChatType } from './chat-key.js';
import { segment, type Segment } from './segment.js';
import { plainText } from './render.js';

/** A chat message as every part downstream of an adapter sees it, whatever the platform. */
export interface InboundMessage {
  /** Adapter name, e.g. `onebot`, `telegram`, `console`. */
  adapter: string;
  /** The bot account that received it (several accounts may share one adapter). */
  botId: string;
  chatKey: ChatKey;
  chatType: ChatType;
  /** Platform id of the chat (group id, or the peer's user id for private chats). */
  chatId: string;
  userId: string;
  userName: string;
  segments: Segment[];
  /** The text segments joined: what commands and wake words are matched against. */
  text: string;
  /** Addressed to the bot: a private chat, an @ of the bot, a reply to the bot, or a wake word. */
  toMe: boolean;
  /** Platform message id, unique per bot account (`botId`); with the adapter and the account, used to drop duplicate deliveries. */
  messageId: string;
  /** When the platform says it was sent, in ms since the epoch. */
  time: number;
  /** The sender's role in a group, when the platform tells (group owners and admins get ADVANCED commands). */
  senderRole?: 'owner' | 'admin' | 'member';
  /** The sender's language code as the platform reports it (Telegram `language_code`), e.g. `zh-hans`. */
  language?: string;
  /** The platform event as received, for plugins that need a field the model lacks. */
  raw?: unknown;
}

const nonEmpty = z.string().min(1);

/** What an adapter supplies; `chatKey` and `text` are derived, `toMe` defaults to true in private chats. */
export const inboundMessageInput = z.object({
  adapter: nonEmpty.refine(isAdapterName, 'must be lowercase letters, digits or "_", starting with a letter'),
  botId: nonEmpty,
  chatType: z.enum(['private', 'group']),
  chatId: nonEmpty,
  userId: nonEmpty,
  userName: z.string().default(''),
  segments: z.array(segment),
  toMe: z.boolean().optional(),
  messageId: nonEmpty,
  time: z.number().int().nonnegative().optional(),
  senderRole: z.enum(['owner', 'admin', 'member']).optional(),
  language: z.string().min(1).optional(),
  raw: z.unknown().optional(),
});
export type InboundMessageInput = z.input<typeof inboundMessageInput>;

/**
 * Builds an `InboundMessage` from what an adapter read off the wire. This is the edge: the input is
 * validated and a `ValidationError` names every offending field.
 */
export function createInboundMessage(input: InboundMessageInput, opts: { validated?: boolean } = {}): InboundMessage {
  // `validated`: the adapter built the input from a wire frame it already checked at its own edge (a zod
  // schema or an equivalent check), so checking it again would only cost time on the hot path.
  const parsed = opts.validated
    ? ({ success: true, data: { ...input, userName: input.userName ?? '' } } as ReturnType<typeof inboundMessageInput.safeParse>)
    : inboundMessageInput.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'inbound message',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const m = parsed.data;
  const segments = m.segments as Segment[];
  const msg: InboundMessage = {
    adapter: m.adapter,
    botId: m.botId,
    chatKey: formatChatKey(m.adapter, m.chatType, m.chatId),
    chatType: m.chatType,
    chatId: m.chatId,
    userId: m.userId,
    userName: m.userName || m.userId,
    segments,
    text: plainText(segments),
    toMe: m.toMe ?? m.chatType === 'private',
    messageId: m.messageId,
    time: m.time ?? Date.now(),
  };
  if (m.senderRole !== undefined) msg.senderRole = m.senderRole;
  if (m.language !== undefined) msg.language = m.language;
  if (m.raw !== undefined) msg.raw = m.raw;
  return msg;
}
