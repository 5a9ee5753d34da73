import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const core = path.resolve(import.meta.dirname, '../../core/index.ts');

/** A folder of plugin folders on disk, each written from a manifest and a module body; remove it at the end. */
export class PluginFolders {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-plugin-folders-'));

  /**
   * Writes `<root>/<moduleName>/plugin.toml` (when `toml` is given) and its `index.ts`, in which `body` runs
   * with `plugin` in scope and everything `nekomata` exports imported as `N`.
   */
  add(moduleName: string, opts: { toml?: string; version?: string; body?: string; author?: string; file?: string } = {}): string {
    const dir = path.join(this.root, moduleName);
    fs.mkdirSync(dir, { recursive: true });
    if (opts.toml !== undefined) fs.writeFileSync(path.join(dir, 'plugin.toml'), opts.toml);
    const file = path.join(dir, opts.file ?? 'index.ts');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, pluginModule(moduleName, opts.version ?? '1.0.0', opts.body ?? '', opts.author ?? 'tester'));
    return dir;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The text of a plugin module importing the framework from source. */
export function pluginModule(moduleName: string, version: string, body: string, author = 'tester'): string {
  return `import * as N from ${JSON.stringify(core)};
import { z } from 'zod';
const plugin = new N.Plugin({ name: '${moduleName}', moduleName: '${moduleName}', description: 'a test plugin', version: '${version}', author: '${author}', url: '' });
${body}
export default plugin;
`;
}

/** A minimal `plugin.toml` for `tester.<moduleName>`, with `extra` lines appended (more tables, say). */
export function manifest(moduleName: string, extra = '', version = '1.0.0'): string {
  return `[plugin]
id = "tester.${moduleName}"
name = "${moduleName}"
version = "${version}"
${extra}`;
}
