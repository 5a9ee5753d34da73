import fs from 'node:fs/promises';
import path from 'node:path';
import { toError } from '../../core/errors/index.js';
import { DiscordMediaError, DiscordUploadTooLargeError } from './errors.js';
import type { MediaSegment } from './send-plan.js';

/** A file as discord.js's REST uploads it (multipart `files[n]`). */
export interface UploadFile {
  name: string;
  data: Buffer;
  contentType?: string;
}

const EXTENSIONS: Record<string, string> = { image: '.png', audio: '.ogg', video: '.mp4', file: '.bin' };
const FETCH_TIMEOUT_MS = 30_000;

/**
 * The bytes of a media segment, for upload: a local path or `file://` URL, `base64://` data, or an http(s)
 * URL (downloaded, as discord.js does for URLs in `files`). Larger than `limit` is refused before anything
 * is read or sent, with `DiscordUploadTooLargeError`.
 */
export async function readMedia(s: MediaSegment, limit: number): Promise<UploadFile> {
  const url = s.url ?? '';
  const local = s.path ?? (url.startsWith('file://') ? new URL(url).pathname : undefined);
  const name = fileName(s, local ?? url);
  const file = (data: Buffer): UploadFile => {
    if (data.length > limit) throw new DiscordUploadTooLargeError(name, data.length, limit);
    return { name, data, ...(s.mime ? { contentType: s.mime } : {}) };
  };
  if (local !== undefined) {
    const stat = await fs.stat(local).catch((err: unknown) => {
      throw new DiscordMediaError(local, toError(err).message, { cause: err });
    });
    if (stat.size > limit) throw new DiscordUploadTooLargeError(name, stat.size, limit);
    return file(await fs.readFile(local));
  }
  if (url.startsWith('base64://')) return file(Buffer.from(url.slice('base64://'.length), 'base64'));
  if (/^https?:\/\//i.test(url)) return file(await download(url, name, limit));
  throw new DiscordMediaError(s.fileId ?? (url || s.type), 'only local files, base64:// data and http(s) URLs can be uploaded (a platform file id cannot)');
}

async function download(url: string, name: string, limit: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    throw new DiscordMediaError(url, toError(err).message, { cause: err });
  }
  if (!response.ok || !response.body) throw new DiscordMediaError(url, `the download answered ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body.cancel();
    throw new DiscordUploadTooLargeError(name, declared, limit);
  }
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.length;
    // A server that did not say its length is cut off at the limit rather than read to the end.
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new DiscordUploadTooLargeError(name, size, limit);
    }
    chunks.push(Buffer.from(read.value));
  }
  return Buffer.concat(chunks);
}

function fileName(s: MediaSegment, source: string): string {
  if (s.name) return s.name;
  const base = source.startsWith('base64://') ? '' : path.basename(source.split(/[?#]/)[0] ?? '');
  return base && base.includes('.') ? base : `${s.type}${EXTENSIONS[s.type]}`;
}
