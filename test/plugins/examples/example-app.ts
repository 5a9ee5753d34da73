import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Adapter, AdapterHost } from '../../../core/adapter/index.js';
import type { Batch, Segment } from '../../../core/message/index.js';
import type { Plugin } from '../../../core/plugin/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { chatPolicy } from '../../support/plugins.js';

/** An adapter named `test` (the adapter of `makeMessage`) that records what the app sends. */
export class ScriptedAdapter implements Adapter {
  readonly name = 'test';
  sent: { chatKey: string; text: string }[] = [];
  async start(_host: AdapterHost): Promise<void> {}
  async stop(): Promise<void> {}
  async send(chatKey: string, segments: Segment[]): Promise<{ messageId: string }> {
    this.sent.push({ chatKey, text: segments.map((s) => (s.type === 'text' ? s.text : `[${s.type}]`)).join('') });
    return { messageId: `out${this.sent.length}` };
  }
}

export interface ExampleApp {
  app: App;
  /** Every batch the session handler received, in order. */
  batches: Batch[];
  adapter: ScriptedAdapter;
  lines: Record<string, unknown>[];
  dataDir: string;
  /** Stops the app (which unloads the example) and removes its data folder. */
  close(): Promise<void>;
}

/**
 * A started app with `plugin` loaded and enabled (examples are third-party plugins, which load disabled),
 * on an in-memory store and a fresh `DATA_DIR`, with no built-in plugins.
 */
export async function startWithExample(plugin: Plugin, env: Record<string, string> = {}): Promise<ExampleApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-example-'));
  const batches: Batch[] = [];
  const adapter = new ScriptedAdapter();
  const { app, lines } = makeTestApp({ DATA_DIR: dataDir, ...env }, {
    plugins: [chatPolicy(), plugin],
    // Only the example: what it shows must not depend on which built-ins exist.
    builtinPluginDirs: [],
    adapters: [adapter],
    sessionHandler: async (batch) => void batches.push(batch),
  });
  await app.start();
  await app.plugins.enable(plugin.key);
  return {
    app, batches, adapter, lines, dataDir,
    close: async () => {
      await app.stop('test done');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
