import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../core/errors/index.js';
import { segment, seg, type Segment } from '../../../core/message/index.js';
import { isToMe, toCoreSegments, toOneBotSegments } from '../../../adapters/onebot/segments.js';
import { parseCQ } from '../../../adapters/onebot/cq-code.js';
import type { OneBotSegment } from '../../../adapters/onebot/types.js';

const ctx = { selfId: '10001000' };
const ob = (type: string, data: Record<string, unknown> = {}): OneBotSegment => ({ type, data });
const raw = (kind: string, data: Record<string, unknown> = {}): Segment => ({ type: 'raw', platform: 'onebot', kind, data });
const toCore = (s: OneBotSegment): Segment => {
  const out = toCoreSegments([s], ctx);
  expect(out).toHaveLength(1);
  // Whatever comes in must be a valid core segment, or createInboundMessage would reject the whole message.
  z.array(segment).parse(out);
  return out[0]!;
};

describe('toCoreSegments: elements with a core equivalent (§3.3, §3.4)', () => {
  it.each<[string, OneBotSegment, Segment]>([
    ['text', ob('text', { text: 'hi [x] &' }), seg.text('hi [x] &')],
    ['text with no text field', ob('text'), seg.text('')],
    ['at a user', ob('at', { qq: '12345' }), seg.at('12345')],
    ['at with a numeric qq (§3.1)', ob('at', { qq: 12345 }), seg.at('12345')],
    ['at all', ob('at', { qq: 'all' }), seg.at('all')],
    ['at with a name (NC/LG extension)', ob('at', { qq: '12345', name: 'Alice' }), seg.at('12345', 'Alice')],
    ['face', ob('face', { id: '178' }), seg.face('178')],
    ['face with a numeric id and NC extras', ob('face', { id: 14, raw: { faceIndex: 14 }, chainCount: 1 }), seg.face('14')],
    ['face with LG large', ob('face', { id: '5', large: true }), seg.face('5')],
    [
      'image as received (spec: file + url)',
      ob('image', { file: 'abc.image', url: 'http://gchat.qpic.cn/x?a=1&b=2' }),
      { type: 'image', url: 'http://gchat.qpic.cn/x?a=1&b=2', fileId: 'abc.image' },
    ],
    [
      'image with NC extras',
      ob('image', { file: 'a.jpg', url: 'https://x/a.jpg', summary: '[动画表情]', sub_type: 1, file_size: '2048' }),
      { type: 'image', url: 'https://x/a.jpg', fileId: 'a.jpg', summary: '[动画表情]', size: 2048 },
    ],
    [
      'image with LG extras',
      ob('image', { file: 'h.jpg', url: 'https://x/h', filename: 'h.jpg', summary: '[图片]', subType: 0 }),
      { type: 'image', url: 'https://x/h', fileId: 'h.jpg', name: 'h.jpg', summary: '[图片]' },
    ],
    ['flash image (spec type=flash)', ob('image', { file: 'f.image', type: 'flash' }), { type: 'image', fileId: 'f.image' }],
    [
      'image whose file is a url',
      ob('image', { file: 'https://x/y.png' }),
      { type: 'image', url: 'https://x/y.png' },
    ],
    ['image whose file is base64', ob('image', { file: 'base64://AAAA' }), { type: 'image', url: 'base64://AAAA' }],
    [
      'mface delivered as image by NC',
      ob('image', { summary: '[嘿嘿]', key: 'k', emoji_id: 'e', emoji_package_id: 1, url: 'https://gxh.vip.qq.com/x' }),
      { type: 'image', url: 'https://gxh.vip.qq.com/x', summary: '[嘿嘿]' },
    ],
    ['record → audio', ob('record', { file: 'r.amr', url: 'http://x/r', magic: '0' }), { type: 'audio', url: 'http://x/r', fileId: 'r.amr' }],
    ['record with an opaque NC token', ob('record', { file: 'tok123', file_size: 99 }), { type: 'audio', fileId: 'tok123', size: 99 }],
    ['video', ob('video', { file: 'v.mp4', url: 'http://x/v' }), { type: 'video', url: 'http://x/v', fileId: 'v.mp4' }],
    [
      'file as NC sends it',
      ob('file', { file: 'report.pdf', file_id: '/abc-123', file_size: '4096' }),
      { type: 'file', fileId: '/abc-123', name: 'report.pdf', size: 4096 },
    ],
    [
      'file as LG sends it',
      ob('file', { file_name: 'a.zip', file_hash: 'h', file_id: 'id9', url: 'https://x/a.zip' }),
      { type: 'file', url: 'https://x/a.zip', fileId: 'id9', name: 'a.zip' },
    ],
    ['reply', ob('reply', { id: '-2147476175' }), seg.reply('-2147476175')],
    ['reply with a numeric id', ob('reply', { id: 42 }), seg.reply('42')],
    ['forward', ob('forward', { id: 'res_abc' }), { type: 'forward', id: 'res_abc' }],
  ])('%s', (_name, input, expected) => {
    expect(toCore(input)).toEqual(expected);
  });
});

