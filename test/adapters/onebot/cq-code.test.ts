import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors/index.js';
import {
  escapeParam,
  escapeText,
  formatCQ,
  parseCQ,
  toSegments,
  unescapeParam,
  unescapeText,
} from '../../../adapters/onebot/cq-code.js';
import type { OneBotSegment } from '../../../adapters/onebot/types.js';

const text = (t: string): OneBotSegment => ({ type: 'text', data: { text: t } });
const cq = (type: string, data: Record<string, unknown> = {}): OneBotSegment => ({ type, data });

describe('escaping (onebot11 §3.2)', () => {
  it.each<[string, string]>([
    ['- [x] 使用 `&data` 获取地址', '- &#91;x&#93; 使用 `&amp;data` 获取地址'],
    ['[第一部分]', '&#91;第一部分&#93;'],
    ['a,b', 'a,b'],
    ['&', '&amp;'],
    ['&amp;', '&amp;amp;'],
    ['&#91;', '&amp;#91;'],
    ['[]', '&#91;&#93;'],
    ['][', '&#93;&#91;'],
    ['line1\nline2  😀', 'line1\nline2  😀'],
    ['', ''],
  ])('text %j is escaped as %j and back', (raw, escaped) => {
    expect(escapeText(raw)).toBe(escaped);
    expect(unescapeText(escaped)).toBe(raw);
  });

  it.each<[string, string]>([
    ['震惊,小伙睡觉前居然...', '震惊&#44;小伙睡觉前居然...'],
    ['http://baidu.com/?a=1&b=2', 'http://baidu.com/?a=1&amp;b=2'],
    ['[CQ:face,id=123]哈喽～', '&#91;CQ:face&#44;id=123&#93;哈喽～'],
    ['&#44;', '&amp;#44;'],
    ['a=b', 'a=b'],
    [',,,', '&#44;&#44;&#44;'],
    ['&[],', '&amp;&#91;&#93;&#44;'],
  ])('param %j is escaped as %j and back', (raw, escaped) => {
    expect(escapeParam(raw)).toBe(escaped);
    expect(unescapeParam(escaped)).toBe(raw);
  });

  it('decodes &amp; last, so &amp;#91; is the literal &#91; and not [', () => {
    expect(unescapeText('&amp;#91;')).toBe('&#91;');
    expect(unescapeText('&amp;amp;')).toBe('&amp;');
    expect(unescapeParam('&amp;#44;')).toBe('&#44;');
  });

  it('tolerates &#44; in text, as the spec decoder does, but never produces it', () => {
    expect(unescapeText('a&#44;b')).toBe('a,b');
    expect(escapeText('a,b')).toBe('a,b');
  });
});

