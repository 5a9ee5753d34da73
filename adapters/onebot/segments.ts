import { pathToFileURL } from 'node:url';
import { ValidationError } from '../../core/errors/index.js';
import { buttonsLine, type FileSegment, type ForwardNode, type Segment } from '../../core/message/index.js';
import { toSegments } from './cq-code.js';
import type { OneBotSegment } from './types.js';

/**
 * OneBot v11 segments (array form, reference onebot11.md §3.3, §3.4) ↔ core segments. Spec elements with a
 * neutral equivalent are mapped; everything else travels as `raw` and is sent back exactly as received.
 *
 * @example
 * const core = toCoreSegments(toSegments(event.message), { selfId: '10001000' });
 * const wire = toOneBotSegments([seg.reply('42'), seg.text('hi')]);
 * // [{ type: 'reply', data: { id: '42' } }, { type: 'text', data: { text: 'hi' } }]
 */

/** What the mapping knows about the receiving bot. */
export interface SegmentContext {
  /** The bot's QQ number, as a string. */
  selfId: string;
}

type MediaFields = Pick<FileSegment, 'url' | 'name' | 'size' | 'fileId'>;
type MediaSegment = Extract<Segment, { type: 'image' | 'audio' | 'video' | 'file' }>;

/** `forward.content` can nest forwards inside forwards; past this depth only the forward id is kept (§8.13). */
const MAX_FORWARD_DEPTH = 3;
/** A `file` value that can be fetched, as opposed to an implementation's opaque file name or token (§3.3). */
const FETCHABLE = /^(https?|file|base64):\/\//i;

/**
 * Maps received segments to core segments: `text`, `at` (`qq: 'all'` → `userId: 'all'`), `face`, `image`,
 * `record` → `audio`, `video`, the `file` extension, `reply` (`id` → `messageId`) and `forward` (with its
 * nodes when NapCat includes `content`). Everything else (node, json, xml, music, share, location, poke,
 * dice, rps, contact, markdown, mface, …), and any of the above that lacks its id, becomes
 * `{ type: 'raw', platform: 'onebot', kind: type, data }` with `data` untouched. Adjacent texts are not merged.
 */
export function toCoreSegments(segments: OneBotSegment[], ctx: SegmentContext): Segment[] {
  return segments.map((s) => toCoreSegment(s, ctx, 0));
}

function toCoreSegment(s: OneBotSegment, ctx: SegmentContext, depth: number): Segment {
  const data = s.data ?? {}; // §3.1: data may be null on the wire
  switch (s.type) {
    case 'text':
      return { type: 'text', text: stringOf(data.text) ?? '' };
    case 'at': {
      const userId = stringOf(data.qq);
      const name = stringOf(data.name);
      if (userId) return name ? { type: 'at', userId, name } : { type: 'at', userId };
      break;
    }
    case 'face': {
      const id = stringOf(data.id);
      if (id) return { type: 'face', id };
      break;
    }
    case 'image': {
      const summary = stringOf(data.summary);
      return summary ? { type: 'image', ...receivedMedia(data), summary } : { type: 'image', ...receivedMedia(data) };
    }
    case 'record':
      return { type: 'audio', ...receivedMedia(data) };
    case 'video':
      return { type: 'video', ...receivedMedia(data) };
    case 'file':
      return { type: 'file', ...receivedMedia(data) };
    case 'reply': {
      // NapCat's send-side `seq` has no core equivalent; a reply without `id` stays raw.
      const messageId = stringOf(data.id);
      if (messageId) return { type: 'reply', messageId };
      break;
    }
    case 'forward': {
      const id = stringOf(data.id);
      const nodes = depth < MAX_FORWARD_DEPTH ? forwardNodes(data.content, ctx, depth + 1) : undefined;
      if (id && nodes) return { type: 'forward', id, nodes };
      if (id) return { type: 'forward', id };
      if (nodes) return { type: 'forward', nodes };
      break;
    }
  }
  // The core schema needs a non-empty kind; an empty type carries no meaning worth keeping.
  return { type: 'raw', platform: 'onebot', kind: s.type || 'unknown', data };
}

/**
 * NapCat: `file` is the name or an opaque token, `file_id`/`file_size`/`url` may be present; Lagrange's
 * file uses `file_name`; image extras `filename`, `summary` (§3.4). Values may be numbers (§3.1).
 */
function receivedMedia(data: Record<string, unknown>): MediaFields {
  const out: MediaFields = {};
  const file = stringOf(data.file);
  const fileFetchable = file !== undefined && FETCHABLE.test(file);
  const fileId = stringOf(data.file_id) ?? (fileFetchable ? undefined : file);
  const url = stringOf(data.url) ?? (fileFetchable ? file : undefined);
  // With a separate `file_id`, NapCat's `file` is the display name.
  const nameFromFile = data.file_id !== undefined && !fileFetchable ? file : undefined;
  const name = stringOf(data.name) ?? stringOf(data.filename) ?? stringOf(data.file_name) ?? nameFromFile;
  const size = sizeOf(data.file_size);
  if (url) out.url = url;
  if (fileId) out.fileId = fileId;
  if (name) out.name = name;
  if (size !== undefined) out.size = size;
  return out;
}

/** NapCat `forward.content`: full OB11 message objects `{ user_id, sender, time, message }` (§3.4). */
function forwardNodes(content: unknown, ctx: SegmentContext, depth: number): ForwardNode[] | undefined {
  if (!Array.isArray(content)) return undefined;
  const nodes: ForwardNode[] = [];
  for (const item of content) {
    if (!isRecord(item)) continue;
    const sender = isRecord(item.sender) ? item.sender : {};
    const wire = messageSegments(item.message);
    const node: ForwardNode = {
      userId: stringOf(sender.user_id) ?? stringOf(item.user_id) ?? '',
      userName: stringOf(sender.card) ?? stringOf(sender.nickname) ?? '',
      segments: wire.map((s) => toCoreSegment(s, ctx, depth)),
    };
    // OneBot times are seconds; core times are ms.
    if (typeof item.time === 'number' && Number.isFinite(item.time)) node.time = item.time * 1000;
    nodes.push(node);
  }
  return nodes;
}

