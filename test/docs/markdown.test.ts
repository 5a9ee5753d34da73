import { describe, expect, it } from 'vitest';
import { codeBlocks, headingAnchors, localLinks } from './markdown.js';

const page = (...lines: string[]): string => lines.join('\n');

describe('codeBlocks', () => {
  it('takes ts and typescript blocks with their line and named file, and nothing else', () => {
    const blocks = codeBlocks('p.md', page('# T', '```ts', '// hello/index.ts', 'const a = 1;', '```', '```sh', 'npm start', '```', '```typescript', 'let b = 2;', '```'));
    expect(blocks).toEqual([
      { page: 'p.md', line: 3, code: '// hello/index.ts\nconst a = 1;', file: 'hello/index.ts' },
      { page: 'p.md', line: 10, code: 'let b = 2;', file: undefined },
    ]);
  });

  it('leaves out a block only after a not-checked comment that gives a reason', () => {
    const text = page('<!-- not-checked: a fragment of a class body -->', '```ts', 'x;', '```', '', '<!-- not-checked: -->', '```ts', 'y;', '```');
    expect(codeBlocks('p.md', text).map((b) => b.code)).toEqual(['y;']);
  });

  it('refuses a block that is never closed', () => {
    expect(() => codeBlocks('p.md', page('```ts', 'x;'))).toThrow(/p\.md:1: a code block that is never closed/);
  });
});

describe('links and anchors', () => {
  it('finds relative links outside code, with anchors, and skips URLs', () => {
    const text = page('[a](docs/agent.md#tools) [b](https://x.org) `[c](no.md)`', '```', '[d](in-code.md)', '```', '[e](#settings)');
    expect(localLinks('p.md', text).map((l) => [l.line, l.target, l.anchor])).toEqual([
      [1, 'docs/agent.md', 'tools'],
      [5, '', 'settings'],
    ]);
  });

  it("makes GitHub's anchors, Chinese headings and repeats included", () => {
    expect([...headingAnchors(page('# The agent', '## One run per batch', '## 脚手架', '## Notes', '## Notes', '```', '# not a heading', '```'))]).toEqual([
      'the-agent', 'one-run-per-batch', '脚手架', 'notes', 'notes-1',
    ]);
  });
});
