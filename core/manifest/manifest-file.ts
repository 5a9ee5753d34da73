import fs from 'node:fs';
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { PluginManifestError } from './errors.js';
import { manifestSchema, type PluginManifest } from './manifest-schema.js';

/** The manifest's file name in a plugin folder. */
export const MANIFEST_FILE = 'plugin.toml';

/** `plugin.dependency[0].id` from zod's `['plugin', 'dependency', 0, 'id']`. */
function fieldName(pathParts: readonly PropertyKey[]): string {
  return pathParts.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), '');
}

/**
 * Reads and checks `dir/plugin.toml`; `undefined` when the folder has none (the plugin loads as before, inline).
 * Throws `PluginManifestError` naming the first bad field (a TOML syntax error names its line).
 */
export function readManifest(dir: string): PluginManifest | undefined {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) return undefined;
  return parseManifest(fs.readFileSync(file, 'utf8'), file);
}

/** Checks the text of a `plugin.toml` read from `file`. */
export function parseManifest(text: string, file: string): PluginManifest {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    if (err instanceof TomlError) throw new PluginManifestError(file, `line ${err.line}`, `is not valid TOML: ${err.message.split('\n')[0]}`);
    throw err;
  }
  const parsed = manifestSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldName(issue.path) || '(file)';
    const reason = issue.code === 'unrecognized_keys' ? `has an unknown field "${issue.keys.join('", "')}" (see docs/neko-runtime.md for the fields)` : issue.message;
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    throw new PluginManifestError(file, field, missing ? 'is required' : reason);
  }
  return { ...parsed.data.plugin, file, dir: path.dirname(file) };
}

/** The plugin module a manifest names, or the folder's index module. */
export function manifestEntry(manifest: PluginManifest): string | undefined {
  if (manifest.entry) {
    const entry = path.join(manifest.dir, manifest.entry);
    if (!fs.existsSync(entry)) throw new PluginManifestError(manifest.file, 'plugin.entry', `names ${manifest.entry}, which does not exist in ${manifest.dir}`);
    return entry;
  }
  return undefined;
}
