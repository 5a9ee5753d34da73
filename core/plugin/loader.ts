import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { NekomataError } from '../errors/index.js';
import { isPlugin, type Plugin } from './plugin.js';

/** A plugin module could not be turned into a plugin; `type` says how (Nekro's failure types). */
export class PluginLoadError extends NekomataError {
  constructor(
    readonly type: 'ImportFailed' | 'MissingPluginInstance' | 'InvalidPluginType',
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('PLUGIN_LOAD_FAILED', message, options);
  }
}

const MODULE_EXT = ['.ts', '.mts', '.js', '.mjs'];
const INDEX_FILES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'];

/**
 * The plugin entry points in `dir`: module files (not tests or declarations), folders holding an `index`
 * module, and folders holding a `plugin.toml`, sorted by name so that load order does not depend on the file system.
 */
export function discoverPlugins(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const index = INDEX_FILES.map((f) => path.join(full, f)).find((f) => fs.existsSync(f));
      // A folder with a manifest is a plugin even when its module is not an index (`entry = "src/main.ts"`).
      if (index) found.push(index);
      else if (fs.existsSync(path.join(full, 'plugin.toml'))) found.push(full);
    } else if (MODULE_EXT.some((e) => entry.name.endsWith(e)) && !/\.(test|spec|d)\.[mc]?[jt]s$/.test(entry.name)) {
      found.push(full);
    }
  }
  return found;
}

/** Resolves `target` (a module file or a folder with an index module) to the module file. */
export function resolvePluginEntry(target: string): string {
  const full = path.resolve(target);
  if (fs.existsSync(full) && fs.statSync(full).isDirectory()) {
    const index = INDEX_FILES.map((f) => path.join(full, f)).find((f) => fs.existsSync(f));
    if (!index) throw new PluginLoadError('MissingPluginInstance', full, `plugin folder ${full} has no index.ts or index.js`);
    return index;
  }
  return full;
}

let generation = 0;

/**
 * Imports a plugin module and returns its default export. `fresh` imports it anew (a new URL, so the module
 * cache gives a new evaluation): that is how reload sees the changed file. Modules it imports in turn are
 * shared with the old instance; put what changes in the entry module, or restart.
 */
export async function importPlugin(entry: string, fresh = false): Promise<Plugin> {
  // An ES module is evaluated anew under a new URL; a CommonJS one (a plugin folder without
  // "type": "module") is cached by path, so it is dropped from the require cache as well.
  if (fresh) delete createRequire(import.meta.url).cache[entry];
  const url = pathToFileURL(entry).href + (fresh ? `?reload=${++generation}` : '');
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new PluginLoadError('ImportFailed', entry, `plugin module ${entry} failed to import: ${why}`, { cause: err });
  }
  const value = mod.default;
  if (value === undefined) {
    throw new PluginLoadError('MissingPluginInstance', entry, `plugin module ${entry} has no default export: export the Plugin instance as default`);
  }
  if (!isPlugin(value)) {
    throw new PluginLoadError('InvalidPluginType', entry, `the default export of ${entry} is not a Plugin (got ${describeValue(value)}): export default new Plugin({...})`);
  }
  return value;
}

/** The plugin's documentation: the README.md of its folder, else the module's leading doc comment. */
export function readPluginDocs(entry: string): string | undefined {
  const readme = path.join(path.dirname(entry), 'README.md');
  if (INDEX_FILES.includes(path.basename(entry)) && fs.existsSync(readme)) return fs.readFileSync(readme, 'utf8');
  const source = fs.readFileSync(entry, 'utf8');
  const m = /^\s*(?:#![^\n]*\n\s*)?\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!m) return undefined;
  return m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim() || undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
