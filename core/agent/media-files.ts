import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { MediaRefusedError, ReplyTagError } from './reply-format.js';

/**
 * The folder under `DATA_DIR` whose files the model may send with `<file>`: tools put what they return
 * there. Plugin data folders (`DATA_DIR/plugins/<key>/`) are sendable too; nothing else under `DATA_DIR` is
 * (the store, the pending list, whatever else the app keeps there).
 */
export const MEDIA_FOLDER = 'media';

/** `DATA_DIR/media`, absolute; it is not created here. */
export function mediaDir(dataDir: string): string {
  return path.resolve(dataDir, MEDIA_FOLDER);
}

export interface SendableFileOptions {
  dataDir: string;
  /** Also readable absolute paths outside `dataDir`; inside it the sendable folders still rule. */
  allowAbsolutePaths: boolean;
}

const PLUGINS_FOLDER = 'plugins';

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The sendable folder `target` lies in, by its written path: the media folder or one plugin's data folder. */
function sendableFolder(dataDir: string, target: string): string | undefined {
  const media = mediaDir(dataDir);
  if (isInside(media, target) && target !== media) return media;
  const plugins = path.join(dataDir, PLUGINS_FOLDER);
  const parts = path.relative(plugins, target).split(path.sep);
  if (isInside(plugins, target) && parts.length >= 2 && parts[0] !== '') return path.join(plugins, parts[0]!);
  return undefined;
}

/** Whether a physical path may be sent as far as `DATA_DIR` goes: outside it, or inside a sendable folder of it. */
function clearOfInternals(realDataDir: string, real: string): boolean {
  return !isInside(realDataDir, real) || sendableFolder(realDataDir, real) !== undefined;
}

async function physicalFile(tag: string, file: string, shown: string): Promise<string> {
  const fail = (err: NodeJS.ErrnoException): never => {
    throw new ReplyTagError(tag, err.code === 'ENOENT' ? `file not found: ${shown}` : `cannot read ${shown}: ${err.message}`);
  };
  const info = await stat(file).catch(fail);
  if (!info.isFile()) throw new ReplyTagError(tag, `not a file: ${shown}`);
  return realpath(file).catch(fail);
}

/**
 * The file a `data/…` or absolute path in a media tag names, if the model may send it, as its physical path
 * (every symlink followed, so what is checked is what the adapter reads). Refused with `MediaRefusedError`:
 * anything under `DATA_DIR` outside the media folder and plugin data folders (a symlink in them pointing
 * out included), and absolute paths outside `DATA_DIR` unless `allowAbsolutePaths`.
 */
export async function sendableFile(tag: string, value: string, opts: SendableFileOptions): Promise<{ path: string; name: string }> {
  const dataDir = path.resolve(opts.dataDir);
  const written = value.startsWith('data/') ? path.resolve(dataDir, value.slice('data/'.length)) : path.resolve(value);
  const folder = sendableFolder(dataDir, written);
  if (!folder && isInside(dataDir, written)) {
    throw new MediaRefusedError(tag, 'not_sendable', `${value} is not in a folder files may be sent from (data/${MEDIA_FOLDER}/… or a plugin's data folder)`);
  }
  if (!folder && value.startsWith('data/')) throw new MediaRefusedError(tag, 'not_sendable', `${value} escapes the data directory`);
  if (!folder && !opts.allowAbsolutePaths) {
    throw new MediaRefusedError(tag, 'absolute_path', `absolute paths outside the data directory are not allowed here: use a data/${MEDIA_FOLDER}/… path or a URL`);
  }
  const real = await physicalFile(tag, written, value);
  const realDataDir = await realpath(dataDir).catch(() => dataDir);
  const inFolder = folder ? isInside(await realpath(folder), real) : true;
  if (!inFolder || !clearOfInternals(realDataDir, real)) {
    throw new MediaRefusedError(tag, 'not_sendable', `${value} leads (through a symbolic link) outside the folders files may be sent from`);
  }
  return { path: real, name: path.basename(written) };
}
