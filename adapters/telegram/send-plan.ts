import type { ButtonsSegment, Segment } from '../../core/message/index.js';
import type { MediaSegment } from './media.js';

/** Telegram refuses a caption longer than this (UTF-16 units, after entity parsing). */
export const MAX_CAPTION = 1024;
/** sendMediaGroup takes 2 to 10 items. */
export const MAX_ALBUM = 10;

export type AlbumItem = Extract<MediaSegment, { type: 'image' | 'video' }>;

/** One Telegram message (a text may still be split into several at send time). */
export type Step =
  | { kind: 'text'; text: string; buttons?: ButtonsSegment }
  | { kind: 'media'; segment: MediaSegment }
  | { kind: 'album'; items: AlbumItem[]; caption?: string };

export interface Plan {
  steps: Step[];
  /** Telegram's message id the first message quotes. */
  replyTo?: number;
}

/**
 * Segments in sending order: runs of text (mentions and faces rendered as text), single media, and albums
 * (consecutive images and videos, sent together as a media group). Buttons go under the text before them,
 * or under a message of their own when no text precedes.
 */
export function planSend(segments: readonly Segment[]): Plan {
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
    else if (s.type === 'buttons') {
      flush();
      const last = steps.at(-1);
      // Telegram needs a text to hang a keyboard under; the title stands in when nothing precedes.
      if (last?.kind === 'text' && !last.buttons) last.buttons = s;
      else steps.push({ kind: 'text', text: s.title ?? 'Options:', buttons: s });
    }
  }
  flush();
  const plan: Plan = { steps: gatherAlbums(steps) };
  if (replyTo !== undefined && Number.isFinite(replyTo)) plan.replyTo = replyTo;
  return plan;
}

function albumItemOf(step: Step | undefined): AlbumItem | undefined {
  if (step?.kind !== 'media') return undefined;
  const s = step.segment;
  return s.type === 'image' || s.type === 'video' ? s : undefined;
}

function captionOf(step: Step | undefined): string | undefined {
  if (step?.kind !== 'text' || step.buttons) return undefined;
  const caption = step.text.trim();
  return caption.length <= MAX_CAPTION ? caption : undefined;
}

/**
 * Two or more consecutive images/videos become albums of at most ten, sized evenly (11 → 6 + 5, never a
 * lone item). The text just before the run becomes the caption when it fits, else the text just after it:
 * Telegram shows a caption under the album, so the words stay next to their pictures.
 */
function gatherAlbums(steps: Step[]): Step[] {
  const out: Step[] = [];
  let i = 0;
  while (i < steps.length) {
    let end = i;
    while (albumItemOf(steps[end])) end++;
    if (end - i < 2) {
      out.push(steps[i]!);
      i++;
      continue;
    }
    const items = steps.slice(i, end).map((s) => albumItemOf(s)!);
    const albums = evenChunks(items, MAX_ALBUM).map((chunk): Step & { kind: 'album' } => ({ kind: 'album', items: chunk }));
    const before = captionOf(out.at(-1));
    const after = before === undefined ? captionOf(steps[end]) : undefined;
    if (before !== undefined) {
      out.pop();
      albums[0]!.caption = before;
    } else if (after !== undefined) {
      albums.at(-1)!.caption = after;
      end++;
    }
    out.push(...albums);
    i = end;
  }
  return out;
}

function evenChunks<T>(items: T[], max: number): T[][] {
  const count = Math.ceil(items.length / max);
  const out: T[][] = [];
  let start = 0;
  for (let k = 0; k < count; k++) {
    const size = Math.floor(items.length / count) + (k < items.length % count ? 1 : 0);
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}
