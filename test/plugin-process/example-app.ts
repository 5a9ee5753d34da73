import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Batch } from '../../core/message/index.js';
import type { Plugin, PluginInfo } from '../../core/plugin/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { chatPolicy } from '../support/plugins.js';
import { ScriptedAdapter } from '../plugins/examples/example-app.js';

/** An app loading plugin folders from disk, third-party ones enabled, with a recording adapter and a fresh DATA_DIR. */
export interface FolderApp {
  app: App;
  adapter: ScriptedAdapter;
  batches: Batch[];
  lines: Record<string, unknown>[];
  dataDir: string;
  info(key: string): PluginInfo | undefined;
  close(): Promise<void>;
}

export async function startWithFolders(dirs: string[], enabled: string[], env: Record<string, string> = {}, extra: Plugin[] = []): Promise<FolderApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-isolated-'));
  const adapter = new ScriptedAdapter();
  const batches: Batch[] = [];
  const { app, lines } = makeTestApp(
    { DATA_DIR: dataDir, PLUGIN_DIRS: dirs.join(','), PLUGINS_ENABLED: enabled.join(','), ...env },
    { plugins: [chatPolicy(), ...extra], builtinPluginDirs: [], adapters: [adapter], sessionHandler: async (batch) => void batches.push(batch) },
  );
  await app.start();
  return {
    app, adapter, batches, lines, dataDir,
    info: (key) => app.plugins.list().find((p) => p.key === key),
    close: async () => {
      await app.stop('test done');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