/** Every element without a core equivalent, spec (§3.3) and extension (§3.4), with realistic data. */
const rawElements: [string, OneBotSegment][] = [
  ['rps', ob('rps')],
  ['dice', ob('dice')],
  ['dice with result (NC/LL)', ob('dice', { result: 4 })],
  ['rps with result (NC/LL)', ob('rps', { result: '2' })],
  ['shake', ob('shake')],
  ['poke (spec)', ob('poke', { type: '126', id: '2003', name: '戳一戳' })],
  ['poke (LG receive)', ob('poke', { type: '1', strength: 1, id: '-1' })],
  ['anonymous', ob('anonymous', { ignore: '1' })],
  ['share', ob('share', { url: 'http://baidu.com', title: '百度', content: 'c', image: 'http://x/i.png' })],
  ['contact', ob('contact', { type: 'group', id: '123456' })],
  ['location', ob('location', { lat: '39.8969426', lon: '116.3109099', title: 't' })],
  ['music', ob('music', { type: '163', id: '28949129' })],
  ['music custom', ob('music', { type: 'custom', url: 'u', audio: 'a', title: 't', image: 'i' })],
  ['music kugou (NC)', ob('music', { type: 'kugou', id: 1 })],
  ['node reference', ob('node', { id: '123' })],
  ['node custom', ob('node', { user_id: '10001000', nickname: '某人', content: [ob('face', { id: '123' })] })],
  ['node with go-cqhttp aliases', ob('node', { uin: 10001000, name: '某人', content: '[CQ:face,id=1]' })],
  ['xml', ob('xml', { data: '<?xml version="1.0"?><msg/>' })],
  ['xml with LG service_id', ob('xml', { data: '<msg/>', service_id: 35 })],
  ['json', ob('json', { data: '{"app":"com.tencent.miniapp"}' })],
  ['json with object data (NC send)', ob('json', { data: { app: 'x', config: { token: 't' } } })],
  ['mface', ob('mface', { emoji_package_id: 1, emoji_id: 'e', key: 'k', summary: '[嘿]' })],
  ['markdown', ob('markdown', { content: '# hi' })],
  ['keyboard', ob('keyboard', { content: { rows: [{ buttons: [{ id: '1' }] }] } })],
  ['longmsg', ob('longmsg', { id: 'res' })],
  ['onlinefile', ob('onlinefile', { msgId: '1', fileName: 'a' })],
  ['flashtransfer', ob('flashtransfer', { fileSetId: 'set' })],
  ['flash_file (LL)', ob('flash_file', { title: 't', file_set_id: 's', scene_type: 1 })],
  ['a type nobody knows', ob('new_thing', { anything: [1, { deep: true }], n: null })],
  ['reply by NC seq only', ob('reply', { seq: 77 })],
  ['at without qq', ob('at', { name: 'x' })],
  ['face without id', ob('face', { raw: {} })],
  ['forward without id or content', ob('forward', { foo: 1 })],
];

