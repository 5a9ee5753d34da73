import { describe, expect, it } from 'vitest';
import { builtinTags, NamedSet, textReplyFormat, type TagDefinition } from '../../core/agent/index.js';
import { testDeps } from '../support/logger.js';

const tags = new NamedSet<TagDefinition>('tag');
for (const t of builtinTags({ dataDir: '/x' })) tags.add(t);
const ctx = { chatKey: 'console-private_1', ...testDeps() };

describe('textReplyFormat', () => {
  it('sends the whole reply, trimmed, as one text message', async () => {
    const r = await textReplyFormat.parse('\n  Hello there.\n\nSecond paragraph.  \n', tags, ctx);
    expect(r).toEqual({ ok: true, reply: { chains: [[{ type: 'text', text: 'Hello there.\n\nSecond paragraph.' }]], silent: false, dropped: [] } });
  });

  it('is silent on an empty reply', async () => {
    const r = await textReplyFormat.parse('  \n ', tags, ctx);
    expect(r).toEqual({ ok: true, reply: { chains: [], silent: true, dropped: [] } });
  });

  it('never fails, and keeps markup as literal text', async () => {
    const r = await textReplyFormat.parse('<msg><text>a & b</msg>', tags, ctx);
    expect(r).toEqual({ ok: true, reply: { chains: [[{ type: 'text', text: '<msg><text>a & b</msg>' }]], silent: false, dropped: [] } });
  });

  it('falls back to the same plain message', () => {
    expect(textReplyFormat.fallback(' x ')).toEqual({ chains: [[{ type: 'text', text: 'x' }]], silent: false, dropped: [] });
  });

  it('asks for plain text without tags', () => {
    const out = textReplyFormat.instructions(tags);
    expect(textReplyFormat.name).toBe('text');
    expect(out).toMatch(/plain text/);
    expect(out).not.toContain('<msg>');
  });
});
