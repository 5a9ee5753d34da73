import fs from 'node:fs';
import path from 'node:path';
import { manifestEntry, PluginManifestError, readManifest, type PluginManifest } from '../manifest/index.js';
import { discoverPlugins, resolvePluginEntry } from './loader.js';
import type { Plugin } from './plugin.js';

/** One plugin to load: its module, and its manifest when its folder has a `plugin.toml`. */
export interface PluginSource {
  /** The module file to import. */
  entry: string;
  manifest?: PluginManifest | undefined;
  builtin: boolean;
}

const INDEX = /^index\.[mc]?[jt]s$/;

/**
 * The targets of the plugin folders, built-ins first, each folder's in name order: a module file, a folder
 * holding an index module, or a folder holding a `plugin.toml` (whose `entry` may name any module in it).
 */
export function pluginTargets(dirs: { builtin: readonly string[]; extra: readonly string[] }): { target: string; builtin: boolean }[] {
  const targets = dirs.builtin.flatMap((d) => discoverPlugins(d)).map((target) => ({ target, builtin: true }));
  for (const target of dirs.extra) {
    const folderOfPlugins = isDirectory(target) && !isPluginFolder(target);
    for (const t of folderOfPlugins ? discoverPlugins(target) : [target]) targets.push({ target: t, builtin: false });
  }
  return targets;
}

/** Reads a target's manifest (if its folder has one) and finds its module; throws `PluginManifestError` on a bad manifest. */
export function readSource(target: string, builtin: boolean): PluginSource {
  const full = path.resolve(target);
  const folder = isDirectory(full) ? full : INDEX.test(path.basename(full)) ? path.dirname(full) : undefined;
  const manifest = folder === undefined ? undefined : readManifest(folder);
  const entry = (manifest && manifestEntry(manifest)) ?? resolvePluginEntry(full);
  return { entry, manifest, builtin };
}

/** The module must declare the plugin its manifest names: one key and one version, whoever reads them. */
export function checkManifestMatches(manifest: PluginManifest, plugin: Plugin): void {
  if (manifest.id !== plugin.key) {
    throw new PluginManifestError(manifest.file, 'plugin.id', `is "${manifest.id}", but the module declares plugin ${plugin.key} (author.moduleName): make them the same`);
  }
  if (manifest.version !== plugin.version) {
    throw new PluginManifestError(manifest.file, 'plugin.version', `is ${manifest.version}, but the module declares version ${plugin.version}: make them the same`);
  }
}

function isDirectory(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isDirectory();
}

/** A folder that is one plugin (an index module or a manifest), not a folder of plugins. */
function isPluginFolder(dir: string): boolean {
  return fs.readdirSync(dir).some((f) => INDEX.test(f) || f === 'plugin.toml');
}