describe('raw: elements without a core equivalent', () => {
  it.each(rawElements)('%s becomes raw with data unchanged, and goes back as it came', (_name, input) => {
    const core = toCore(input);
    expect(core).toEqual(raw(input.type, input.data));
    expect((core as Extract<Segment, { type: 'raw' }>).data).toBe(input.data);
    expect(toOneBotSegments([core])).toEqual([input]);
  });

  it('keeps the whole list in order without merging texts', () => {
    const input = [ob('text', { text: 'a' }), ob('text', { text: 'b' }), ob('poke', { type: '1', id: '1' }), ob('text', { text: 'c' })];
    const core = toCoreSegments(input, ctx);
    expect(core).toEqual([seg.text('a'), seg.text('b'), raw('poke', { type: '1', id: '1' }), seg.text('c')]);
    expect(toOneBotSegments(core)).toEqual(input);
  });

  it('reads data: null as {} (§3.1)', () => {
    expect(toCore({ type: 'shake', data: null as unknown as Record<string, unknown> })).toEqual(raw('shake'));
    expect(toCore({ type: 'text', data: null as unknown as Record<string, unknown> })).toEqual(seg.text(''));
  });

  it('sends a raw element from another platform as a text placeholder', () => {
    const sticker: Segment = { type: 'raw', platform: 'telegram', kind: 'sticker', data: { file_id: 'x' } };
    expect(toOneBotSegments([sticker])).toEqual([ob('text', { text: '[telegram:sticker]' })]);
  });
});

