import fs from 'node:fs';
import path from 'node:path';
import { NekomataError } from '../errors/index.js';

const pluginKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
// Linux gives up after 40 links; a longer chain is a loop.
const MAX_LINKS = 40;

/** A path built from plugin input would leave the directory it must stay in. */
export class PathEscapeError extends NekomataError {
  constructor(
    readonly path: string,
    readonly base: string,
    reason: string,
  ) {
    super(
      'PATH_ESCAPE',
      `path ${JSON.stringify(path)} is outside ${JSON.stringify(base)} (${reason}): use a relative path without ".." that stays inside it`,
    );
  }
}

/**
 * A plugin's own data directory, `<dataDir>/plugins/<author>.<moduleName>`, as an absolute path. It is not
 * created here.
 *
 * @example
 * pluginDataDir('data', 'me.weather'); // '/srv/bot/data/plugins/me.weather'
 */
export function pluginDataDir(dataDir: string, pluginKey: string): string {
  if (typeof pluginKey !== 'string' || !pluginKeyPattern.test(pluginKey)) {
    throw new NekomataError(
      'PLUGIN_KEY_INVALID',
      `plugin key ${JSON.stringify(pluginKey)} is malformed: expected "<author>.<moduleName>", each letters, digits or "_" not starting with a digit`,
    );
  }
  return path.resolve(dataDir, 'plugins', pluginKey);
}

/**
 * Joins `parts` onto `base` and resolves the result, refusing with a `PathEscapeError` anything that would
 * end up outside `base`: `..` segments that climb out, absolute parts, NUL bytes, and symbolic links
 * (existing ones anywhere along the path, dangling ones included) that point outside.
 *
 * @example
 * resolveInside(plugin.dataDir(), 'cache', `${hash}.bin`); // ok
 * resolveInside(plugin.dataDir(), '../other.plugin/secret'); // throws PathEscapeError
 */
export function resolveInside(base: string, ...parts: string[]): string {
  const root = path.resolve(base);
  for (const part of [base, ...parts]) {
    if (typeof part !== 'string') throw new PathEscapeError(String(part), root, 'a path part is not a string');
    if (part.includes('\0')) throw new PathEscapeError(path.join(base, ...parts), root, 'it contains a NUL byte');
  }
  const absolute = parts.find((p) => path.isAbsolute(p));
  if (absolute !== undefined) throw new PathEscapeError(absolute, root, 'an absolute part replaces the base');

  const target = path.resolve(root, ...parts);
  if (!isInside(target, root)) throw new PathEscapeError(target, root, '".." climbs out of it');
  // A symlink can only escape from below an existing base; comparing physical paths catches it anywhere.
  if (fs.existsSync(root) && !isInside(physicalPath(target), physicalPath(root))) {
    throw new PathEscapeError(target, root, 'a symbolic link on the way points outside it');
  }
  return target;
}

function isInside(candidate: string, root: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Where `p` really is once every symlink is followed, also for a path that does not exist yet: the
 * missing tail is appended to the physical path of its nearest existing ancestor, and a dangling link is
 * followed to where writing through it would create the file.
 */
function physicalPath(p: string, links = 0): string {
  try {
    return fs.realpathSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  const physicalParent = physicalPath(parent, links);
  if (isSymlink(p)) {
    if (links >= MAX_LINKS) throw new NekomataError('PATH_LINK_LOOP', `too many symbolic links while resolving ${JSON.stringify(p)}`);
    return physicalPath(path.resolve(physicalParent, fs.readlinkSync(p)), links + 1);
  }
  return path.join(physicalParent, path.basename(p));
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false; // missing, or below a file: nothing there to follow
  }
}
