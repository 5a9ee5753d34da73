import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinTags, NamedSet, xmlReplyFormat, type BuiltinTagOptions, type HostLookup, type ParsedReply, type TagDefinition } from '../../core/agent/index.js';
import type { SegmentType } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';

let base: string;
let dataDir: string;
let media: string;
let outside: string;

// The machine has no outside DNS: public names resolve here.
const lookup: HostLookup = (host) => Promise.resolve([{ address: host === 'example.com' ? '93.184.215.14' : '203.0.113.7' }]);

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'nekomata-reply-tags-'));
  dataDir = path.join(base, 'data');
  media = path.join(dataDir, 'media');
  await mkdir(path.join(media, 'tool_out'), { recursive: true });
  await writeFile(path.join(media, 'tool_out', 'chart.png'), 'png');
  await writeFile(path.join(media, 'song.mp3'), 'mp3');
  await writeFile(path.join(media, 'clip.mp4'), 'mp4');
  outside = path.join(base, 'secret.txt');
  await writeFile(outside, 'secret');
  await symlink(outside, path.join(media, 'link.txt'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function parseWith(xml: string, opts: Partial<BuiltinTagOptions> = {}): Promise<ParsedReply> {
  const set = new NamedSet<TagDefinition>('tag');
  for (const t of builtinTags({ dataDir, lookup, ...opts })) set.add(t);
  const deps = testDeps();
  const r = await xmlReplyFormat.parse(xml, set, { chatKey: 'console-private_1', ...deps });
  if (!r.ok) throw new Error(r.error);
  return r.reply;
}

const names = (supported?: SegmentType[]): string[] =>
  builtinTags({ dataDir: '/x', supported: supported && new Set<SegmentType>(supported) }).map((t) => t.name);

describe('builtin tags: file sources', () => {
  it('sends an existing absolute path as path + name, typed by extension', async () => {
    const file = path.join(media, 'tool_out', 'chart.png');
    const r = await parseWith(`<msg><file>${file}</file></msg>`);
    expect(r.chains).toEqual([[{ type: 'image', path: file, name: 'chart.png' }]]);
  });

  it('resolves data/… under the data directory', async () => {
    const r = await parseWith('<msg><file>data/media/tool_out/chart.png</file><file>data/media/song.mp3</file></msg>');
    expect(r.chains).toEqual([
      [
        { type: 'image', path: path.join(media, 'tool_out', 'chart.png'), name: 'chart.png' },
        { type: 'audio', path: path.join(media, 'song.mp3'), name: 'song.mp3' },
      ],
    ]);
  });

  it('drops a data/ path that escapes the data directory', async () => {
    const r = await parseWith('<msg><text>here</text><file>data/../../../../etc/passwd</file></msg>');
    expect(r.chains).toEqual([[{ type: 'text', text: 'here' }]]);
    expect(r.dropped).toEqual([{ tag: 'file', reason: '<file>: data/../../../../etc/passwd escapes the data directory' }]);
  });

  it('drops a data/ path whose symlink leads outside the data directory', async () => {
    const r = await parseWith('<msg><file>data/media/link.txt</file></msg>');
    expect(r.silent).toBe(true);
    expect(r.dropped).toEqual([{ tag: 'file', reason: '<file>: data/media/link.txt leads (through a symbolic link) outside the folders files may be sent from' }]);
  });

  it('drops a missing file, a directory and a relative path with a reason', async () => {
    const r = await parseWith(`<msg><file>data/media/nope.png</file><file>${media}/tool_out</file><file>pics/cat.png</file><file>/no/such/file.png</file></msg>`, { allowAbsolutePaths: true });
    expect(r.silent).toBe(true);
    expect(r.dropped.map((d) => d.reason)).toEqual([
      '<file>: file not found: data/media/nope.png',
      `<file>: not a file: ${media}/tool_out`,
      '<file>: expected an http(s) URL, a data/… path or an absolute path, got "pics/cat.png"',
      '<file>: file not found: /no/such/file.png',
    ]);
  });

  it('sends an http(s) URL as url, typed by extension unless type says otherwise', async () => {
    const r = await parseWith(
      '<msg><file>https://example.com/a/cat.JPG?size=2</file><file type="record">http://example.com/v</file><file>https://example.com/report.pdf</file></msg>',
    );
    expect(r.chains).toEqual([
      [
        { type: 'image', url: 'https://example.com/a/cat.JPG?size=2', name: 'cat.JPG' },
        { type: 'audio', url: 'http://example.com/v', name: 'v' },
        { type: 'file', url: 'https://example.com/report.pdf', name: 'report.pdf' },
      ],
    ]);
  });

  it('drops an unknown type attribute', async () => {
    const r = await parseWith('<msg><file type="hologram">https://example.com/x</file></msg>');
    expect(r.dropped).toEqual([{ tag: 'file', reason: '<file>: type "hologram" is not one of image, audio, video, file' }]);
  });

  it('refuses absolute paths outside the data directory when allowAbsolutePaths is false, data/ still works', async () => {
    const file = path.join(media, 'song.mp3');
    const r = await parseWith(`<msg><file>${outside}</file><record>data/media/song.mp3</record></msg>`, { allowAbsolutePaths: false });
    expect(r.chains).toEqual([[{ type: 'audio', path: file, name: 'song.mp3' }]]);
    expect(r.dropped).toEqual([{ tag: 'file', reason: '<file>: absolute paths outside the data directory are not allowed here: use a data/media/… path or a URL' }]);
  });

  it('img and record are image and audio from a URL or path', async () => {
    const r = await parseWith('<msg><img>https://example.com/p.gif</img><record>data/media/song.mp3</record></msg>');
    expect(r.chains).toEqual([
      [
        { type: 'image', url: 'https://example.com/p.gif', name: 'p.gif' },
        { type: 'audio', path: path.join(media, 'song.mp3'), name: 'song.mp3' },
      ],
    ]);
  });

  it('drops an empty media tag', async () => {
    const r = await parseWith('<msg><img></img><text>x</text></msg>');
    expect(r.dropped).toEqual([{ tag: 'img', reason: '<img>: empty: put a URL or a path inside the tag' }]);
  });
});

describe('builtin tags: ids', () => {
  it('at takes a user id (a leading @ is ignored) or all', async () => {
    const r = await parseWith('<msg><at>@123</at><at>ALL</at><at>two words</at></msg>');
    expect(r.chains).toEqual([[{ type: 'at', userId: '123' }, { type: 'at', userId: 'all' }]]);
    expect(r.dropped).toEqual([{ tag: 'at', reason: '<at>: expected a user id or "all", got "two words"' }]);
  });

  it('emoji is a face segment, reply a reply segment', async () => {
    const r = await parseWith('<msg><emoji>14</emoji><reply>99</reply></msg>');
    expect(r.chains).toEqual([[{ type: 'reply', messageId: '99' }, { type: 'face', id: '14' }]]);
  });

  it('an empty text is nothing, not an error', async () => {
    const r = await parseWith('<msg><text></text><text>x</text></msg>');
    expect(r.chains).toEqual([[{ type: 'text', text: 'x' }]]);
    expect(r.dropped).toEqual([]);
  });
});

describe('builtin tags: what the adapter supports', () => {
  it('offers every tag when supported is undefined', () => {
    expect(names()).toEqual(['text', 'at', 'reply', 'emoji', 'file', 'img', 'record']);
  });

  it('offers only tags whose segment type is supported, text always', () => {
    expect(names([])).toEqual(['text']);
    expect(names(['image'])).toEqual(['text', 'file', 'img']);
    expect(names(['at', 'face', 'audio'])).toEqual(['text', 'at', 'emoji', 'file', 'record']);
  });

  it('lists only the supported kinds in the file description', () => {
    const file = builtinTags({ dataDir: '/x', allowAbsolutePaths: true, supported: new Set<SegmentType>(['image', 'file']) }).find((t) => t.name === 'file');
    expect(file?.description).toContain('<file type="image|file">');
    expect(file?.description).toContain('an absolute path');
  });

  it('does not offer absolute paths in the description when they are refused', () => {
    const file = builtinTags({ dataDir: '/x', allowAbsolutePaths: false }).find((t) => t.name === 'file');
    expect(file?.description).not.toContain('absolute');
    expect(file?.description).toContain('data/media/');
  });

  it('offers <at>all</at> only when mentioning everybody is allowed', () => {
    const at = (allowMentionAll?: boolean) => builtinTags({ dataDir: '/x', allowMentionAll }).find((t) => t.name === 'at')?.description;
    expect(at()).not.toContain('all');
    expect(at(true)).toContain('<at>all</at>');
  });

  it('sends an unsupported kind as a plain file when no type is given, and drops it when the type is explicit', async () => {
    const supported = new Set<SegmentType>(['text', 'image', 'file']);
    const r = await parseWith('<msg><file>data/media/clip.mp4</file><file type="video">data/media/clip.mp4</file></msg>', { supported });
    expect(r.chains).toEqual([[{ type: 'file', path: path.join(media, 'clip.mp4'), name: 'clip.mp4' }]]);
    expect(r.dropped).toEqual([{ tag: 'file', reason: '<file>: this chat cannot send video' }]);
  });

  it('drops a kind the chat cannot send at all', async () => {
    const r = await parseWith('<msg><file>data/media/song.mp3</file><text>t</text></msg>', { supported: new Set<SegmentType>(['image']) });
    expect(r.chains).toEqual([[{ type: 'text', text: 't' }]]);
    expect(r.dropped).toEqual([{ tag: 'file', reason: '<file>: this chat cannot send audio' }]);
  });

  it('drops tags that were not offered as unknown', async () => {
    const r = await parseWith('<msg><at>1</at><text>t</text></msg>', { supported: new Set<SegmentType>([]) });
    expect(r.chains).toEqual([[{ type: 'text', text: 't' }]]);
    expect(r.dropped).toEqual([{ tag: 'at', reason: 'unknown tag' }]);
  });
});
