import { describe, expect, it } from 'vitest';
import { pluginOwningError } from '../../core/plugin/index.js';

const plugins = [
  { key: 'a.folder', source: '/srv/plugins/folder/index.ts' },
  { key: 'a.single', source: '/srv/plugins/single.ts' },
  { key: 'a.instance' },
];

function withStack(...frames: string[]): Error {
  const e = new Error('x');
  e.stack = ['Error: x', ...frames.map((f) => `    at ${f}`)].join('\n');
  return e;
}

describe('tracing an error to the plugin whose code it ran through', () => {
  it('gives the topmost plugin frame: a folder plugin owns its folder, a single-file plugin its file', () => {
    expect(pluginOwningError(withStack('JSON.parse (<anonymous>)', 'helper (/srv/plugins/folder/lib/x.ts:3:9)'), plugins)).toBe('a.folder');
    expect(pluginOwningError(withStack('/srv/plugins/single.ts:1:2', 'run (/srv/plugins/folder/index.ts:1:1)'), plugins)).toBe('a.single');
    expect(pluginOwningError(withStack('async go (file:///srv/plugins/folder/node_modules/dep/index.js:5:5)'), plugins)).toBe('a.folder');
  });

  it('finds the plugin in a cause, and nothing where no plugin file appears', () => {
    const outer = new Error('wrapped', { cause: withStack('f (/srv/plugins/single.ts:9:9)') });
    outer.stack = 'Error: wrapped\n    at core (/srv/app/core/x.ts:1:1)';
    expect(pluginOwningError(outer, plugins)).toBe('a.single');
    expect(pluginOwningError(withStack('f (/srv/plugins/singleton.ts:1:1)', 'listOnTimeout (node:internal/timers:581:17)'), plugins)).toBeUndefined();
    expect(pluginOwningError('not an error', plugins)).toBeUndefined();
  });
});