function messageSegments(message: unknown): OneBotSegment[] {
  if (typeof message === 'string') return toSegments(message);
  return Array.isArray(message) ? toSegments(message.filter(isWireSegment)) : [];
}

function isWireSegment(value: unknown): value is OneBotSegment {
  return isRecord(value) && typeof value.type === 'string';
}

/**
 * Maps core segments to OneBot segments for sending; replies are always sent in the array form (§3.2).
 * Media carry `file` = the url (a `data:` url becomes `base64://`), else the path as a `file://` URI, else the
 * fileId. A forward with an `id` is sent by id; a forward with only `nodes` becomes one custom `node` per
 * message, which must go out through `send_group_forward_msg` / `send_private_forward_msg` on its own:
 * NapCat rejects a message that mixes `node` with other segments (§3.4, §8.13). A `raw` segment from
 * OneBot is sent back unchanged; one from another platform becomes a text placeholder like `[telegram:sticker]`.
 * OneBot has no buttons: `buttons` become the text line `Options: a / b`, on a line of its own.
 * Throws `ValidationError` for a media segment with no source or a forward with neither id nor nodes.
 */
export function toOneBotSegments(segments: Segment[]): OneBotSegment[] {
  // A loop rather than flatMap: this runs for every reply, and flatMap is several times slower on V8.
  const out: OneBotSegment[] = [];
  for (let i = 0; i < segments.length; i++) {
    for (const w of toOneBotSegment(segments[i]!, i > 0)) out.push(w);
  }
  return out;
}

function toOneBotSegment(s: Segment, afterOthers: boolean): OneBotSegment[] {
  switch (s.type) {
    case 'text':
      return [{ type: 'text', data: { text: s.text } }];
    case 'at':
      return [{ type: 'at', data: { qq: s.userId } }];
    case 'face':
      return [{ type: 'face', data: { id: s.id } }];
    case 'reply':
      return [{ type: 'reply', data: { id: s.messageId } }];
    case 'image':
      return [{ type: 'image', data: s.summary ? { file: fileRef(s), summary: s.summary } : { file: fileRef(s) } }];
    case 'audio':
      return [{ type: 'record', data: { file: fileRef(s) } }];
    case 'video':
      return [{ type: 'video', data: { file: fileRef(s) } }];
    case 'file':
      return [{ type: 'file', data: s.name ? { file: fileRef(s), name: s.name } : { file: fileRef(s) } }];
    case 'buttons':
      return [{ type: 'text', data: { text: `${afterOthers ? '\n' : ''}${buttonsLine(s)}` } }];
    case 'forward':
      if (s.id) return [{ type: 'forward', data: { id: s.id } }];
      if (s.nodes) return s.nodes.map(nodeSegment);
      throw new ValidationError('forward segment', ['needs an id or nodes to send: set one of them']);
    case 'raw':
      if (s.platform === 'onebot') return [{ type: s.kind, data: s.data }];
      return [{ type: 'text', data: { text: `[${s.platform}:${s.kind}]` } }];
  }
}

/** A custom node; go-cqhttp's `uin`/`name` spellings go along with `user_id`/`nickname` (§3.4, §8.14). */
function nodeSegment(node: ForwardNode): OneBotSegment {
  const data: Record<string, unknown> = {
    user_id: node.userId,
    nickname: node.userName,
    uin: node.userId,
    name: node.userName,
    content: toOneBotSegments(node.segments),
  };
  if (node.time !== undefined) data.time = Math.floor(node.time / 1000);
  return { type: 'node', data };
}

function fileRef(s: MediaSegment): string {
  if (s.url) return s.url.startsWith('data:') ? dataUrlToBase64(s.url) : s.url;
  if (s.path) return pathToFileURL(s.path).href;
  if (s.fileId) return s.fileId;
  throw new ValidationError(`${s.type} segment`, ['needs a url, path or fileId to send: set one of them']);
}

/** OneBot takes `base64://<payload>`, not `data:` urls (Koishi converts the same way, §7.1). */
function dataUrlToBase64(url: string): string {
  const comma = url.indexOf(',');
  if (comma === -1) throw badDataUrl();
  const payload = url.slice(comma + 1);
  if (url.slice(0, comma).endsWith(';base64')) return `base64://${payload}`;
  let bytes: string;
  try {
    bytes = decodeURIComponent(payload);
  } catch {
    throw badDataUrl();
  }
  return `base64://${Buffer.from(bytes).toString('base64')}`;
}

function badDataUrl(): ValidationError {
  return new ValidationError('media url', ['is a malformed data: url: expected data:[<mime>][;base64],<payload>']);
}

/**
 * Whether a group message is addressed to the bot: an `at` of `selfId` (ids compared as strings, §8.3), or
 * `repliedToSelf`, which the caller works out by looking up the quoted message with `get_msg`.
 * `@all` does not count: NoneBot's `_check_at_me` ignores it too (§7.2), and answering every group
 * announcement would make the bot talk over whole groups.
 */
export function isToMe(segments: OneBotSegment[], selfId: string, repliedToSelf = false): boolean {
  if (repliedToSelf) return true;
  return segments.some((s) => s.type === 'at' && stringOf((s.data ?? {}).qq) === String(selfId));
}

/** An id-like or text value as a non-empty string; the wire sends ids as strings or numbers (§3.1). */
function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

function sizeOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
