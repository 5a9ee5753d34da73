import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './packed.js';
import { apiReport, ENTRY_POINTS, readEntryPoints } from './public-api.js';

const entries = readEntryPoints();

describe('the public API: an explicit, documented list per entry point', () => {
  it.each(entries.map((e) => [e.subpath, e] as const))('%s names everything it exports, each under a section with a TSDoc line', (_subpath, entry) => {
    expect(entry.unnamed, 'export * / export default / local exports make names public without listing them').toEqual([]);
    expect(entry.listed.filter((n) => !n.section).map((n) => n.name), 'names before the first `// --- Section ---`').toEqual([]);
    expect(entry.listed.filter((n) => !n.documented).map((n) => n.name), 'exports without a /** TSDoc */ line above them').toEqual([]);
    expect([...entry.exported].sort()).toEqual(entry.listed.map((n) => n.name).sort());
  });

  it('matches the report in test/package/public-api.md (after a deliberate change: npm run api:report)', () => {
    const kept = fs.readFileSync(path.join(import.meta.dirname, 'public-api.md'), 'utf8');
    expect(apiReport(entries)).toBe(kept);
  });

  it('package.json exports exactly the entry points, so no other file is importable', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const subpaths = ENTRY_POINTS.map((e) => e.subpath.replace(/^nekomata/, '.'));
    expect(Object.keys(manifest.exports).sort()).toEqual([...subpaths, './package.json'].sort());
  });
});
