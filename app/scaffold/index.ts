import fs from 'node:fs';
import path from 'node:path';
import { packageVersion } from '../../core/runtime/index.js';
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
  const files = templates({
    folder: name,
    moduleName: words.join('_'),
    title: words.join(' ').replace(/^./, (c) => c.toUpperCase()),
    version: packageVersion(),
  });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  process.stdout.write(`Wrote ${dir}:\n${Object.keys(files).map((f) => `  ${f}`).join('\n')}\nNext: cd ${path.relative(process.cwd(), dir) || '.'} && npm install && npm test\n`);
  return 0;
}
