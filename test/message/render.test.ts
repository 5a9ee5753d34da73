import { describe, expect, it } from 'vitest';
import { describeSegments, plainText, type Segment } from '../../core/message/index.js';

describe('describeSegments', () => {
  it.each<[string, Segment, string]>([
    ['text', { type: 'text', text: 'hello there' }, 'hello there'],
    ['empty text', { type: 'text', text: '' }, ''],
    ['at with a name', { type: 'at', userId: '10001', name: 'Alice' }, '@Alice'],
    ['at without a name', { type: 'at', userId: '10001' }, '@10001'],
    ['at all', { type: 'at', userId: 'all' }, '@all'],
    ['at all even with a name', { type: 'at', userId: 'all', name: 'everyone' }, '@all'],
    ['image, bare', { type: 'image', url: 'http://x/1.png' }, '[image]'],
    ['image with a name', { type: 'image', name: 'cat.png' }, '[image: cat.png]'],
    ['image with a summary', { type: 'image', summary: '[sticker]' }, '[image [sticker]]'],
    ['image with both', { type: 'image', summary: 'animated', name: 'cat.gif' }, '[image animated: cat.gif]'],
    ['audio, bare', { type: 'audio', url: 'x' }, '[audio]'],
    ['audio with a name', { type: 'audio', name: 'voice.amr', durationSec: 3 }, '[audio: voice.amr]'],
    ['video, bare', { type: 'video' }, '[video]'],
    ['video with a name', { type: 'video', name: 'clip.mp4' }, '[video: clip.mp4]'],
    ['file, bare', { type: 'file', fileId: 'abc' }, '[file]'],
    ['file with a name', { type: 'file', name: 'report.pdf', size: 1024 }, '[file: report.pdf]'],
    ['reply, bare', { type: 'reply', messageId: '42' }, '[reply to 42]'],
    ['reply with quoted text', { type: 'reply', messageId: '42', userId: 'u', text: 'earlier words' }, '[reply to 42: earlier words]'],
    ['face by id', { type: 'face', id: '14' }, '[face 14]'],
    ['face with a name', { type: 'face', id: '14', name: 'smile' }, '[face smile]'],
    ['forward by id only', { type: 'forward', id: 'fw1' }, '[forward]'],
    [
      'forward with nodes',
      {
        type: 'forward',
        nodes: [
          { userId: 'a', userName: 'A', segments: [{ type: 'text', text: 'one' }] },
          { userId: 'b', userName: 'B', segments: [] },
        ],
      },
      '[forward of 2 messages]',
    ],
    ['forward with no nodes', { type: 'forward', nodes: [] }, '[forward of 0 messages]'],
    ['raw', { type: 'raw', platform: 'onebot', kind: 'dice', data: { result: 6 } }, '[onebot:dice]'],
  ])('describes %s', (_name, segment, expected) => {
    expect(describeSegments([segment])).toBe(expected);
  });

  it('joins several segments without adding separators', () => {
    const segments: Segment[] = [
      { type: 'at', userId: '1', name: 'Alice' },
      { type: 'text', text: ' look ' },
      { type: 'image', name: 'cat.png' },
      { type: 'text', text: ' ' },
      { type: 'reply', messageId: '42' },
    ];
    expect(describeSegments(segments)).toBe('@Alice look [image: cat.png] [reply to 42]');
  });

  it('describes no segments as an empty string', () => {
    expect(describeSegments([])).toBe('');
  });
});

describe('plainText', () => {
  it('joins only the text segments', () => {
    const segments: Segment[] = [
      { type: 'at', userId: '1', name: 'Alice' },
      { type: 'text', text: 'a' },
      { type: 'image', name: 'x' },
      { type: 'text', text: 'b' },
    ];
    expect(plainText(segments)).toBe('ab');
  });
});
