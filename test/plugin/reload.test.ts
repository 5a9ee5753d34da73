import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makeMessage, until } from '../support/messages.js';

const core = path.resolve(import.meta.dirname, '../../core/index.ts');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-plugins-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A plugin module on disk: `body` runs with `plugin` in scope; `events` is a global list the test reads. */
function pluginSource(version: string, body: string, moduleName = 'reloadable'): string {
  return `import { Plugin } from ${JSON.stringify(core)};
const plugin = new Plugin({ name: 'Reloadable', moduleName: '${moduleName}', description: 'v${version}', version: '${version}', author: 'tester', url: '' });
const events = (globalThis.__events ??= []);
${body}
export default plugin;
`;
}
const events = (): string[] => ((globalThis as { __events?: string[] }).__events ??= []);

let app: App;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(root, 'case-'));
  events().length = 0;
});
afterEach(async () => app?.stop());

async function startWith(file: string, source: string, env: Record<string, string> = {}) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, source);
  ({ app } = makeTestApp({ PLUGIN_DIRS: dir, PLUGINS_ENABLED: 'tester.reloadable', ...env }, { builtinPluginDirs: [] }));
  await app.start();
}

const tagging = (version: string) =>
  pluginSource(version, `plugin.mountInitMethod(() => events.push('init ${version}'));
plugin.mountCleanupMethod(() => events.push('cleanup ${version}'));
plugin.on('im_message', (e) => events.push('hook ${version} ' + e.message.text));`);

describe('N.E.K.O lifecycle across a reload', () => {
  it('runs shutdown on the old instance, then startup and reload on the new one, whose entries replace the old', async () => {
    const version = (v: string) => pluginSource(v, `plugin.onLifecycle('startup', () => events.push('startup VER'));
plugin.onLifecycle('shutdown', () => events.push('shutdown VER'));
plugin.onLifecycle('reload', () => events.push('reload VER'));
plugin.entry('version', {}, () => 'VER');`.replaceAll('VER', v));
    const file = path.join(dir, 'neko.ts');
    await startWith(file, version('1.0.0'));
    fs.writeFileSync(file, version('2.0.0'));
    await app.plugins.reload('tester.reloadable');
    expect(events()).toEqual(['startup 1.0.0', 'shutdown 1.0.0', 'startup 2.0.0', 'reload 2.0.0']);
    const [caller] = app.plugins.enabled();
    expect(await caller!.plugin.callPlugin('tester.reloadable', 'version')).toBe('2.0.0');
  });
});

describe('loading plugins from folders', () => {
  it('loads a module file and a folder with index.ts, with docs from README.md or the doc comment', async () => {
    fs.mkdirSync(path.join(dir, 'folder'));
    fs.writeFileSync(path.join(dir, 'folder', 'README.md'), '# Folder plugin\nDocs from the README.');
    fs.writeFileSync(path.join(dir, 'folder', 'index.ts'), pluginSource('1.0.0', '', 'folder_plugin'));
    await startWith(path.join(dir, 'single.ts'), `/**\n * Single plugin.\n * Docs from the comment.\n */\n${pluginSource('1.0.0', '', 'single_plugin')}`);
    const list = app.plugins.list();
    expect(list.map((p) => [p.key, p.state])).toEqual([['tester.folder_plugin', 'disabled'], ['tester.single_plugin', 'disabled']]);
    expect(list[0]!.docs).toContain('Docs from the README.');
    expect(list[1]!.docs).toBe('Single plugin.\nDocs from the comment.');
  });

  it.each([
    ['no default export', 'export const plugin = 1;\n', 'MissingPluginInstance'],
    ['a default export that is not a Plugin', 'export default { name: "imposter" };\n', 'InvalidPluginType'],
    ['a syntax error', 'export default {{{;\n', 'ImportFailed'],
    ['invalid metadata', `import { Plugin } from ${JSON.stringify(core)};\nexport default new Plugin({ name: 'x', moduleName: '1bad', description: '', version: '1', author: 'a', url: '' });\n`, 'ImportFailed'],
  ])('records a module with %s as failed and goes on', async (_what, source, type) => {
    fs.writeFileSync(path.join(dir, 'broken.ts'), source);
    await startWith(path.join(dir, 'good.ts'), tagging('1.0.0'));
    const list = app.plugins.list();
    expect(list.find((p) => p.key === 'tester.reloadable')?.state).toBe('enabled');
    const failed = list.find((p) => p.state === 'failed');
    expect(failed).toMatchObject({ key: '(failed) broken', error: { type } });
  });

  it('lists a module whose init throws once, under its own key, as failed', async () => {
    fs.writeFileSync(path.join(dir, 'broken.ts'), pluginSource('1.0.0', "plugin.mountInitMethod(() => { throw new Error('cannot start'); });", 'broken_init'));
    await startWith(path.join(dir, 'good.ts'), tagging('1.0.0'));
    const failed = app.plugins.list().filter((p) => p.state === 'failed');
    expect(failed).toEqual([expect.objectContaining({ key: 'tester.broken_init', error: expect.objectContaining({ message: 'cannot start' }) })]);
  });
});

