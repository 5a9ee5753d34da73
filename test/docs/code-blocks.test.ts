import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackedProject, root, tsconfig } from '../package/packed.js';
import { codeBlocks, docPages, headingAnchors, localLinks, type CodeBlock } from './markdown.js';

const pages = docPages(root);
const text = new Map(pages.map((p) => [p, fs.readFileSync(path.join(root, p), 'utf8')]));
const blocks = pages.flatMap((p) => codeBlocks(p, text.get(p)!));

/** Where a block is written in the packed project: its page's folder, under the file it names or its line. */
function blockFile(block: CodeBlock): string {
  const pageDir = block.page.replace(/\.md$/, '').replace(/[^\w]+/g, '_');
  return path.posix.join('blocks', pageDir, block.file ?? `line${block.line}.ts`);
}

/** tsc's `blocks/…/x.ts(3,7): error TS…` lines, told as `page.md:line:column: error TS…` of the page. */
function onPages(output: string, byFile: Map<string, CodeBlock>): string {
  return output
    .split('\n')
    .map((line) => {
      const m = /^(blocks\/[^(]+)\((\d+),(\d+)\): (.*)$/.exec(line);
      const block = m && byFile.get(m[1]!);
      return block ? `${block.page}:${block.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}` : line;
    })
    .join('\n')
    .trim();
}

let project: PackedProject;
beforeAll(async () => {
  // vitest too: the testing guide shows a test under vitest as well as node:test.
  project = await PackedProject.create({ link: ['vitest'] });
}, 300_000);
afterAll(() => project?.remove());

describe('the docs', () => {
  it('have TypeScript examples on every page that teaches code', () => {
    expect(blocks.length).toBeGreaterThan(20);
    for (const page of ['README.md', 'docs/plugins.md', 'docs/commands.md', 'docs/hooks.md', 'docs/agent.md', 'docs/testing.md']) {
      expect(blocks.filter((b) => b.page === page).length, page).toBeGreaterThan(0);
    }
  });

  it('type-check every example against the packed package (strict, exactOptionalPropertyTypes)', async () => {
    const byFile = new Map<string, CodeBlock>();
    for (const block of blocks) {
      const file = blockFile(block);
      const other = byFile.get(file);
      if (other) throw new Error(`${block.page}:${block.line} and line ${other.line} both name ${file}`);
      byFile.set(file, block);
      project.write(file, `${block.code}\n`);
    }
    // Each block is a module of its own, even one without an import, so two blocks may both declare `plugin`.
    project.write('tsconfig.docs.json', tsconfig('NodeNext', ['blocks/**/*.ts'], { moduleDetection: 'force' }));
    const { code, output } = await project.tsc('tsconfig.docs.json');
    expect(onPages(output, byFile), 'examples that do not type-check, by page and line').toBe('');
    expect(code).toBe(0);
  }, 120_000);

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const link of localLinks(page, text.get(page)!)) {
        const target = link.target ? path.posix.normalize(path.posix.join(path.posix.dirname(page), link.target)) : page;
        const where = `${page}:${link.line}: ${link.target}${link.anchor ? `#${link.anchor}` : ''}`;
        if (!fs.existsSync(path.join(root, target))) broken.push(`${where} (no such file)`);
        else if (link.anchor && target.endsWith('.md') && !headingAnchors(fs.readFileSync(path.join(root, target), 'utf8')).has(link.anchor)) {
          broken.push(`${where} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
