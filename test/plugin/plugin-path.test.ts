import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NekomataError } from '../../core/errors/index.js';
import { PathEscapeError, pluginDataDir, resolveInside } from '../../core/plugin/plugin-path.js';

function escapeOf(run: () => unknown): PathEscapeError {
  let thrown: unknown;
  try {
    run();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(PathEscapeError);
  expect(thrown).toBeInstanceOf(NekomataError);
  expect(thrown).toMatchObject({ code: 'PATH_ESCAPE' });
  return thrown as PathEscapeError;
}

describe('pluginDataDir', () => {
  it('is <dataDir>/plugins/<pluginKey>, absolute', () => {
    expect(pluginDataDir('/srv/bot/data', 'me.weather')).toBe(path.resolve('/srv/bot/data/plugins/me.weather'));
    expect(pluginDataDir('data', '_a1._B2')).toBe(path.resolve(process.cwd(), 'data', 'plugins', '_a1._B2'));
    expect(path.isAbsolute(pluginDataDir('data', 'me.weather'))).toBe(true);
  });

  it.each(['me', 'me.', '.weather', 'me.weather.x', '1me.weather', 'me.1weather', 'me/../x.y', '../me.weather', 'me.wea-ther', 'mé.weather', ''])(
    'refuses the malformed plugin key %j with PLUGIN_KEY_INVALID',
    (key) => {
      expect(() => pluginDataDir('/data', key)).toThrow(expect.objectContaining({ code: 'PLUGIN_KEY_INVALID', message: expect.stringContaining('<author>.<moduleName>') }));
    },
  );
});

describe('resolveInside', () => {
  let tmp: string;
  let base: string;
  let outside: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-plugin-path-'));
    base = path.join(tmp, 'plugins', 'me.weather');
    outside = path.join(tmp, 'outside');
    fs.mkdirSync(base, { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('allows normal nested paths, existing or not, and the base itself', () => {
    expect(resolveInside(base)).toBe(base);
    expect(resolveInside(base, 'cache', 'a.bin')).toBe(path.join(base, 'cache', 'a.bin'));
    expect(resolveInside(base, 'models/v1/model.bin')).toBe(path.join(base, 'models', 'v1', 'model.bin'));
    expect(resolveInside(base, './exports', 'x', '..', 'y.txt')).toBe(path.join(base, 'exports', 'y.txt'));
    expect(resolveInside(base, '..data', 'file..txt')).toBe(path.join(base, '..data', 'file..txt'));

    fs.mkdirSync(path.join(base, 'cache'));
    fs.writeFileSync(path.join(base, 'cache', 'a.bin'), 'x');
    expect(resolveInside(base, 'cache', 'a.bin')).toBe(path.join(base, 'cache', 'a.bin'));
  });

  it('resolves a relative base to an absolute path', () => {
    const rel = path.relative(process.cwd(), base);
    expect(resolveInside(rel, 'a')).toBe(path.join(base, 'a'));
  });

  it('allows a base that does not exist yet', () => {
    const missing = path.join(tmp, 'plugins', 'me.new');
    expect(resolveInside(missing, 'a', 'b')).toBe(path.join(missing, 'a', 'b'));
    escapeOf(() => resolveInside(missing, '..', 'me.weather'));
  });

  it('refuses ".." segments that climb out, naming the path and the base', () => {
    const err = escapeOf(() => resolveInside(base, '..', 'other.plugin', 'data.json'));
    expect(err.message).toContain(JSON.stringify(path.join(tmp, 'plugins', 'other.plugin', 'data.json')));
    expect(err.message).toContain(JSON.stringify(base));
    expect(err.base).toBe(base);
    escapeOf(() => resolveInside(base, 'cache/../../me.weather2'));
    escapeOf(() => resolveInside(base, 'a', '..', '..'));
    escapeOf(() => resolveInside(base, '..'));
  });

  it('refuses an absolute part, even one that points inside', () => {
    const err = escapeOf(() => resolveInside(base, 'cache', '/etc/passwd'));
    expect(err.message).toMatch(/"\/etc\/passwd".*absolute/);
    escapeOf(() => resolveInside(base, path.join(base, 'inside.txt')));
  });

  it('refuses a NUL byte', () => {
    const err = escapeOf(() => resolveInside(base, 'a\0.txt'));
    expect(err.message).toMatch(/NUL/);
    expect(err.message).toContain('\\u0000');
    escapeOf(() => resolveInside(`${base}\0`, 'a'));
  });

  it('refuses a symlink that points outside, also for a path below it that does not exist yet', () => {
    fs.symlinkSync(outside, path.join(base, 'escape'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(base, 'secret-link'));

    const err = escapeOf(() => resolveInside(base, 'escape', 'secret.txt'));
    expect(err.message).toMatch(/symbolic link/);
    escapeOf(() => resolveInside(base, 'escape'));
    escapeOf(() => resolveInside(base, 'escape', 'new', 'file.txt'));
    escapeOf(() => resolveInside(base, 'secret-link'));
  });

  it('refuses a dangling symlink whose target would be created outside', () => {
    fs.symlinkSync(path.join(outside, 'not-yet.txt'), path.join(base, 'dangling'));
    escapeOf(() => resolveInside(base, 'dangling'));
    fs.symlinkSync('../../outside/new-dir', path.join(base, 'relative-dangling'));
    escapeOf(() => resolveInside(base, 'relative-dangling', 'x'));
  });

  it('allows a symlink that stays inside, and a base reached through a symlink', () => {
    fs.mkdirSync(path.join(base, 'real'));
    fs.symlinkSync(path.join(base, 'real'), path.join(base, 'alias'));
    fs.symlinkSync('real', path.join(base, 'relative-alias'));
    expect(resolveInside(base, 'alias', 'x.txt')).toBe(path.join(base, 'alias', 'x.txt'));
    expect(resolveInside(base, 'relative-alias')).toBe(path.join(base, 'relative-alias'));

    const linkedBase = path.join(tmp, 'linked-base');
    fs.symlinkSync(base, linkedBase);
    expect(resolveInside(linkedBase, 'real', 'x.txt')).toBe(path.join(linkedBase, 'real', 'x.txt'));
  });
});
