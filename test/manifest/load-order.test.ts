import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../core/runtime/index.js';
import { packageVersion } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { manifest, PluginFolders } from '../support/plugin-folders.js';

const folders: PluginFolders[] = [];
afterAll(() => folders.forEach((f) => f.remove()));
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Each plugin records its init in a global list, so the test sees the load order. */
const recordsInit = "plugin.mountInitMethod(() => void (globalThis.__order ??= []).push(plugin.key));";
const order = (): string[] => ((globalThis as { __order?: string[] }).__order ??= []);

async function load(setup: (f: PluginFolders) => void) {
  const f = new PluginFolders();
  folders.push(f);
  setup(f);
  order().length = 0;
  const started = makeTestApp({ PLUGIN_DIRS: f.root }, { builtinPluginDirs: [] });
  app = started.app;
  await app.start();
  const byKey = Object.fromEntries(app.plugins.list().map((p) => [p.key, p]));
  return { byKey, lines: started.lines };
}

const dep = (id: string, extra = '') => `[[plugin.dependency]]\nid = "tester.${id}"\n${extra}\n`;

describe('loading plugins with manifests', () => {
  it('loads in dependency order, whatever the names say, after plugins without a manifest', async () => {
    const { byKey } = await load((f) => {
      f.add('alpha', { toml: manifest('alpha', dep('charlie')), body: recordsInit });
      f.add('bravo', { toml: manifest('bravo'), body: recordsInit });
      f.add('charlie', { toml: manifest('charlie', dep('bravo', 'version = "^1.0.0"')), body: recordsInit });
      f.add('plain', { body: recordsInit });
    });
    expect(order()).toEqual(['tester.plain', 'tester.bravo', 'tester.charlie', 'tester.alpha']);
    expect(Object.values(byKey).every((p) => p.state !== 'failed')).toBe(true);
  });

  it('refuses a missing dependency, a version out of range and a cycle, naming the field; the others load', async () => {
    const { byKey, lines } = await load((f) => {
      f.add('needs_ghost', { toml: manifest('needs_ghost', dep('ghost')), body: recordsInit });
      f.add('needs_new', { toml: manifest('needs_new', dep('old', 'version = ">=2.0.0"')), body: recordsInit });
      f.add('old', { toml: manifest('old'), body: recordsInit });
      f.add('ping', { toml: manifest('ping', dep('pong')), body: recordsInit });
      f.add('pong', { toml: manifest('pong', dep('ping')), body: recordsInit });
      f.add('on_ping', { toml: manifest('on_ping', dep('ping')), body: recordsInit });
      f.add('soft', { toml: manifest('soft', dep('ghost', 'optional = true')), body: recordsInit });
    });
    expect(order()).toEqual(['tester.old', 'tester.soft']);
    const error = (key: string) => byKey[key]?.error;
    expect(byKey['tester.needs_ghost']).toMatchObject({ state: 'failed', name: 'needs_ghost', version: '1.0.0' });
    expect(error('tester.needs_ghost')).toMatchObject({ type: 'PLUGIN_DEPENDENCY', message: expect.stringContaining('plugin.dependency[0].id names tester.ghost, which is not installed') });
    expect(error('tester.needs_new')?.message).toContain('plugin.dependency[0].version is ">=2.0.0", but tester.old is 1.0.0');
    expect(error('tester.ping')?.message).toContain('dependency cycle: tester.ping → tester.pong → tester.ping');
    expect(error('tester.pong')?.message).toContain('dependency cycle: tester.pong → tester.ping → tester.pong');
    expect(error('tester.on_ping')?.message).toContain('names tester.ping, which was refused');
    expect(lines.filter((l) => l.level === 50 && String(l.msg).includes('failed to load'))).toHaveLength(5);
  });

  it('refuses a plugin whose dependency failed to import, and one the SDK range refuses', async () => {
    const { byKey } = await load((f) => {
      f.add('broken', { toml: manifest('broken'), body: 'throw new Error("broken at import");' });
      f.add('on_broken', { toml: manifest('on_broken', dep('broken')), body: recordsInit });
      f.add('future', { toml: manifest('future', '[plugin.sdk]\nsupported = ">=99.0.0"'), body: recordsInit });
    });
    expect(order()).toEqual([]);
    expect(byKey['tester.broken']?.error?.message).toContain('broken at import');
    expect(byKey['tester.on_broken']?.error?.message).toContain('names tester.broken, which failed to load');
    expect(byKey['tester.future']?.error).toMatchObject({
      type: 'PLUGIN_SDK_UNSUPPORTED',
      message: expect.stringContaining(`plugin.sdk.supported is >=99.0.0, which does not include this version (Nekomata is ${packageVersion()})`),
    });
  });

  it('refuses a manifest that disagrees with its module, and one that cannot be read; a manifest entry may be any module', async () => {
    const { byKey } = await load((f) => {
      f.add('liar', { toml: manifest('liar', '', '2.0.0'), body: recordsInit });
      f.add('typo', { toml: manifest('typo', 'isolaton = "process"'), body: recordsInit });
      f.add('nested', { toml: manifest('nested', 'entry = "src/main.ts"'), file: 'src/main.ts', body: recordsInit });
    });
    expect(byKey['tester.liar']?.error?.message).toContain('plugin.version is 2.0.0, but the module declares version 1.0.0');
    expect(byKey['(failed) typo']?.error).toMatchObject({ type: 'PLUGIN_MANIFEST_INVALID', message: expect.stringContaining('unknown field "isolaton"') });
    expect(order()).toEqual(['tester.nested']);
  });
});