describe('toOneBotSegments', () => {
  it.each<[string, Segment, OneBotSegment[]]>([
    ['text', seg.text('a [b] & c'), [ob('text', { text: 'a [b] & c' })]],
    ['at', seg.at('12345', 'Alice'), [ob('at', { qq: '12345' })]],
    ['at all', seg.at('all'), [ob('at', { qq: 'all' })]],
    ['face', seg.face('178'), [ob('face', { id: '178' })]],
    ['reply', seg.reply('42'), [ob('reply', { id: '42' })]],
    ['image by url', seg.image('https://x/a.png'), [ob('image', { file: 'https://x/a.png' })]],
    ['image with summary', seg.image('https://x/a.png', { summary: '[图]' }), [ob('image', { file: 'https://x/a.png', summary: '[图]' })]],
    ['image by base64', seg.image('base64://iVBOR'), [ob('image', { file: 'base64://iVBOR' })]],
    ['image by data: url', seg.image('data:image/png;base64,iVBOR'), [ob('image', { file: 'base64://iVBOR' })]],
    [
      'image by plain data: url',
      seg.image('data:text/plain,hi%20there'),
      [ob('image', { file: `base64://${Buffer.from('hi there').toString('base64')}` })],
    ],
    ['image by path', { type: 'image', path: '/tmp/cat.png' }, [ob('image', { file: 'file:///tmp/cat.png' })]],
    ['image by path with a space', { type: 'image', path: '/tmp/my cat.png' }, [ob('image', { file: pathToFileURL('/tmp/my cat.png').href })]],
    ['image by fileId', { type: 'image', fileId: 'abc.image' }, [ob('image', { file: 'abc.image' })]],
    ['url before path before fileId', { type: 'image', url: 'http://u', path: '/p', fileId: 'f' }, [ob('image', { file: 'http://u' })]],
    ['path before fileId', { type: 'video', path: '/v.mp4', fileId: 'f' }, [ob('video', { file: 'file:///v.mp4' })]],
    ['audio → record', { type: 'audio', url: 'http://x/a.silk' }, [ob('record', { file: 'http://x/a.silk' })]],
    ['video', { type: 'video', fileId: 'tok' }, [ob('video', { file: 'tok' })]],
    ['file with name', { type: 'file', path: '/srv/r.pdf', name: 'r.pdf' }, [ob('file', { file: 'file:///srv/r.pdf', name: 'r.pdf' })]],
    ['forward by id', { type: 'forward', id: 'res1' }, [ob('forward', { id: 'res1' })]],
    [
      'forward with both id and nodes goes by id',
      { type: 'forward', id: 'res1', nodes: [{ userId: '1', userName: 'a', segments: [] }] },
      [ob('forward', { id: 'res1' })],
    ],
    [
      'forward with nodes → custom nodes',
      {
        type: 'forward',
        nodes: [
          { userId: '10001', userName: 'Alice', segments: [seg.text('hi'), seg.face('1')], time: 1_715_587_200_000 },
          {
            userId: '10002',
            userName: 'Bob',
            segments: [{ type: 'forward', nodes: [{ userId: '3', userName: 'C', segments: [seg.text('deep')] }] }],
          },
        ],
      },
      [
        ob('node', {
          user_id: '10001',
          nickname: 'Alice',
          uin: '10001',
          name: 'Alice',
          content: [ob('text', { text: 'hi' }), ob('face', { id: '1' })],
          time: 1_715_587_200,
        }),
        ob('node', {
          user_id: '10002',
          nickname: 'Bob',
          uin: '10002',
          name: 'Bob',
          content: [ob('node', { user_id: '3', nickname: 'C', uin: '3', name: 'C', content: [ob('text', { text: 'deep' })] })],
        }),
      ],
    ],
  ])('%s', (_name, input, expected) => {
    expect(toOneBotSegments([input])).toEqual(expected);
  });

  it.each<[string, Segment]>([
    ['an image with no source', { type: 'image', name: 'x.png' }],
    ['a file with an empty url', { type: 'file', url: '' }],
    ['a forward with neither id nor nodes', { type: 'forward' }],
    ['a malformed data: url', seg.image('data:nothing')],
    ['a data: url with bad escapes', seg.image('data:text/plain,%E0%A4%A')],
  ])('refuses %s with ValidationError', (_name, input) => {
    expect(() => toOneBotSegments([input])).toThrow(ValidationError);
  });
});

describe('round trips of mapped elements', () => {
  it.each<[string, OneBotSegment]>([
    ['text', ob('text', { text: 'x' })],
    ['at', ob('at', { qq: '12345' })],
    ['at all', ob('at', { qq: 'all' })],
    ['face', ob('face', { id: '178' })],
    ['reply', ob('reply', { id: '42' })],
    ['forward', ob('forward', { id: 'res' })],
    ['image by url', ob('image', { file: 'https://x/a.png' })],
    ['record by url', ob('record', { file: 'https://x/a.amr' })],
    ['video by url', ob('video', { file: 'https://x/a.mp4' })],
    ['image by received file name', ob('image', { file: 'abc.image' })],
  ])('%s comes back equal', (_name, input) => {
    expect(toOneBotSegments(toCoreSegments([input], ctx))).toEqual([input]);
  });

  it('reads a string-format message end to end', () => {
    const wire = '[CQ:reply,id=9][CQ:at,qq=10001000] 看&#91;图&#93;[CQ:image,file=a.jpg,url=http://x/?a=1&amp;b=2]';
    const core = toCoreSegments(parseCQ(wire), ctx);
    expect(core).toEqual([
      seg.reply('9'),
      seg.at('10001000'),
      seg.text(' 看[图]'),
      { type: 'image', url: 'http://x/?a=1&b=2', fileId: 'a.jpg' },
    ]);
  });
});

