import { describe, expect, it } from 'vitest';
import { builtinTags, NamedSet, ReplyTagError, xmlReplyFormat, type ParsedReply, type ReplyContext, type TagDefinition, type TagSet } from '../../core/agent/index.js';
import type { Segment } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';

const CHAT = 'console-private_1';

function tagSet(...extra: TagDefinition[]): TagSet {
  const set = new NamedSet<TagDefinition>('tag');
  for (const t of builtinTags({ dataDir: '/nonexistent-data-dir' })) set.add(t);
  for (const t of extra) set.add(t);
  return set;
}

function context(): ReplyContext & ReturnType<typeof testDeps> {
  const deps = testDeps();
  return { chatKey: CHAT, ...deps };
}

async function parse(text: string, tags: TagSet = tagSet(), ctx: ReplyContext = context()): Promise<ParsedReply> {
  const r = await xmlReplyFormat.parse(text, tags, ctx);
  if (!r.ok) throw new Error(`expected ok, got: ${r.error}`);
  return r.reply;
}

const text = (t: string): Segment => ({ type: 'text', text: t });

describe('xmlReplyFormat.parse: messages', () => {
  it('turns each <msg> into one chain, in order', async () => {
    const r = await parse('<msg><text>one</text></msg>\n<msg><text>two</text><at>42</at></msg>');
    expect(r.chains).toEqual([[text('one')], [text('two'), { type: 'at', userId: '42' }]]);
    expect(r.silent).toBe(false);
    expect(r.dropped).toEqual([]);
  });

  it('keeps several text elements of one message apart and trims their values', async () => {
    const r = await parse('<msg>\n  <text>  line one  </text>\n  <text>line\ntwo</text>\n</msg>');
    expect(r.chains).toEqual([[text('line one'), text('line\ntwo')]]);
  });

  it('treats <msg/> alone as silence', async () => {
    const r = await parse('<msg/>');
    expect(r).toEqual({ chains: [], silent: true, dropped: [] });
  });

  it('treats an empty reply and an empty <msg></msg> as silence', async () => {
    expect((await parse('   \n')).silent).toBe(true);
    expect((await parse('<msg>  </msg>')).silent).toBe(true);
  });

  it('skips an empty <msg> among others without becoming silent', async () => {
    const r = await parse('<msg/><msg><text>hi</text></msg>');
    expect(r.chains).toEqual([[text('hi')]]);
    expect(r.silent).toBe(false);
  });

  it('reads bare text directly inside <msg> as a <text>', async () => {
    const r = await parse('<msg>Hello <at>7</at> there</msg>');
    expect(r.chains).toEqual([[text('Hello'), { type: 'at', userId: '7' }, text('there')]]);
  });

  it('sends bare text through the TagSet\'s text tag when one is registered', async () => {
    const shout: TagDefinition = { name: 'text', description: '<text>…</text>', handle: (v) => [text(v.toUpperCase())] };
    const r = await parse('<msg>quiet words</msg>', tagSet(shout));
    expect(r.chains).toEqual([[text('QUIET WORDS')]]);
  });

  it('reads a reply without any <msg> as one message (models forget the wrapper)', async () => {
    expect((await parse('Just plain words.')).chains).toEqual([[text('Just plain words.')]]);
    const r = await parse('Hi <at>9</at>, look <think>hidden</think>');
    expect(r.chains).toEqual([[text('Hi'), { type: 'at', userId: '9' }, text(', look')]]);
    expect(r.dropped).toEqual([{ tag: 'think', reason: 'unknown tag' }]);
  });

  it('drops text outside <msg> when the reply has <msg> elements', async () => {
    const r = await parse('Let me answer.\n<msg><text>answer</text></msg>');
    expect(r.chains).toEqual([[text('answer')]]);
    expect(r.dropped).toEqual([{ tag: '#text', reason: 'text outside <msg>' }]);
  });

  it('drops a msg tag written outside <msg> when other <msg> elements exist', async () => {
    const r = await parse('<text>stray</text><msg><text>kept</text></msg>');
    expect(r.chains).toEqual([[text('kept')]]);
    expect(r.dropped).toEqual([{ tag: 'text', reason: 'outside <msg>' }]);
  });

  it('unwraps a Markdown code fence and an XML declaration', async () => {
    const r = await parse('```xml\n<?xml version="1.0"?>\n<msg><text>fenced</text></msg>\n```');
    expect(r.chains).toEqual([[text('fenced')]]);
  });
});

