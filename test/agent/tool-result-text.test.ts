import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolResultText, toToolResult } from '../../core/agent/index.js';

const dataDir = path.resolve('/srv/bot/data');
const HEAD = '--- Attachments ---\nTool result contains attachments. To send them, use the <file> tag in <msg>, and put ONE of the following paths inside each <file> tag:';

describe('toolResultText', () => {
  it('is the text alone when there are no attachments', () => {
    expect(toolResultText({ text: 'sunny', attachments: [] }, dataDir)).toBe('sunny');
  });

  it('lists each attachment: files under the data directory as data/…, other files absolute, else the URL', () => {
    const text = toolResultText(
      {
        text: 'drawn',
        attachments: [
          { type: 'image', path: path.join(dataDir, 'plugins', 'draw', 'cat.png'), url: 'https://cdn.example/cat.png' },
          { type: 'file', path: '/tmp/report.pdf' },
          { type: 'audio', url: 'https://cdn.example/a.mp3' },
        ],
      },
      dataDir,
    );
    expect(text).toBe(`drawn\n${HEAD}\ndata/plugins/draw/cat.png\n/tmp/report.pdf\nhttps://cdn.example/a.mp3`);
  });

  it('does not treat a sibling folder with the same prefix as the data directory', () => {
    expect(toolResultText({ text: '', attachments: [{ type: 'file', path: `${dataDir}-old/x.txt` }] }, dataDir)).toBe(`${HEAD}\n${dataDir}-old/x.txt`);
  });

  it('leaves out inline content and segments that are not files', () => {
    const result = { text: 'x', attachments: [{ type: 'image' as const, url: 'base64://AAAA' }, { type: 'text' as const, text: 'hi' }] };
    expect(toolResultText(result, dataDir)).toBe('x');
  });
});

describe('toToolResult', () => {
  it('turns each kind of return value into a result', () => {
    expect(toToolResult('done')).toEqual({ text: 'done', attachments: [] });
    expect(toToolResult(undefined)).toEqual({ text: '', attachments: [] });
    expect(toToolResult(42)).toEqual({ text: '42', attachments: [] });
    expect(toToolResult({ temp: 20, sky: 'clear' })).toEqual({ text: '{"temp":20,"sky":"clear"}', attachments: [] });
    expect(toToolResult(null)).toEqual({ text: 'null', attachments: [] });
    expect(toToolResult(10n)).toEqual({ text: '"10"', attachments: [] });
  });

  it('keeps a ToolResult as it is, but a data object with a text field stays data', () => {
    const image = { type: 'image' as const, url: 'https://x/y.png' };
    expect(toToolResult({ text: 't', attachments: [image] })).toEqual({ text: 't', attachments: [image] });
    expect(toToolResult({ text: 't' })).toEqual({ text: 't', attachments: [] });
    expect(toToolResult({ text: 't', lang: 'en' })).toEqual({ text: '{"text":"t","lang":"en"}', attachments: [] });
  });

  it('still says something for a value JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toToolResult(cyclic).text).toBe('[object Object]');
  });
});
