import { plainText, type ChatKey, type InboundMessage } from '../message/index.js';

/**
 * How the BullMQ driver stores a message in Redis: a JSON array of its fields in a fixed order, rather than the
 * object. The keys were half of the bytes, and the client's JSON work on them was its largest cost per message
 * (DESIGN-NOTES, issue 20): an array of the bench's 268-byte message is 127 bytes, and is written and read back
 * ~1.5× faster. Two fields are left out because the reader has them: `chatKey` is the list the message is stored
 * in, and `text`, when it is the text segments joined (as `createInboundMessage` makes it), is stored as 0.
 *
 * `[adapter, botId, chatType, chatId, userId, userName, segments, text | 0, toMe, messageId, time,
 * senderRole | null, language | null, raw?]`: `raw` is present only when the message has it.
 *
 * A message with a property beyond these (a plugin's own) is stored as its object, as are the messages stored
 * before this form existed; `readStored` tells the two apart by the first character.
 */
const FIELDS = 14;
/** The fields every message has (`senderRole`, `language` and `raw` are optional). */
const REQUIRED = 11;

export function toStored(m: InboundMessage): string {
  let keys = 0;
  for (const key in m) if (Object.hasOwn(m, key)) keys++;
  const optional = (m.senderRole !== undefined ? 1 : 0) + (m.language !== undefined ? 1 : 0) + (m.raw !== undefined ? 1 : 0);
  // `chatKey` and the fields above: a property beyond them (or one set to undefined) would be lost by the array.
  if (keys !== REQUIRED + 1 + optional) return JSON.stringify(m);
  const text = m.text === plainText(m.segments) ? 0 : m.text;
  const fields: unknown[] = [m.adapter, m.botId, m.chatType, m.chatId, m.userId, m.userName, m.segments, text, m.toMe, m.messageId, m.time, m.senderRole ?? null, m.language ?? null];
  if (m.raw !== undefined) fields.push(m.raw);
  return JSON.stringify(fields);
}

/** The message `toStored` wrote (either form), stored in `chatKey`'s list. */
export function readStored(payload: string, chatKey: ChatKey): InboundMessage {
  if (payload.charCodeAt(0) !== 91 /* [ */) return JSON.parse(payload) as InboundMessage;
  const f = JSON.parse(payload) as unknown[];
  const segments = f[6] as InboundMessage['segments'];
  const m: InboundMessage = {
    adapter: f[0] as string,
    botId: f[1] as string,
    chatKey,
    chatType: f[2] as InboundMessage['chatType'],
    chatId: f[3] as string,
    userId: f[4] as string,
    userName: f[5] as string,
    segments,
    text: f[7] === 0 ? plainText(segments) : (f[7] as string),
    toMe: f[8] as boolean,
    messageId: f[9] as string,
    time: f[10] as number,
  };
  if (f[11] !== null) m.senderRole = f[11] as InboundMessage['senderRole'];
  if (f[12] !== null) m.language = f[12] as string;
  if (f.length === FIELDS) m.raw = f[13];
  return m;
}
