import fs from 'node:fs';
import path from 'node:path';

/** The pages whose examples are checked: the READMEs and every guide under docs/. */
export function docPages(root: string): string[] {
  const walk = (rel: string): string[] =>
    fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) return walk(child);
      return e.name.endsWith('.md') ? [child] : [];
    });
  return ['README.md', 'README.zh-CN.md', ...walk('docs').sort()].filter((p) => fs.existsSync(path.join(root, p)));
}

/** One fenced TypeScript block of a page. */
export interface CodeBlock {
  /** The page, relative to the repository. */
  page: string;
  /** Line of the page holding the block's first line of code (1-based). */
  line: number;
  code: string;
  /** The file the first line names (`// weather/index.ts`), so that blocks of one page can import each other. */
  file: string | undefined;
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/;
const NOT_CHECKED = /^<!--\s*not-checked:\s*\S.*-->\s*$/;
const NAMES_FILE = /^\/\/\s*([\w./-]+\.(?:ts|mts))\s*$/;

/**
 * The ```ts and ```typescript blocks of a page, in order. A block right after `<!-- not-checked: why -->` is
 * left out: a fragment that cannot be a program, used rarely.
 */
export function codeBlocks(page: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, fence, lang] = open;
    const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(fence!) && l.trim().replace(/[`~]/g, '') === '');
    if (end < 0) throw new Error(`${page}:${i + 1}: a code block that is never closed`);
    const previous = lines.slice(0, i).reverse().find((l) => l.trim() !== '') ?? '';
    if ((lang === 'ts' || lang === 'typescript') && !NOT_CHECKED.test(previous.trim())) {
      const code = lines.slice(i + 1, end).join('\n');
      blocks.push({ page, line: i + 2, code, file: NAMES_FILE.exec(lines[i + 1] ?? '')?.[1] });
    }
    i = end;
  }
  return blocks;
}

/** A link of a page to a file of the repository (not a URL), with the anchor if any. */
export interface LocalLink {
  page: string;
  line: number;
  target: string;
  anchor: string | undefined;
}

/** Relative links outside code blocks: `[text](docs/agent.md#tools)`, `[text](#settings)`. */
export function localLinks(page: string, text: string): LocalLink[] {
  const links: LocalLink[] = [];
  let inCode = false;
  text.split('\n').forEach((line, i) => {
    if (FENCE.test(line)) inCode = !inCode;
    if (inCode) return;
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      const href = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
      const [target = '', anchor] = href.split('#');
      links.push({ page, line: i + 1, target, anchor });
    }
  });
  return links;
}

/** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as `-`, repeats numbered. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inCode = false;
  for (const line of text.split('\n')) {
    if (FENCE.test(line)) inCode = !inCode;
    const h = inCode ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = h[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}