describe('xmlReplyFormat.parse: elements', () => {
  it('drops an unknown tag and keeps the rest of the message', async () => {
    const ctx = context();
    const r = await parse('<msg><text>a</text><marquee>b</marquee><text>c</text></msg>', tagSet(), ctx);
    expect(r.chains).toEqual([[text('a'), text('c')]]);
    expect(r.dropped).toEqual([{ tag: 'marquee', reason: 'unknown tag' }]);
    expect(ctx.metrics.get('agent_reply_dropped_total', { cause: 'unknown_tag' })).toBe(1);
  });

  it('drops only the element whose handler throws, logs it at warn and counts it', async () => {
    const boom: TagDefinition = { name: 'boom', description: '<boom/>', handle: () => { throw new Error('kaboom'); } };
    const ctx = context();
    const r = await parse('<msg><text>before</text><boom>x</boom><text>after</text></msg><msg><text>next</text></msg>', tagSet(boom), ctx);
    expect(r.chains).toEqual([[text('before'), text('after')], [text('next')]]);
    expect(r.dropped).toEqual([{ tag: 'boom', reason: 'kaboom' }]);
    expect(ctx.lines.some((l) => l.level === 40 && l.tag === 'boom')).toBe(true);
    expect(ctx.metrics.get('agent_reply_dropped_total', { cause: 'handler_error' })).toBe(1);
  });

  it('keeps the text of nested elements and records the nested tags as dropped', async () => {
    const r = await parse('<msg><text>hi <emoji>1</emoji> you <b>there</b></text></msg>');
    expect(r.chains).toEqual([[text('hi 1 you there')]]);
    expect(r.dropped).toEqual([
      { tag: 'emoji', reason: 'nested inside <text>: only its text was kept' },
      { tag: 'b', reason: 'nested inside <text>: only its text was kept' },
    ]);
  });

  it('passes attributes and the chat key to tag handlers', async () => {
    const seen: unknown[] = [];
    const poke: TagDefinition = { name: 'poke', description: '<poke>id</poke>', handle: (v, ctx) => (seen.push({ v, ...ctx }), [text(`poked ${v}`)]) };
    await parse('<msg><poke times="3" loud>55</poke></msg>', tagSet(poke));
    expect(seen).toEqual([{ v: '55', chatKey: CHAT, attributes: { times: '3', loud: 'true' } }]);
  });

  it('keeps ids as written: no number parsing', async () => {
    const r = await parse('<msg><reply>007</reply><at>12345678901234567890</at></msg>');
    expect(r.chains).toEqual([[{ type: 'reply', messageId: '007' }, { type: 'at', userId: '12345678901234567890' }]]);
  });

  it('accepts a lone segment from a handler and drops invalid segments', async () => {
    const lone = { name: 'lone', description: '', handle: () => text('single') } as unknown as TagDefinition;
    const bad = { name: 'bad', description: '', handle: () => [{ type: 'at' }, text('ok')] } as unknown as TagDefinition;
    const r = await parse('<msg><lone/><bad/></msg>', tagSet(lone, bad));
    expect(r.chains).toEqual([[text('single'), text('ok')]]);
    expect(r.dropped).toHaveLength(1);
    expect(r.dropped[0]).toMatchObject({ tag: 'bad' });
    expect(r.dropped[0]!.reason).toMatch(/^handler returned an invalid segment/);
  });

  it('drops a root tag written inside <msg>', async () => {
    const note: TagDefinition = { name: 'note', description: '<note>x</note>', parent: 'root', handle: () => [text('note')] };
    const r = await parse('<msg><text>a</text><note>x</note></msg>', tagSet(note));
    expect(r.chains).toEqual([[text('a')]]);
    expect(r.dropped).toEqual([{ tag: 'note', reason: 'a root tag: write it beside <msg>, not inside it' }]);
  });

  it('drops tag names the XML parser reserves instead of failing the reply', async () => {
    const r = await parse('<msg><constructor>x</constructor><text>fine</text></msg>');
    expect(r.chains).toEqual([[text('fine')]]);
    expect(r.dropped).toEqual([{ tag: 'constructor_', reason: 'unknown tag' }]);
  });
});

