import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { newPlugin } from '../../app/scaffold/index.js';

const repo = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

it('from a checkout, a new plugin depends on that checkout (the package is not in the registry), and the next steps build it first', async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-scaffold-'));
  dirs.push(parent);
  const said: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (said.push(String(chunk)), true));
  expect(await newPlugin('my-dice', parent)).toBe(0);
  const pkg = JSON.parse(fs.readFileSync(path.join(parent, 'my-dice/package.json'), 'utf8')) as { dependencies: { nekomata: string } };
  expect(pkg.dependencies.nekomata).toMatch(/^file:/);
  expect(path.resolve(parent, 'my-dice', pkg.dependencies.nekomata.slice('file:'.length))).toBe(repo);
  expect(said.join('')).toMatch(/Next: \(cd .+ && npm run build\) && cd .+ && npm install && npm test/);
});
