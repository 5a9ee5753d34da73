import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A plugin as far as tracing an error needs it: its key and the module file it was loaded from. */
export interface TraceablePlugin {
  key: string;
  source?: string | undefined;
}

// "at fn (/abs/file.ts:1:2)", "at /abs/file.ts:1:2", "at async fn (file:///abs/file.js:1:2)"
const FRAME_FILE = /^\s*at (?:.*?\()?((?:file:\/\/)?\/[^():]+?(?:\?[^():]*)?):\d+:\d+\)?\s*$/;

/**
 * The plugin whose code an error's stack runs through, topmost frame first (the error's causes too), or
 * `undefined`. A folder plugin (`…/name/index.ts`) owns every file in its folder, its own node_modules
 * included; a single-file plugin owns its file. Only plugins loaded from files can be traced this way:
 * code run through a plugin's registrations (hooks, callbacks, commands, timers) is attributed directly.
 */
export function pluginOwningError(error: unknown, plugins: readonly TraceablePlugin[]): string | undefined {
  const owners = plugins.flatMap((p) => (p.source ? [{ key: p.key, owns: ownership(p.source) }] : []));
  if (owners.length === 0) return undefined;
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    for (const line of (e.stack ?? '').split('\n')) {
      const file = frameFile(line);
      if (file === undefined) continue;
      const owner = owners.find((o) => o.owns(file));
      if (owner) return owner.key;
    }
  }
  return undefined;
}

function ownership(source: string): (file: string) => boolean {
  if (/^index\.[mc]?[jt]s$/.test(path.basename(source))) {
    const dir = path.dirname(source) + path.sep;
    return (file) => file.startsWith(dir);
  }
  return (file) => file === source;
}

function frameFile(line: string): string | undefined {
  const m = FRAME_FILE.exec(line);
  if (!m) return undefined;
  // A module imported afresh (a reload) carries a query in its URL: `…/index.ts?reload=3`.
  const file = m[1]!.replace(/\?.*$/, '');
  try {
    return file.startsWith('file://') ? fileURLToPath(file) : file;
  } catch {
    return undefined;
  }
}