describe('hot reload', () => {
  it('activates the new module, then disposes the old one; the new hooks replace the old', async () => {
    const file = path.join(dir, 'plugin.ts');
    await startWith(file, tagging('1.0.0'));
    await app.ingest(makeMessage('before'));
    fs.writeFileSync(file, tagging('2.0.0'));
    const info = await app.plugins.reload('tester.reloadable');
    expect(info).toMatchObject({ version: '2.0.0', state: 'enabled' });
    await app.ingest(makeMessage('after'));
    expect(events()).toEqual(['init 1.0.0', 'hook 1.0.0 before', 'init 2.0.0', 'cleanup 1.0.0', 'hook 2.0.0 after']);
  });

  it.each([
    ['a syntax error', 'export default (;'],
    ['a throwing init', pluginSource('2.0.0', "plugin.mountInitMethod(() => { throw new Error('v2 cannot start'); });")],
    ['another plugin key', pluginSource('2.0.0', '', 'renamed')],
  ])('keeps the old plugin running when the new module has %s', async (_what, source) => {
    const file = path.join(dir, 'plugin.ts');
    await startWith(file, tagging('1.0.0'));
    fs.writeFileSync(file, source);
    await expect(app.plugins.reload('tester.reloadable')).rejects.toThrow();
    await app.ingest(makeMessage('still v1'));
    expect(events()).toContain('hook 1.0.0 still v1');
    expect(events()).not.toContain('cleanup 1.0.0');
    expect(app.plugins.list().map((p) => [p.key, p.version, p.state])).toEqual([['tester.reloadable', '1.0.0', 'enabled']]);
    expect(app.metrics.get('plugin_reload_failures_total', { plugin: 'tester.reloadable' })).toBe(1);
  });

  it('keeps a disabled plugin disabled across a reload', async () => {
    const file = path.join(dir, 'plugin.ts');
    await startWith(file, tagging('1.0.0'));
    await app.plugins.disable('tester.reloadable');
    fs.writeFileSync(file, tagging('2.0.0'));
    expect((await app.plugins.reload('tester.reloadable')).state).toBe('disabled');
    await app.ingest(makeMessage('quiet'));
    expect(events().filter((e) => e.startsWith('hook'))).toEqual([]);
  });

  it('reloads only the edited one of two single-file plugins sharing a folder', async () => {
    const other = path.join(dir, 'other.ts');
    fs.writeFileSync(other, pluginSource('1.0.0', "plugin.mountInitMethod(() => events.push('init other'));", 'other_plugin'));
    const file = path.join(dir, 'plugin.ts');
    await startWith(file, tagging('1.0.0'), { PLUGIN_WATCH: '1' });
    fs.writeFileSync(file, tagging('4.0.0'));
    await until(() => app.plugins.get('tester.reloadable')?.info.version === '4.0.0', 'the watcher to reload the edited plugin');
    await new Promise((r) => setTimeout(r, 300));
    expect(events().filter((e) => e === 'init other')).toHaveLength(1);
  });

  it('reloads on file change with PLUGIN_WATCH=1', async () => {
    const file = path.join(dir, 'watched', 'index.ts');
    await startWith(file, tagging('1.0.0'), { PLUGIN_WATCH: '1' });
    fs.writeFileSync(file, tagging('3.0.0'));
    await until(() => app.plugins.get('tester.reloadable')?.info.version === '3.0.0', 'the watcher to reload the plugin');
    await app.ingest(makeMessage('watched'));
    expect(events()).toContain('hook 3.0.0 watched');
  });
});

describe('hot reload from a relative PLUGIN_DIRS', () => {
  it('reloads on file change when the folder was given relative to the working directory', async () => {
    const file = path.join(dir, 'relative', 'index.ts');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, tagging('1.0.0'));
    ({ app } = makeTestApp({ PLUGIN_DIRS: path.relative(process.cwd(), dir), PLUGINS_ENABLED: 'tester.reloadable', PLUGIN_WATCH: '1' }, { builtinPluginDirs: [] }));
    await app.start();
    fs.writeFileSync(file, tagging('5.0.0'));
    await until(() => app.plugins.get('tester.reloadable')?.info.version === '5.0.0', 'the watcher to reload the plugin');
  });
});
