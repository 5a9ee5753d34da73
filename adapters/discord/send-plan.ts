import type { ButtonsSegment, Segment } from '../../core/message/index.js';
import { faceText, STICKER_PREFIX } from './content.js';
import { splitContent } from './split.js';

/** Discord allows this many attachments, embeds and stickers in one message. */
export const MAX_FILES = 10;
export const MAX_EMBEDS = 10;
export const MAX_STICKERS = 3;

export type MediaSegment = Extract<Segment, { type: 'image' | 'audio' | 'video' | 'file' }>;

/** One Discord message to send, before its media are read. */
export interface PlannedMessage {
  content: string;
  media: MediaSegment[];
  embeds: Record<string, unknown>[];
  stickerIds: string[];
  buttons?: ButtonsSegment;
  /** Only the first message quotes. */
  replyTo?: string;
}

export interface Plan {
  messages: PlannedMessage[];
  /** Users named by `at` segments: the only ones the messages may ping. */
  users: string[];
  /** An `at` of everybody (`userId: 'all'`): `@everyone` pings. Mentions in text never do. */
  everyone: boolean;
}

interface Block {
  text: string;
  media: MediaSegment[];
  embeds: Record<string, unknown>[];
  stickerIds: string[];
  buttons?: ButtonsSegment;
}

const emptyBlock = (): Block => ({ text: '', media: [], embeds: [], stickerIds: [] });

/**
 * Segments in sending order as Discord messages. Text (with `<@id>` for `at`, custom emoji for `face`) runs
 * until media follow it; the media go with the text before them (Discord shows attachments under the
 * content), text after media starts a new message. Long text is split at 2,000 characters, attachments
 * go ten to a message, buttons under the last message of their block, discord `embed` raw segments as embeds.
 */
export function planMessages(segments: readonly Segment[]): Plan {
  const blocks: Block[] = [emptyBlock()];
  const users = new Set<string>();
  let everyone = false;
  let replyTo: string | undefined;
  const current = (): Block => blocks.at(-1)!;
  const addText = (text: string): void => {
    if (current().media.length > 0 || current().buttons) blocks.push(emptyBlock());
    current().text += text;
  };
  for (const s of segments) {
    if (s.type === 'text') addText(s.text);
    else if (s.type === 'at') {
      if (s.userId === 'all') everyone = true;
      else users.add(s.userId);
      addText(s.userId === 'all' ? '@everyone' : `<@${s.userId}>`);
    } else if (s.type === 'face') {
      if (s.id.startsWith(STICKER_PREFIX)) current().stickerIds.push(s.id.slice(STICKER_PREFIX.length));
      else addText(faceText(s));
    } else if (s.type === 'reply') replyTo ??= s.messageId;
    else if (s.type === 'image' || s.type === 'audio' || s.type === 'video' || s.type === 'file') current().media.push(s);
    else if (s.type === 'buttons') current().buttons = s;
    else if (s.type === 'raw' && s.platform === 'discord' && s.kind === 'embed') current().embeds.push(s.data);
  }
  const messages = blocks.flatMap(toMessages);
  if (replyTo !== undefined && messages[0]) messages[0].replyTo = replyTo;
  return { messages, users: [...users], everyone };
}

function toMessages(b: Block): PlannedMessage[] {
  const hasText = b.text.trim() !== '';
  const chunks = hasText ? splitContent(b.text) : [];
  if (!hasText && b.buttons) chunks.push(b.buttons.title ?? 'Options:');
  const out: PlannedMessage[] = chunks.map((content) => ({ content, media: [], embeds: [], stickerIds: [] }));
  const media = b.media.slice();
  const embeds = b.embeds.slice();
  const stickers = b.stickerIds.slice();
  // The first attachments, embeds and stickers ride with the last chunk of text; what does not fit goes on.
  if (out.length === 0 && (media.length > 0 || embeds.length > 0 || stickers.length > 0)) out.push({ content: '', media: [], embeds: [], stickerIds: [] });
  let last = out.at(-1);
  while (last && (media.length > 0 || embeds.length > 0 || stickers.length > 0)) {
    last.media.push(...media.splice(0, MAX_FILES - last.media.length));
    last.embeds.push(...embeds.splice(0, MAX_EMBEDS - last.embeds.length));
    last.stickerIds.push(...stickers.splice(0, MAX_STICKERS - last.stickerIds.length));
    if (media.length === 0 && embeds.length === 0 && stickers.length === 0) break;
    last = { content: '', media: [], embeds: [], stickerIds: [] };
    out.push(last);
  }
  // Buttons hang under the text they belong to: the last chunk of it.
  const anchor = out.findLast((m) => m.content !== '') ?? out.at(-1);
  if (b.buttons && anchor) anchor.buttons = b.buttons;
  return out;
}
