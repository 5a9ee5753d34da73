import path from 'node:path';
import type { FileSegment, Segment, SegmentType } from '../message/index.js';
import { MEDIA_FOLDER, sendableFile } from './media-files.js';
import { looksLikeUrl, sendableUrl, type HostLookup } from './media-urls.js';
import { ReplyTagError } from './reply-format.js';
import type { TagContext, TagDefinition } from './tag.js';

export interface BuiltinTagOptions {
  /**
   * The data directory: `data/…` in a tag means a file under it (tool results name attachments that way);
   * only its media folder and plugin data folders may be sent from.
   */
  dataDir: string;
  /** Segment types the chat's adapter can send; undefined = all. */
  supported?: ReadonlySet<SegmentType> | undefined;
  /**
   * Whether media tags may also send readable absolute paths outside the data directory, as KiraAI allows.
   * Default false: a model talked into it could send any file the process can read.
   */
  allowAbsolutePaths?: boolean | undefined;
  /** Whether media tags may name URLs on private and loopback addresses. Default false. */
  allowPrivateUrls?: boolean | undefined;
  /** Whether `<at>all</at>` is offered to the model. Default false (the reply guard drops it anyway). */
  allowMentionAll?: boolean | undefined;
  /** Resolves URL host names for the private-address check; default `dns.lookup`. */
  lookup?: HostLookup | undefined;
}

type MediaKind = 'image' | 'audio' | 'video' | 'file';
const MEDIA_KINDS: readonly MediaKind[] = ['image', 'audio', 'video', 'file'];
/** `record` is KiraAI's name for audio. */
const TYPE_NAMES: Readonly<Record<string, MediaKind>> = { image: 'image', audio: 'audio', record: 'audio', video: 'video', file: 'file' };
const EXTENSIONS: Readonly<Record<MediaKind, readonly string[]>> = {
  image: ['.png', '.jpg', '.jpeg', '.gif', '.webp', '.bmp'],
  audio: ['.mp3', '.wav', '.ogg', '.oga', '.opus', '.m4a', '.aac', '.flac', '.amr', '.silk'],
  video: ['.mp4', '.mov', '.webm', '.mkv', '.avi', '.m4v'],
  file: [],
};

/** A single token (an id): models sometimes write `@123` for a mention. */
function idValue(tag: string, value: string, what: string): string {
  const id = value.replace(/^@/, '');
  if (id === '' || /\s/.test(id)) throw new ReplyTagError(tag, `expected ${what}, got "${value}"`);
  return id;
}

function kindByExtension(source: string): MediaKind {
  const pathname = /^https?:\/\//i.test(source) && URL.canParse(source) ? new URL(source).pathname : source;
  const ext = path.extname(pathname).toLowerCase();
  return MEDIA_KINDS.find((k) => EXTENSIONS[k].includes(ext)) ?? 'file';
}

function fileNameOf(url: URL): string {
  const base = path.posix.basename(url.pathname);
  try {
    return decodeURIComponent(base);
  } catch {
    return base; // percent escapes that are not UTF-8: the name as written is still a fine name
  }
}

/**
 * Where a media tag's value points (seed-systems §2.6 `<file>`): an http(s) URL (not on a private address),
 * or a `data/…` or absolute path to a file the model may send (see `sendableFile`).
 */
async function mediaSource(tag: string, value: string, opts: BuiltinTagOptions): Promise<Pick<FileSegment, 'url' | 'path' | 'name'>> {
  if (looksLikeUrl(value)) {
    const url = await sendableUrl(tag, value, { allowPrivateUrls: opts.allowPrivateUrls ?? false, lookup: opts.lookup });
    const name = fileNameOf(url);
    return name ? { url: url.href, name } : { url: url.href };
  }
  if (value.startsWith('data/') || path.isAbsolute(value)) {
    return sendableFile(tag, value, { dataDir: opts.dataDir, allowAbsolutePaths: opts.allowAbsolutePaths ?? false });
  }
  throw new ReplyTagError(tag, `expected an http(s) URL, a data/… path or an absolute path, got "${value}"`);
}

async function mediaSegment(tag: string, kind: MediaKind, value: string, opts: BuiltinTagOptions): Promise<Segment[]> {
  if (value === '') throw new ReplyTagError(tag, 'empty: put a URL or a path inside the tag');
  return [{ type: kind, ...(await mediaSource(tag, value, opts)) }];
}

/**
 * The tags every chat gets (seed-systems §2.6), limited to what the chat's adapter can send; `text` always.
 * Each description shows the syntax, since the model sees it verbatim.
 */
export function builtinTags(opts: BuiltinTagOptions): TagDefinition[] {
  const can = (type: SegmentType): boolean => opts.supported === undefined || opts.supported.has(type);
  const kinds = MEDIA_KINDS.filter(can);
  const sources = opts.allowAbsolutePaths
    ? `an http(s) URL, a data/… path from a tool result or data/${MEDIA_FOLDER}/…, or an absolute path`
    : `an http(s) URL, or a data/… path from a tool result or data/${MEDIA_FOLDER}/…`;
  const tags: TagDefinition[] = [
    {
      name: 'text',
      description: '<text>words</text> — plain text to send.',
      handle: (value) => (value === '' ? [] : [{ type: 'text', text: value }]),
    },
  ];
  if (can('at')) {
    tags.push({
      name: 'at',
      description: opts.allowMentionAll
        ? '<at>user_id</at> — mention a user by the id shown in the conversation; <at>all</at> mentions everybody.'
        : '<at>user_id</at> — mention a user by the id shown in the conversation.',
      handle: (value) => {
        const id = idValue('at', value, 'a user id or "all"');
        return [{ type: 'at', userId: id.toLowerCase() === 'all' ? 'all' : id }];
      },
    });
  }
  if (can('reply')) {
    tags.push({
      name: 'reply',
      description: '<reply>message_id</reply> — quote an earlier message by its id; at most one per <msg>, it is placed first.',
      handle: (value) => [{ type: 'reply', messageId: idValue('reply', value, 'a message id') }],
    });
  }
  if (can('face')) {
    tags.push({
      name: 'emoji',
      description: '<emoji>face_id</emoji> — a platform emoji (face) by its id.',
      handle: (value) => [{ type: 'face', id: idValue('emoji', value, 'a face id') }],
    });
  }
  if (kinds.length > 0) {
    tags.push({
      name: 'file',
      description: `<file type="${kinds.join('|')}">URL or path</file> — send a file: ${sources}; type defaults from the file extension.`,
      handle: (value: string, ctx: TagContext) => {
        const typeName = ctx.attributes.type?.trim().toLowerCase();
        let kind = typeName ? TYPE_NAMES[typeName] : kindByExtension(value);
        if (!kind) throw new ReplyTagError('file', `type "${typeName}" is not one of ${kinds.join(', ')}`);
        // Without an explicit type, a kind the chat cannot send still goes out as a plain file when it can.
        if (!can(kind) && !typeName && can('file')) kind = 'file';
        if (!can(kind)) throw new ReplyTagError('file', `this chat cannot send ${kind}`);
        return mediaSegment('file', kind, value, opts);
      },
    });
  }
  if (can('image')) {
    tags.push({
      name: 'img',
      description: '<img>URL or path</img> — send an image (same sources as <file>).',
      handle: (value) => mediaSegment('img', 'image', value, opts),
    });
  }
  if (can('audio')) {
    tags.push({
      name: 'record',
      description: '<record>URL or path</record> — send a voice or audio clip (same sources as <file>).',
      handle: (value) => mediaSegment('record', 'audio', value, opts),
    });
  }
  return tags;
}