describe('forward content (NapCat parseMultMsg, §3.4)', () => {
  const message = (userId: number, nickname: string, content: unknown, extra: Record<string, unknown> = {}) => ({
    self_id: 1,
    user_id: userId,
    time: 1_715_587_200,
    message_id: 5,
    sender: { user_id: userId, nickname, card: '' },
    message: content,
    ...extra,
  });

  it('turns each carried message into a node, from either form', () => {
    const input = ob('forward', {
      id: 'res',
      content: [message(10001, 'Alice', [ob('text', { text: 'hi' })]), message(10002, 'Bob', '[CQ:face,id=1]yo')],
    });
    expect(toCore(input)).toEqual({
      type: 'forward',
      id: 'res',
      nodes: [
        { userId: '10001', userName: 'Alice', time: 1_715_587_200_000, segments: [seg.text('hi')] },
        { userId: '10002', userName: 'Bob', time: 1_715_587_200_000, segments: [seg.face('1'), seg.text('yo')] },
      ],
    });
  });

  it('prefers the group card as the name and skips items and segments that are malformed', () => {
    const carded = message(1, 'nick', 'x', { sender: { user_id: 1, nickname: 'nick', card: 'Card' } });
    const junkInside = message(2, 'b', [null, 'x', ob('text', { text: 'ok' })]);
    const input = ob('forward', { content: [carded, 'junk', null, junkInside] });
    expect(toCore(input)).toEqual({
      type: 'forward',
      nodes: [
        { userId: '1', userName: 'Card', time: 1_715_587_200_000, segments: [seg.text('x')] },
        { userId: '2', userName: 'b', time: 1_715_587_200_000, segments: [seg.text('ok')] },
      ],
    });
  });

  it('stops following nested forwards at depth 3 but keeps their ids', () => {
    let inner: OneBotSegment = ob('forward', { id: 'f4', content: [message(4, 'd', 'bottom')] });
    for (const id of ['f3', 'f2', 'f1']) inner = ob('forward', { id, content: [message(1, 'n', [inner])] });
    const f1 = toCore(inner) as Extract<Segment, { type: 'forward' }>;
    const f2 = f1.nodes![0]!.segments[0] as Extract<Segment, { type: 'forward' }>;
    const f3 = f2.nodes![0]!.segments[0] as Extract<Segment, { type: 'forward' }>;
    const f4 = f3.nodes![0]!.segments[0] as Extract<Segment, { type: 'forward' }>;
    expect([f1.id, f2.id, f3.id, f4.id]).toEqual(['f1', 'f2', 'f3', 'f4']);
    expect(f3.nodes).toBeDefined();
    expect(f4).toEqual({ type: 'forward', id: 'f4' });
  });
});

describe('isToMe', () => {
  it.each<[string, OneBotSegment[], boolean | undefined, boolean]>([
    ['an at of the bot', [ob('at', { qq: '10001000' }), ob('text', { text: ' hi' })], undefined, true],
    ['an at of the bot with a numeric qq', [ob('at', { qq: 10001000 })], undefined, true],
    ['an at of the bot at the end', [ob('text', { text: 'hi ' }), ob('at', { qq: '10001000' })], undefined, true],
    ['an at of someone else', [ob('at', { qq: '12345' })], undefined, false],
    ['at all is not addressed to the bot', [ob('at', { qq: 'all' })], undefined, false],
    ['the bot id in text only', [ob('text', { text: '10001000' })], undefined, false],
    ['a reply to the bot', [ob('reply', { id: '1' }), ob('text', { text: 'ok' })], true, true],
    ['a reply to someone else', [ob('reply', { id: '1' }), ob('text', { text: 'ok' })], false, false],
    ['an empty message', [], undefined, false],
    ['an at with data: null', [{ type: 'at', data: null as unknown as Record<string, unknown> }], undefined, false],
  ])('%s → %s', (_name, segments, repliedToSelf, expected) => {
    expect(isToMe(segments, '10001000', repliedToSelf)).toBe(expected);
  });

  it('compares ids as strings whatever the caller passes', () => {
    expect(isToMe([ob('at', { qq: 10001000 })], String(10001000))).toBe(true);
  });
});
