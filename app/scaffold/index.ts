import fs from 'node:fs';
import path from 'node:path';
import { packageRoot, packageVersion } from '../../core/runtime/index.js';
import { templates } from './templates.js';

/**
 * `nekomata new plugin <name> [--dir <folder>]`: writes a plugin folder that type-checks and passes its test as
 * generated (`npm install && npm test` in it). Refuses a name that cannot be a module name, and a folder that
 * exists and is not empty. Resolves the process's exit code.
 */
export async function newPlugin(name: string, parent: string = process.cwd()): Promise<number> {
  if (!/^[a-z][a-z0-9]*([-_][a-z0-9]+)*$/.test(name)) {
    process.stderr.write(`nekomata: "${name}" cannot name a plugin: use lowercase letters and digits, words joined by "-" or "_", starting with a letter (e.g. weather, my-dice)\n`);
    return 2;
  }
  const dir = path.resolve(parent, name);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    process.stderr.write(`nekomata: ${dir} exists and is not empty: choose another name or --dir\n`);
    return 2;
  }
  const words = name.split(/[-_]/);
  const source = checkoutOf(packageRoot());
  const files = templates({
    folder: name,
    moduleName: words.join('_'),
    title: words.join(' ').replace(/^./, (c) => c.toUpperCase()),
    version: packageVersion(),
    dependency: source ? `file:${path.relative(dir, source).split(path.sep).join('/')}` : `^${packageVersion()}`,
  });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  // The package's entry points are its built files: a checkout has them once built.
  const build = source ? `(cd ${path.relative(process.cwd(), source) || '.'} && npm run build) && ` : '';
  process.stdout.write(`Wrote ${dir}:\n${Object.keys(files).map((f) => `  ${f}`).join('\n')}\nNext: ${build}cd ${path.relative(process.cwd(), dir) || '.'} && npm install && npm test\n`);
  return 0;
}

/**
 * The Nekomata checkout this runs from, when it is one (run from source, or from its own build), rather than a
 * package installed under node_modules: the plugin then depends on that folder, since a version range would be
 * looked up in the registry.
 */
function checkoutOf(root: string): string | undefined {
  return root.split(path.sep).includes('node_modules') ? undefined : root;
}
