import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { makeMessage } from '../../support/messages.js';

const examples = path.resolve(import.meta.dirname, '../../../plugins/examples');
// Plugins with a plugin.toml load after the others, in dependency order: the isolated example comes last.
const names = ['config', 'hooks', 'lifecycle', 'message-signal', 'prompt-injection', 'sandbox-methods', 'store-scopes', 'isolated'];

let app: App | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await app?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  app = undefined;
  dataDir = undefined;
});

describe('the example plugins, loaded from their folder (PLUGIN_DIRS)', () => {
  it('all load side by side, disabled, with their README as docs', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-examples-'));
    ({ app } = makeTestApp({ PLUGIN_DIRS: examples, DATA_DIR: dataDir }, { builtinPluginDirs: [] }));
    await app.start();
    const list = app.plugins.list();
    expect(list.map((p) => p.source && path.basename(path.dirname(p.source)))).toEqual(names);
    for (const info of list) {
      expect(info).toMatchObject({ state: 'disabled', builtin: false });
      expect(info.key).toMatch(/^nekomata\.example_/);
      expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(info.docs).toMatch(/^# .+ example\n/);
    }
  });

  it('all work together once enabled with PLUGINS_ENABLED', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-examples-'));
    const keys = ['example_hooks', 'example_message_signal', 'example_config'].map((m) => `nekomata.${m}`);
    ({ app } = makeTestApp({ PLUGIN_DIRS: examples, DATA_DIR: dataDir, PLUGINS_ENABLED: keys.join(',') }, { builtinPluginDirs: [] }));
    await app.start();
    expect(app.plugins.list().filter((p) => p.state === 'enabled').map((p) => p.key).sort()).toEqual([...keys].sort());
    const inGroup = (text: string) => makeMessage(text, { chatType: 'group', chat: 'g1', toMe: false });
    expect((await app.ingest(inGroup('ping'))).outcome).toBe('trigger'); // hooks
    expect((await app.ingest(inGroup('help'))).outcome).toBe('trigger'); // config
    expect((await app.ingest(inGroup('urgent'))).outcome).toBe('flush'); // message-signal
    // Signals are applied, forced, before plugin hooks of HIGH priority and below: the message-signal
    // example's flush locks the strategy before the hooks example's forced discard runs.
    expect((await app.ingest(inGroup('urgent spam'))).outcome).toBe('flush');
    expect((await app.ingest(inGroup('forbidden_word ping'))).outcome).toBe('stopped'); // BLOCK_ALL stops before any plugin hook
  });
});
