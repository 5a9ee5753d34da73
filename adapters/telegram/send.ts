import type { Api } from 'grammy';
import type { Segment } from '../../core/index.js';
import { mediaInput, type MediaSegment } from './media.js';

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

type Step = { kind: 'text'; text: string } | { kind: 'media'; segment: MediaSegment };

/** Segments in sending order: runs of text (mentions and faces rendered as text) and single media. */
function plan(segments: readonly Segment[]): { steps: Step[]; replyTo?: number } {
  const steps: Step[] = [];
  let text = '';
  let replyTo: number | undefined;
  const flush = () => {
    if (text.trim()) steps.push({ kind: 'text', text });
    text = '';
  };
  for (const s of segments) {
    if (s.type === 'text') text += s.text;
    else if (s.type === 'at') text += `@${s.name ?? s.userId}`;
    else if (s.type === 'reply') replyTo = Number(s.messageId.split(':').pop());
    else if (s.type === 'image' || s.type === 'audio' || s.type === 'video' || s.type === 'file') {
      flush();
      steps.push({ kind: 'media', segment: s });
    } else if (s.type === 'face') text += s.name ?? '';
  }
  flush();
  return replyTo !== undefined && Number.isFinite(replyTo) ? { steps, replyTo } : { steps };
}

/**
 * Sends segments as Telegram messages: long text split at safe points, each media by its own method; the
 * first message quotes `reply` when there is one. Returns the id of the last message sent.
 */
export async function sendSegments(api: Api, target: SendTarget, segments: readonly Segment[]): Promise<number | undefined> {
  const { steps, replyTo } = plan(segments);
  const chatId = /^-?\d+$/.test(target.chatId) ? Number(target.chatId) : target.chatId;
  let last: number | undefined;
  let quote = replyTo;
  // Only the first message sent quotes the reply target.
  const options = () => {
    const o = {
      ...(target.threadId !== undefined ? { message_thread_id: target.threadId } : {}),
      ...(quote !== undefined ? { reply_parameters: { message_id: quote, allow_sending_without_reply: true } } : {}),
    };
    quote = undefined;
    return o;
  };
  for (const step of steps) {
    if (step.kind === 'media') {
      last = await sendMedia(api, chatId, step.segment, options());
      continue;
    }
    for (const chunk of splitText(step.text)) last = (await api.sendMessage(chatId, chunk, options())).message_id;
  }
  return last;
}

async function sendMedia(api: Api, chatId: number | string, s: MediaSegment, other: Record<string, unknown>): Promise<number> {
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
