import { InputMediaBuilder, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { buttonsLine, type ButtonsSegment, type Segment } from '../../core/message/index.js';
import { mediaInput, type MediaSegment } from './media.js';
import { planSend, type AlbumItem, type Step } from './send-plan.js';

/** Telegram refuses a text message longer than this (in UTF-16 units, after entity parsing). */
export const MAX_TEXT = 4096;

/**
 * Splits a text into chunks of at most `max` characters, cutting at the last newline in a chunk, else the last
 * space, else hard; the separator at a cut is dropped so no chunk starts or ends with it.
 */
export function splitText(text: string, max = MAX_TEXT): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = window.lastIndexOf('\n');
    if (cut <= 0) cut = window.lastIndexOf(' ');
    if (cut <= 0) {
      // Never cut a surrogate pair in half.
      cut = isHighSurrogate(rest.charCodeAt(max - 1)) ? max - 1 : max;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    } else {
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut + 1);
    }
  }
  if (rest.length > 0 || out.length === 0) out.push(rest);
  return out;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export interface SendTarget {
  chatId: string;
  threadId?: number;
}

export interface SendOptions {
  /** The inline keyboard for a buttons segment; without it buttons are sent as an `Options: a / b` line. */
  keyboard?: (s: ButtonsSegment) => InlineKeyboardMarkup;
}

type Extra = Record<string, unknown>;

/**
 * Sends segments as Telegram messages: long text split at safe points, consecutive images/videos as one
 * media group, other media each by its own method, buttons as an inline keyboard under the last text chunk;
 * the first message quotes `reply` when there is one. Returns the id of the last message sent.
 */
export async function sendSegments(api: Api, target: SendTarget, segments: readonly Segment[], options: SendOptions = {}): Promise<number | undefined> {
  const { steps, replyTo } = planSend(segments);
  const chatId = /^-?\d+$/.test(target.chatId) ? Number(target.chatId) : target.chatId;
  let last: number | undefined;
  let quote = replyTo;
  // Only the first message sent quotes the reply target.
  const extra = (more: Extra = {}): Extra => {
    const o = {
      ...(target.threadId !== undefined ? { message_thread_id: target.threadId } : {}),
      ...(quote !== undefined ? { reply_parameters: { message_id: quote, allow_sending_without_reply: true } } : {}),
      ...more,
    };
    quote = undefined;
    return o;
  };
  for (const step of steps) {
    if (step.kind === 'media') last = await sendMedia(api, chatId, step.segment, extra());
    else if (step.kind === 'album') last = await sendAlbum(api, chatId, step.items, step.caption, extra());
    else last = await sendText(api, chatId, step, options, extra);
  }
  return last;
}

async function sendText(api: Api, chatId: number | string, step: Step & { kind: 'text' }, options: SendOptions, extra: (more?: Extra) => Extra): Promise<number | undefined> {
  const keyboard = step.buttons && options.keyboard?.(step.buttons);
  const text = step.buttons && !keyboard ? `${step.text}\n${buttonsLine(step.buttons)}` : step.text;
  const chunks = splitText(text);
  let last: number | undefined;
  for (const [i, chunk] of chunks.entries()) {
    const more = keyboard && i === chunks.length - 1 ? { reply_markup: keyboard } : {};
    last = (await api.sendMessage(chatId, chunk, extra(more))).message_id;
  }
  return last;
}

async function sendAlbum(api: Api, chatId: number | string, items: readonly AlbumItem[], caption: string | undefined, other: Extra): Promise<number | undefined> {
  const media = items.map((s, i) => {
    // Telegram shows the first item's caption under the whole album.
    const opts = i === 0 && caption ? { caption } : {};
    return s.type === 'image' ? InputMediaBuilder.photo(mediaInput(s), opts) : InputMediaBuilder.video(mediaInput(s), opts);
  });
  const sent = await api.sendMediaGroup(chatId, media, other);
  return sent.at(-1)?.message_id;
}

async function sendMedia(api: Api, chatId: number | string, s: MediaSegment, other: Extra): Promise<number> {
  const input = mediaInput(s);
  if (s.type === 'image') return (await api.sendPhoto(chatId, input, other)).message_id;
  if (s.type === 'video') return (await api.sendVideo(chatId, input, other)).message_id;
  if (s.type === 'audio') {
    // Voice notes are OGG/Opus; Telegram shows anything else as a music track.
    const voice = s.mime === 'audio/ogg' || /\.oga$|\.ogg$/.test(s.name ?? s.url ?? '');
    return (voice ? await api.sendVoice(chatId, input, other) : await api.sendAudio(chatId, input, other)).message_id;
  }
  return (await api.sendDocument(chatId, input, other)).message_id;
}
