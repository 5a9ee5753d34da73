import { plainText, type ChatKey, type InboundMessage, type Segment } from '../message/index.js';

/**
 * How the BullMQ driver stores a message in Redis. Three forms; `readStored` tells them apart by the first
 * character, so it reads whatever an earlier version stored.
 *
 * **Fields** (written whenever it can be): the fields in a fixed order, each preceded by the unit separator
 * U+001F. Writing and reading it costs a string join and a `split`, where JSON cost the client ~2.4 µs a
 * message each way on Node 20 (DESIGN-NOTES, issue 20):
 * `␟adapter␟botId␟chatType␟chatId␟userId␟userName␟messageId␟time␟toMe(1|0)␟segments␟text␟senderRole␟language␟raw`
 * - segments: `t` and the text for a message that is one text segment, else `j` and the segments' JSON;
 * - text: empty when it is the text segments joined (as `createInboundMessage` makes it), else `=` and the text;
 * - senderRole, language: empty when absent, else `=` and the value;
 * - raw: empty when absent, else its JSON.
 * `chatKey` is left out: it is the list the message is stored in.
 *
 * **Array**: a JSON array of the same fields (`[adapter, botId, chatType, chatId, userId, userName, segments,
 * text | 0, toMe, messageId, time, senderRole | null, language | null, raw?]`), for a message the field form
 * cannot carry: a string holding the separator, U+001E or a lone surrogate (JSON escapes them), or a field not
 * of its type. **Object**: the message's JSON, for a message with a property beyond the model (a plugin's own).
 */
const SEP = '\u001f';
const SEP_CODE = 0x1f;
/**
 * Between the items of a batch as the buffer's scripts reply them (see TAKE_FN in redis-scripts.ts): no stored
 * message holds it, the field form refusing it and JSON escaping it.
 */
export const ITEM_SEPARATOR = '\u001e';
/** The fields every message has (`senderRole`, `language` and `raw` are optional). */
const REQUIRED = 11;
const ARRAY_FIELDS = 14;

export function toStored(m: InboundMessage): string {
  let keys = 0;
  for (const key in m) if (Object.hasOwn(m, key)) keys++;
  const optional = (m.senderRole !== undefined ? 1 : 0) + (m.language !== undefined ? 1 : 0) + (m.raw !== undefined ? 1 : 0);
  // `chatKey` and the fields above: a property beyond them (or one set to undefined) would be lost otherwise.
  if (keys !== REQUIRED + 1 + optional) return JSON.stringify(m);
  return toFields(m) ?? toArray(m);
}

/** The field form, or undefined when the message cannot take it. */
function toFields(m: InboundMessage): string | undefined {
  if (typeof m.time !== 'number' || typeof m.toMe !== 'boolean') return undefined;
  const { adapter, botId, chatType, chatId, userId, userName, messageId } = m;
  if (!carried(adapter) || !carried(botId) || !carried(chatType) || !carried(chatId) || !carried(userId) || !carried(userName) || !carried(messageId)) return undefined;
  const segments = segmentsField(m.segments);
  if (segments === undefined) return undefined;
  const text = m.text === plainText(m.segments) ? '' : optionalField(m.text);
  const role = optionalField(m.senderRole);
  const language = optionalField(m.language);
  const raw = m.raw === undefined ? '' : JSON.stringify(m.raw);
  if (text === undefined || role === undefined || language === undefined || raw === undefined) return undefined;
  const out =
    `${SEP}${adapter}${SEP}${botId}${SEP}${chatType}${SEP}${chatId}${SEP}${userId}${SEP}${userName}${SEP}${messageId}` +
    `${SEP}${m.time}${SEP}${m.toMe ? '1' : '0'}${SEP}${segments}${SEP}${text}${SEP}${role}${SEP}${language}${SEP}${raw}`;
  // A lone surrogate would reach Redis as U+FFFD (UTF-8 has none); JSON escapes it.
  return isWellFormed(out) ? out : undefined;
}

/** Node 20 has it (V8 11); TypeScript types it only in lib ES2024, which also types what Node 20 lacks. */
function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * A string the field form can hold as it is: without its separator or ITEM_SEPARATOR (JSON escapes both).
 */
function carried(value: unknown): value is string {
  return typeof value === 'string' && !value.includes(SEP) && !value.includes(ITEM_SEPARATOR);
}

/** `t<text>` for one plain text segment, else `j<JSON>` (JSON never holds a raw separator). */
function segmentsField(segments: readonly Segment[]): string | undefined {
  if (segments.length === 1) {
    const s = segments[0]!;
    let keys = 0;
    for (const key in s) if (Object.hasOwn(s, key)) keys++;
    if (keys === 2 && s.type === 'text') return carried(s.text) ? `t${s.text}` : undefined;
  }
  return `j${JSON.stringify(segments)}`;
}

/** `''` for absent, `=value` for a string without the separator, undefined for anything else. */
function optionalField(value: string | undefined): string | undefined {
  if (value === undefined) return '';
  return carried(value) ? `=${value}` : undefined;
}

function toArray(m: InboundMessage): string {
  const text = m.text === plainText(m.segments) ? 0 : m.text;
  const fields: unknown[] = [m.adapter, m.botId, m.chatType, m.chatId, m.userId, m.userName, m.segments, text, m.toMe, m.messageId, m.time, m.senderRole ?? null, m.language ?? null];
  if (m.raw !== undefined) fields.push(m.raw);
  return JSON.stringify(fields);
}

/** The message `toStored` wrote (any form), stored in `chatKey`'s list. */
export function readStored(payload: string, chatKey: ChatKey): InboundMessage {
  const first = payload.charCodeAt(0);
  if (first === SEP_CODE) return readFields(payload, chatKey);
  if (first === 91 /* [ */) return readArray(payload, chatKey);
  return JSON.parse(payload) as InboundMessage;
}

function readFields(payload: string, chatKey: ChatKey): InboundMessage {
  // f[0] is the empty string before the leading separator.
  const f = payload.split(SEP);
  const seg = f[10]!;
  const segments: Segment[] = seg.charCodeAt(0) === 116 /* t */ ? [{ type: 'text', text: seg.slice(1) }] : (JSON.parse(seg.slice(1)) as Segment[]);
  const text = f[11]!;
  const m: InboundMessage = {
    adapter: f[1]!,
    botId: f[2]!,
    chatKey,
    chatType: f[3] as InboundMessage['chatType'],
    chatId: f[4]!,
    userId: f[5]!,
    userName: f[6]!,
    segments,
    text: text === '' ? plainText(segments) : text.slice(1),
    toMe: f[9] === '1',
    messageId: f[7]!,
    time: Number(f[8]),
  };
  if (f[12] !== '') m.senderRole = f[12]!.slice(1) as InboundMessage['senderRole'];
  if (f[13] !== '') m.language = f[13]!.slice(1);
  if (f[14] !== '') m.raw = JSON.parse(f[14]!);
  return m;
}

function readArray(payload: string, chatKey: ChatKey): InboundMessage {
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
  if (f.length === ARRAY_FIELDS) m.raw = f[13];
  return m;
}