describe('xmlReplyFormat.parse: reply and root tags', () => {
  it('moves the reply segment first whatever its position', async () => {
    const r = await parse('<msg><text>agreed</text><reply>m-1</reply></msg>');
    expect(r.chains).toEqual([[{ type: 'reply', messageId: 'm-1' }, text('agreed')]]);
  });

  it('keeps one reply per message and skips a message that is only a reply', async () => {
    const r = await parse('<msg><reply>1</reply><text>x</text><reply>2</reply></msg><msg><reply>3</reply></msg>');
    expect(r.chains).toEqual([[{ type: 'reply', messageId: '1' }, text('x')]]);
    expect(r.dropped).toEqual([
      { tag: 'reply', reason: 'only one reply per message: the first was kept' },
      { tag: 'reply', reason: 'a reply with nothing else to send' },
    ]);
  });

  it('handles root tags in document order; their segments are a message of their own at that position', async () => {
    const calls: string[] = [];
    const note: TagDefinition = { name: 'note', description: '<note>x</note>', parent: 'root', handle: (v) => (calls.push(`note:${v}`), [text(`[${v}]`)]) };
    const mark: TagDefinition = { name: 'mark', description: '<mark/>', parent: 'root', handle: (v) => (calls.push(`mark:${v}`), []) };
    const r = await parse('<mark>first</mark><msg><text>a</text></msg><note>middle</note><msg><text>b</text></msg><mark>last</mark>', tagSet(note, mark));
    expect(r.chains).toEqual([[text('a')], [text('[middle]')], [text('b')]]);
    expect(calls).toEqual(['mark:first', 'note:middle', 'mark:last']);
  });

  it('splits a reply without <msg> at a root tag that yields segments', async () => {
    const note: TagDefinition = { name: 'note', description: '', parent: 'root', handle: () => [text('N')] };
    const r = await parse('before <note/> after', tagSet(note));
    expect(r.chains).toEqual([[text('before')], [text('N')], [text('after')]]);
  });

  it('is silent when only root tags without segments were written', async () => {
    const mark: TagDefinition = { name: 'mark', description: '', parent: 'root', handle: () => [] };
    const r = await parse('<mark>x</mark><msg/>', tagSet(mark));
    expect(r.silent).toBe(true);
  });
});

describe('xmlReplyFormat.parse: escaping', () => {
  it('decodes entities exactly once, in text and attributes', async () => {
    const seen: Record<string, string>[] = [];
    const probe: TagDefinition = { name: 'probe', description: '', handle: (v, c) => (seen.push(c.attributes), [text(v)]) };
    const r = await parse('<msg><text>&lt;b&gt; &amp;lt; &amp;amp; &quot;q&quot; &#65;&#x1F600;</text><probe a="x &amp; y">&amp;#65;</probe></msg>', tagSet(probe));
    expect(r.chains).toEqual([[text('<b> &lt; &amp; "q" A😀'), text('&#65;')]]);
    expect(seen).toEqual([{ a: 'x & y' }]);
  });

  it('accepts a raw "&" that does not start an entity', async () => {
    const r = await parse('<msg><text>salt & pepper && more &;</text></msg>');
    expect(r.chains).toEqual([[text('salt & pepper && more &;')]]);
  });

  it('accepts "<" that cannot start markup ("1 < 2", "<3", "<@123>")', async () => {
    const r = await parse('<msg><text>1 < 2, i <3 you, <@123> <= x</text></msg>');
    expect(r.chains).toEqual([[text('1 < 2, i <3 you, <@123> <= x')]]);
  });

  it('leaves CDATA content literal', async () => {
    const r = await parse('<msg><text><![CDATA[a & b < c &amp; <tag>]]></text></msg>');
    expect(r.chains).toEqual([[text('a & b < c &amp; <tag>')]]);
  });

  it('keeps an unknown named entity as written', async () => {
    const r = await parse('<msg><text>AT&T; rocks</text></msg>');
    expect(r.chains).toEqual([[text('AT&T; rocks')]]);
  });
});

