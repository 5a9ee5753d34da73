import semver from 'semver';
import { PluginDependencyError } from './errors.js';
import type { PluginManifest } from './manifest-schema.js';

/** What is loaded already, or failed to: a dependency may name a plugin of either kind. */
export interface LoadedVersions {
  /** The version of a loaded plugin, `undefined` when it is not loaded. */
  versionOf(key: string): string | undefined;
  /** Whether a plugin of this key tried to load and failed. */
  failed(key: string): boolean;
}

export interface DependencyPlan<M extends { manifest: PluginManifest }> {
  /** The plugins to load, each after every plugin it depends on. */
  order: M[];
  /** The plugins refused, each with why. */
  refused: { item: M; error: PluginDependencyError }[];
}

const fits = (version: string, range: string): boolean => semver.satisfies(version, range, { includePrerelease: true });

/**
 * Orders plugins by their `[[plugin.dependency]]` lists and refuses the ones whose dependencies cannot be met: a
 * dependency that is missing (unless optional), of a version outside its range, part of a cycle, or refused itself.
 * Ties keep the given order (name order), so the result does not depend on the file system.
 */
export function planDependencies<M extends { manifest: PluginManifest }>(items: readonly M[], loaded: LoadedVersions): DependencyPlan<M> {
  const byId = new Map(items.map((i) => [i.manifest.id, i]));
  const refused = new Map<M, PluginDependencyError>();
  for (const item of items) {
    const error = directProblem(item.manifest, byId, loaded);
    if (error) refused.set(item, error);
  }
  for (const [item, cycle] of cycles(items, byId)) if (!refused.has(item)) refused.set(item, cycleError(item.manifest, cycle));
  // A plugin that needs a refused one is refused too, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const item of items) {
      if (refused.has(item)) continue;
      const m = item.manifest;
      const i = m.dependency.findIndex((d) => !d.optional && byId.has(d.id) && refused.has(byId.get(d.id)!));
      if (i < 0) continue;
      refused.set(item, new PluginDependencyError(m.id, `plugin.dependency[${i}].id`, 'failed', `names ${m.dependency[i]!.id}, which was refused: fix it first`));
      changed = true;
    }
  }
  const order: M[] = [];
  const placed = new Set<M>();
  const waiting = items.filter((i) => !refused.has(i));
  while (waiting.length > 0) {
    const next = waiting.findIndex((i) => i.manifest.dependency.every((d) => !byId.has(d.id) || placed.has(byId.get(d.id)!) || refused.has(byId.get(d.id)!)));
    const [item] = waiting.splice(next, 1);
    order.push(item!);
    placed.add(item!);
  }
  return { order, refused: items.filter((i) => refused.has(i)).map((item) => ({ item, error: refused.get(item)! })) };
}

/** Checks one plugin's dependencies before it loads on its own (`loadFile`): each must be loaded, in range. */
export function checkDependencies(manifest: PluginManifest, loaded: LoadedVersions): void {
  const error = directProblem(manifest, new Map(), loaded);
  if (error) throw error;
}

function directProblem<M extends { manifest: PluginManifest }>(m: PluginManifest, byId: Map<string, M>, loaded: LoadedVersions): PluginDependencyError | undefined {
  for (const [i, dep] of m.dependency.entries()) {
    const field = `plugin.dependency[${i}]`;
    if (dep.id === m.id) return new PluginDependencyError(m.id, `${field}.id`, 'cycle', 'names the plugin itself');
    const version = byId.get(dep.id)?.manifest.version ?? loaded.versionOf(dep.id);
    if (version === undefined) {
      if (dep.optional) continue;
      if (loaded.failed(dep.id)) return new PluginDependencyError(m.id, `${field}.id`, 'failed', `names ${dep.id}, which failed to load: fix it first`);
      return new PluginDependencyError(m.id, `${field}.id`, 'missing', `names ${dep.id}, which is not installed: add it to PLUGIN_DIRS, or mark the dependency optional`);
    }
    if (!fits(version, dep.version)) {
      return new PluginDependencyError(m.id, `${field}.version`, 'version', `is "${dep.version}", but ${dep.id} is ${version}: install a version in that range`);
    }
  }
  return undefined;
}

/** Each plugin that sits on a cycle, with the cycle as a list of keys (first = last). */
function cycles<M extends { manifest: PluginManifest }>(items: readonly M[], byId: Map<string, M>): Map<M, string[]> {
  const found = new Map<M, string[]>();
  const state = new Map<M, 'open' | 'done'>();
  const stack: M[] = [];
  const visit = (item: M): void => {
    state.set(item, 'open');
    stack.push(item);
    for (const dep of item.manifest.dependency) {
      const next = byId.get(dep.id);
      if (!next || next === item) continue;
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        const path = [...loop.map((l) => l.manifest.id), next.manifest.id];
        for (const member of loop) if (!found.has(member)) found.set(member, rotate(path, member.manifest.id));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(item, 'done');
  };
  for (const item of items) if (!state.has(item)) visit(item);
  return found;
}

/** The cycle `a → b → c → a` told from `start`: `b → c → a → b`. */
function rotate(path: string[], start: string): string[] {
  const ring = path.slice(0, -1);
  const at = ring.indexOf(start);
  const turned = [...ring.slice(at), ...ring.slice(0, at)];
  return [...turned, start];
}

function cycleError(m: PluginManifest, cycle: string[]): PluginDependencyError {
  const i = m.dependency.findIndex((d) => d.id === cycle[1]);
  return new PluginDependencyError(m.id, `plugin.dependency[${i}].id`, 'cycle', `makes a dependency cycle: ${cycle.join(' → ')}`);
}
