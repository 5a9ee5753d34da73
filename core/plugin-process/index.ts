import type { PluginManifest } from '../manifest/index.js';
import type { IsolatedPlugin, IsolationSetting, PluginHost, PluginIsolation, ProcessLimits } from '../plugin/index.js';
import { limitsFor, startIsolatedPlugin } from './isolated-plugin.js';

export { PluginProcess } from './plugin-process.js';
export { RpcChannel, type RpcMessage, type WireError } from './rpc.js';
export { DECLARATION_KINDS } from './declaration-kinds.js';
export { limitsFor, startIsolatedPlugin };

/** Runs plugins whose manifest asks for it (or every plugin with a manifest, under `PLUGIN_ISOLATION=process`) in processes of their own. */
export class ProcessIsolation implements PluginIsolation {
  constructor(
    readonly mode: IsolationSetting,
    private readonly limits: ProcessLimits,
  ) {}

  start(entry: string, manifest: PluginManifest, host: PluginHost): Promise<IsolatedPlugin> {
    return startIsolatedPlugin(entry, manifest, host, limitsFor(manifest, this.limits));
  }
}
