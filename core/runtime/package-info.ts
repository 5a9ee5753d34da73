import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Nekomata's own `package.json` and its folder: found upward from this module, whether run from source or from `dist/`. */
function packageJson(): { name: string; version: string; root: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nekomata' && pkg.version) return { name: pkg.name, version: pkg.version, root: dir };
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`nekomata's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The installed Nekomata's version, e.g. `0.2.0`. */
export function packageVersion(): string {
  return packageJson().version;
}

/** The folder of the installed package (the repository when run from source): where `ui/` is. */
export function packageRoot(): string {
  return packageJson().root;
}
