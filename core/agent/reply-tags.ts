import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileSegment, Segment, SegmentType } from '../message/index.js';
import { ReplyTagError } from './reply-format.js';
import type { TagContext, TagDefinition } from './tag.js';

export interface BuiltinTagOptions {
  /** The data directory: `data/…` in a tag means a file under it (tool results name attachments that way). */
  dataDir: string;
  /** Segment types the chat's adapter can send; undefined = all. */
  supported?: ReadonlySet<SegmentType> | undefined;
  /**
   * Whether `<file>` may send any existing absolute path, as KiraAI allows. Default true. A model talked into
   * it can then send any file the process can read: turn it off where chat users are not trusted.
   */
  allowAbsolutePaths?: boolean | undefined;
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

const isInside = (root: string, target: string): boolean => {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

async function existingFile(tag: string, file: string, shown: string): Promise<void> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new ReplyTagError(tag, err.code === 'ENOENT' ? `file not found: ${shown}` : `cannot read ${shown}: ${err.message}`);
  });
  if (!info.isFile()) throw new ReplyTagError(tag, `not a file: ${shown}`);
}

/**
 * Where a media tag's value points (seed-systems §2.6 `<file>`): an http(s) URL, an existing absolute path,
 * or `data/…` under the data directory that exists and does not escape it (symlinks included).
 */
async function mediaSource(tag: string, value: string, opts: BuiltinTagOptions): Promise<Pick<FileSegment, 'url' | 'path' | 'name'>> {
  if (/^https?:\/\//i.test(value)) {
    if (!URL.canParse(value)) throw new ReplyTagError(tag, `not a valid URL: ${value}`);
    const url = new URL(value);
    const name = fileNameOf(url);
    return name ? { url: url.href, name } : { url: url.href };
  }
  if (value.startsWith('data/')) {
    const root = path.resolve(opts.dataDir);
    const file = path.resolve(root, value.slice('data/'.length));
    if (!isInside(root, file)) throw new ReplyTagError(tag, `${value} escapes the data directory`);
    await existingFile(tag, file, value);
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!isInside(realRoot, realFile)) throw new ReplyTagError(tag, `${value} escapes the data directory`);
    return { path: file, name: path.basename(file) };
  }
  if (path.isAbsolute(value)) {
    if (opts.allowAbsolutePaths === false) throw new ReplyTagError(tag, 'absolute paths are not allowed here: use a data/… path or a URL');
    await existingFile(tag, value, value);
    return { path: value, name: path.basename(value) };
  }
  throw new ReplyTagError(tag, `expected an http(s) URL, an absolute path or a data/… path, got "${value}"`);
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
  const sources = opts.allowAbsolutePaths === false ? 'an http(s) URL or a data/… path from a tool result' : 'an http(s) URL, an absolute path, or a data/… path from a tool result';
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
      description: '<at>user_id</at> — mention a user by the id shown in the conversation; <at>all</at> mentions everybody.',
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
