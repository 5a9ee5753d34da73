import { InputFile } from 'grammy';
import type { Message } from 'grammy/types';
import type { Segment } from '../../core/message/index.js';

/**
 * The media of a message as segments, by Telegram `file_id` (resend it as is; `TelegramAdapter.fileUrl`
 * resolves it to a download URL through getFile when a plugin needs the bytes).
 */
export function mediaSegments(m: Message): Segment[] {
  const out: Segment[] = [];
  if (m.photo && m.photo.length > 0) {
    // Telegram sends every size, smallest first.
    const p = m.photo[m.photo.length - 1]!;
    out.push({ type: 'image', fileId: p.file_id, ...size(p.file_size) });
  }
  if (m.sticker) out.push({ type: 'face', id: m.sticker.file_id, ...(m.sticker.emoji ? { name: m.sticker.emoji } : {}) });
  if (m.animation) out.push({ type: 'video', fileId: m.animation.file_id, durationSec: m.animation.duration, ...named(m.animation) });
  else if (m.document) out.push({ type: 'file', fileId: m.document.file_id, ...named(m.document) });
  if (m.video) out.push({ type: 'video', fileId: m.video.file_id, durationSec: m.video.duration, ...named(m.video) });
  if (m.video_note) out.push({ type: 'video', fileId: m.video_note.file_id, durationSec: m.video_note.duration, ...size(m.video_note.file_size) });
  if (m.voice) out.push({ type: 'audio', fileId: m.voice.file_id, durationSec: m.voice.duration, ...named(m.voice) });
  if (m.audio) out.push({ type: 'audio', fileId: m.audio.file_id, durationSec: m.audio.duration, ...named(m.audio) });
  if (m.location) {
    out.push({ type: 'raw', platform: 'telegram', kind: 'location', data: { latitude: m.location.latitude, longitude: m.location.longitude } });
  }
  return out;
}

function size(bytes: number | undefined): { size?: number } {
  return bytes === undefined ? {} : { size: bytes };
}

function named(f: { file_name?: string; mime_type?: string; file_size?: number }): { name?: string; mime?: string; size?: number } {
  return { ...(f.file_name ? { name: f.file_name } : {}), ...(f.mime_type ? { mime: f.mime_type } : {}), ...size(f.file_size) };
}

export type MediaSegment = Extract<Segment, { type: 'image' | 'audio' | 'video' | 'file' }>;

/**
 * What to hand the Bot API for a media segment: a `file_id` or an http(s) URL goes as a string (Telegram
 * fetches it); a local path, `file://` or `base64://` is uploaded.
 */
export function mediaInput(s: MediaSegment): string | InputFile {
  if (s.fileId) return s.fileId;
  if (s.path) return new InputFile(s.path, s.name);
  const url = s.url ?? '';
  if (url.startsWith('base64://')) return new InputFile(Buffer.from(url.slice('base64://'.length), 'base64'), s.name);
  if (url.startsWith('file://')) return new InputFile(new URL(url).pathname, s.name);
  return url;
}