describe('xmlReplyFormat.parse: invalid XML', () => {
  it('fails with the line and column of the model\'s own text', async () => {
    const r = await xmlReplyFormat.parse('<msg>\n  <text>a</tex>\n</msg>', tagSet(), context());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/^The reply is not well-formed XML: line 2, column 10: /);
    expect(r.error).toContain("opened in line 2, column 3");
    expect(r.error).toContain('</tex>');
  });

  it('maps columns back through escaped characters', async () => {
    const r = await xmlReplyFormat.parse('a & b <msg><text>x</msg>', tagSet(), context());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/line 1, column 19:/);
    expect(r.error).toContain('opened in line 1, column 12');
  });

  it('fails on an unclosed <msg>', async () => {
    const r = await xmlReplyFormat.parse('<msg><text>hi</text>', tagSet(), context());
    expect(r.ok).toBe(false);
  });
});

describe('xmlReplyFormat.fallback', () => {
  it('sends each <msg> as plain text with markup stripped and entities decoded', () => {
    const r = xmlReplyFormat.fallback('<msg>\n  <text>Hi &amp; bye</text>\n  <at>3</at>\n</msg><msg><text>two</text>');
    expect(r.chains).toEqual([[text('Hi & bye\n3')], [text('two')]]);
    expect(r.silent).toBe(false);
  });

  it('keeps text that has no markup, and CDATA literally', () => {
    expect(xmlReplyFormat.fallback('plain <3 words').chains).toEqual([[text('plain <3 words')]]);
    expect(xmlReplyFormat.fallback('<text><![CDATA[<b>&amp;]]></text>').chains).toEqual([[text('<b>&amp;')]]);
  });

  it('is silent only when no text remains', () => {
    expect(xmlReplyFormat.fallback('<msg/>').silent).toBe(true);
    expect(xmlReplyFormat.fallback('<msg><text>broken</msg').silent).toBe(false);
  });
});

describe('xmlReplyFormat.instructions', () => {
  it('teaches <msg>, silence, ids, and lists every tag description in its section', () => {
    const note: TagDefinition = { name: 'note', description: '<note>memo</note> — remember something.', parent: 'root', handle: () => [] };
    const out = xmlReplyFormat.instructions(tagSet(note));
    expect(out).toContain('<msg/>');
    expect(out).toMatch(/never invent/);
    const inside = out.indexOf('Tags inside <msg>:');
    const beside = out.indexOf('Tags written beside <msg>');
    expect(inside).toBeGreaterThan(-1);
    expect(beside).toBeGreaterThan(inside);
    for (const t of builtinTags({ dataDir: '/x' })) {
      const at = out.indexOf(`- ${t.description}`);
      expect(at).toBeGreaterThan(inside);
      expect(at).toBeLessThan(beside);
    }
    expect(out.indexOf('- <note>memo</note> — remember something.')).toBeGreaterThan(beside);
    expect(out).toContain('<msg><text>Hello!</text></msg>');
  });

  it('leaves out the root section when there are no root tags', () => {
    expect(xmlReplyFormat.instructions(tagSet())).not.toContain('beside <msg>');
  });
});

describe('ReplyTagError', () => {
  it('has a stable code and names the tag', () => {
    const e = new ReplyTagError('file', 'file not found: data/x');
    expect(e.code).toBe('REPLY_TAG_INVALID');
    expect(e.message).toBe('<file>: file not found: data/x');
  });
});