describe('parseCQ', () => {
  it.each<[string, string, OneBotSegment[]]>([
    // The three examples of §3.2.
    ['spec text example', '- &#91;x&#93; 使用 `&amp;data` 获取地址', [text('- [x] 使用 `&data` 获取地址')]],
    [
      'spec param example',
      '[CQ:share,title=震惊&#44;小伙睡觉前居然...,url=http://baidu.com/?a=1&amp;b=2]',
      [cq('share', { title: '震惊,小伙睡觉前居然...', url: 'http://baidu.com/?a=1&b=2' })],
    ],
    [
      'spec mixed example',
      '&#91;第一部分&#93;[CQ:image,file=123.jpg]图片之后的部分，表情：[CQ:face,id=123]',
      [text('[第一部分]'), cq('image', { file: '123.jpg' }), text('图片之后的部分，表情：'), cq('face', { id: '123' })],
    ],
    [
      'a value holding "=", split at the first one',
      '[CQ:share,title=标题中有=等号,url=http://baidu.com]',
      [cq('share', { title: '标题中有=等号', url: 'http://baidu.com' })],
    ],
    [
      'a node whose content is an escaped message',
      '[CQ:node,user_id=10001000,nickname=某人,content=&#91;CQ:face&#44;id=123&#93;哈喽～]',
      [cq('node', { user_id: '10001000', nickname: '某人', content: '[CQ:face,id=123]哈喽～' })],
    ],
    ['the reference fixture', '[CQ:at,qq=10001000] 今天天气怎么样', [cq('at', { qq: '10001000' }), text(' 今天天气怎么样')]],
    ['an empty string', '', []],
    ['plain text', 'hello', [text('hello')]],
    ['a code with no params', '[CQ:shake]', [cq('shake')]],
    ['two adjacent codes with no text between', '[CQ:rps][CQ:dice]', [cq('rps'), cq('dice')]],
    ['an empty param value', '[CQ:face,id=]', [cq('face', { id: '' })]],
    ['a value that is only "="', '[CQ:x,a==]', [cq('x', { a: '=' })]],
    ['a repeated key, last one wins', '[CQ:x,a=1,a=2]', [cq('x', { a: '2' })]],
    ['a trailing comma before ]', '[CQ:shake,]', [cq('shake')]],
    ['an unknown type', '[CQ:my-ext.v2,k_1=v]', [cq('my-ext.v2', { k_1: 'v' })]],
    ['&amp;#91; in text', 'x&amp;#91;y', [text('x&#91;y')]],
    ['&amp;#91; in a param', '[CQ:x,a=&amp;#91;]', [cq('x', { a: '&#91;' })]],
    ['&amp;amp; decodes one level only', '&amp;amp;', [text('&amp;')]],
    ['a comma in text stays literal', 'a,b,[CQ:face,id=1],c', [text('a,b,'), cq('face', { id: '1' }), text(',c')]],
    ['an escaped code in text is text', '&#91;CQ:face,id=1&#93;', [text('[CQ:face,id=1]')]],
    ['unicode and emoji in text and params', '喵😺[CQ:x,name=猫😺]🐾', [text('喵😺'), cq('x', { name: '猫😺' }), text('🐾')]],
    ['a raw newline inside a value', '[CQ:json,data={"a":\n1}]', [cq('json', { data: '{"a":\n1}' })]],
    ['an unescaped & that is no entity', 'Tom & Jerry &#x; &#92;', [text('Tom & Jerry &#x; &#92;')]],
    ['a key named __proto__ stays data', '[CQ:x,__proto__=1]', [{ type: 'x', data: JSON.parse('{"__proto__":"1"}') }]],
  ])('%s', (_name, input, expected) => {
    expect(parseCQ(input)).toEqual(expected);
  });

  it.each<[string, string, OneBotSegment[]]>([
    ['[CQ: at the very end', 'hi [CQ:', [text('hi [CQ:')]],
    ['an unterminated code', 'a[CQ:face,id=1', [text('a[CQ:face,id=1')]],
    ['a missing type', '[CQ:]x', [text('[CQ:]x')]],
    ['a missing type before params', '[CQ:,id=1]', [text('[CQ:,id=1]')]],
    ['a param without "="', '[CQ:face,id]', [text('[CQ:face,id]')]],
    ['a space after the comma (invalid per §3.2)', '[CQ:face, id=178]', [text('[CQ:face, id=178]')]],
    ['a space in the type', '[CQ:fa ce,id=1]', [text('[CQ:fa ce,id=1]')]],
    ['a lowercase prefix', '[cq:face,id=1]', [text('[cq:face,id=1]')]],
    ['an empty key', '[CQ:x,=1]', [text('[CQ:x,=1]')]],
    ['entities in the literal are still decoded', '[CQ:x,a=&amp;', [text('[CQ:x,a=&')]],
    [
      'an unterminated code followed by a valid one',
      '[CQ:face,id=1[CQ:at,qq=2]',
      [text('[CQ:face,id=1'), cq('at', { qq: '2' })],
    ],
    ['nested brackets around a code', '[[CQ:face,id=1]]', [text('['), cq('face', { id: '1' }), text(']')]],
    ['a code nested in a code', '[CQ:x,a=[CQ:face,id=1]]', [text('[CQ:x,a='), cq('face', { id: '1' }), text(']')]],
    ['a prefix inside a bracketed word', '[[CQ:]]', [text('[[CQ:]]')]],
    ['a doubled prefix', '[CQ:[CQ:shake]', [text('[CQ:'), cq('shake')]],
    ['stray closing brackets', ']]a[', [text(']]a[')]],
  ])('keeps malformed input as literal text: %s', (_name, input, expected) => {
    expect(parseCQ(input)).toEqual(expected);
  });

  it('stays linear on a long run of unterminated codes', () => {
    const input = '[CQ:x,a=b,c=d'.repeat(20_000);
    const started = performance.now();
    expect(parseCQ(input)).toEqual([text(input)]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('formatCQ', () => {
  it.each<[string, OneBotSegment[], string]>([
    ['spec text example', [text('- [x] 使用 `&data` 获取地址')], '- &#91;x&#93; 使用 `&amp;data` 获取地址'],
    [
      'spec param example',
      [cq('share', { title: '震惊,小伙睡觉前居然...', url: 'http://baidu.com/?a=1&b=2' })],
      '[CQ:share,title=震惊&#44;小伙睡觉前居然...,url=http://baidu.com/?a=1&amp;b=2]',
    ],
    [
      'spec mixed example',
      [text('[第一部分]'), cq('image', { file: '123.jpg' }), text('图片之后的部分，表情：'), cq('face', { id: '123' })],
      '&#91;第一部分&#93;[CQ:image,file=123.jpg]图片之后的部分，表情：[CQ:face,id=123]',
    ],
    [
      'a node whose content is a message array',
      [cq('node', { user_id: 10001000, nickname: '某人', content: [cq('face', { id: '123' }), text('哈喽～')] })],
      '[CQ:node,user_id=10001000,nickname=某人,content=&#91;CQ:face&#44;id=123&#93;哈喽～]',
    ],
    ['commas in text are not escaped', [text('a,b')], 'a,b'],
    ['numbers and booleans', [cq('x', { n: 1, b: true, f: 0 })], '[CQ:x,n=1,b=true,f=0]'],
    ['null and undefined values are left out', [cq('x', { a: null, b: undefined, c: '' })], '[CQ:x,c=]'],
    ['objects as JSON', [cq('json', { data: { a: [1, 2] } })], '[CQ:json,data={"a":&#91;1&#44;2&#93;}]'],
    ['data: null', [{ type: 'dice', data: null as unknown as Record<string, unknown> }], '[CQ:dice]'],
    ['adjacent texts concatenate', [text('a'), text('b')], 'ab'],
    ['&amp;#91; text', [text('&amp;#91;')], '&amp;amp;#91;'],
  ])('%s', (_name, segments, expected) => {
    expect(formatCQ(segments)).toBe(expected);
  });

  it.each<[string, OneBotSegment]>([
    ['a type with a comma', cq('a,b')],
    ['a type with a space', cq('a b')],
    ['an empty type', cq('')],
    ['a key with "="', cq('x', { 'a=b': '1' })],
    ['a key with "]"', cq('x', { 'a]': '1' })],
  ])('refuses %s with ValidationError', (_name, segment) => {
    expect(() => formatCQ([segment])).toThrow(ValidationError);
  });
});

describe('toSegments', () => {
  it('parses the string form', () => {
    expect(toSegments('[CQ:face,id=1]hi')).toEqual([cq('face', { id: '1' }), text('hi')]);
  });

  it('keeps array values as they are: the array form is never escaped (§3.1)', () => {
    const segments = [text('&amp; [x]'), cq('image', { file: 'a&amp;b', sub_type: 1 })];
    expect(toSegments(segments)).toEqual(segments);
  });

  it('reads data: null as {} and accepts a single segment (§2.4)', () => {
    expect(toSegments([{ type: 'rps', data: null as unknown as Record<string, unknown> }])).toEqual([cq('rps')]);
    expect(toSegments(cq('face', { id: '1' }))).toEqual([cq('face', { id: '1' })]);
  });
});

/** A small deterministic generator (mulberry32), so a failing case reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters and sequences that stress the escaping: every special, every entity, and code look-alikes. */
const PIECES = [
  ...['&', '[', ']', ',', '=', '&amp;', '&#91;', '&#93;', '&#44;', '&amp;#91;'],
  ...['[CQ:', '[CQ:face,id=1]', 'CQ', ':', 'a', ' ', '\n', '😺', '喵', ';', '#'],
];

function randomString(next: () => number, maxPieces: number): string {
  let s = '';
  const count = Math.floor(next() * (maxPieces + 1));
  for (let i = 0; i < count; i++) s += PIECES[Math.floor(next() * PIECES.length)]!;
  return s;
}

/** Alternates non-empty texts and codes: the shape parseCQ produces, so the round trip is exact. */
function randomMessage(next: () => number): OneBotSegment[] {
  const out: OneBotSegment[] = [];
  const count = 1 + Math.floor(next() * 5);
  for (let i = 0; i < count; i++) {
    const previousIsText = out.at(-1)?.type === 'text';
    if (!previousIsText && next() < 0.5) {
      const t = randomString(next, 6);
      if (t !== '') out.push(text(t));
      continue;
    }
    const data: Record<string, unknown> = {};
    const keys = Math.floor(next() * 4);
    for (let k = 0; k < keys; k++) data[`k${k}`] = randomString(next, 6);
    out.push(cq(['face', 'image', 'x.y', 'a-b_c'][Math.floor(next() * 4)]!, data));
  }
  return out;
}

describe('round trips over generated input', () => {
  const next = random(0x5eed);
  const strings = Array.from({ length: 500 }, () => randomString(next, 12));
  const messages = Array.from({ length: 500 }, () => randomMessage(next));

  it('unescape(escape(s)) is s, for text and for params', () => {
    for (const s of strings) {
      expect(unescapeText(escapeText(s))).toBe(s);
      expect(unescapeParam(escapeParam(s))).toBe(s);
      expect(escapeText(s)).not.toMatch(/[[\]]/);
      expect(escapeParam(s)).not.toMatch(/[[\],]/);
    }
  });

  it('parseCQ(formatCQ(x)) equals x', () => {
    for (const message of messages) expect(parseCQ(formatCQ(message))).toEqual(message);
  });

  it('a text made only of special sequences comes back as one text', () => {
    for (const s of strings.filter((x) => x !== '')) expect(parseCQ(formatCQ([text(s)]))).toEqual([text(s)]);
  });

  it('parseCQ never throws, and formatting what it parsed parses back the same', () => {
    for (const s of strings) {
      const parsed = parseCQ(s);
      expect(parseCQ(formatCQ(parsed))).toEqual(parsed);
    }
  });
});
