import { NekomataError } from '../errors/index.js';

/** A `plugin.toml` that cannot be read, or a field of it that breaks its rule; `field` names it (`plugin.sdk.supported`). */
export class PluginManifestError extends NekomataError {
  constructor(
    readonly file: string,
    readonly field: string,
    reason: string,
  ) {
    super('PLUGIN_MANIFEST_INVALID', `${file}: ${field} ${reason}`);
  }
}

/** The plugin's `[plugin.sdk]` ranges do not admit this Nekomata version. */
export class PluginSdkError extends NekomataError {
  constructor(
    readonly pluginKey: string,
    readonly field: string,
    readonly sdkVersion: string,
    reason: string,
  ) {
    super('PLUGIN_SDK_UNSUPPORTED', `plugin ${pluginKey} refused: ${field} ${reason} (Nekomata is ${sdkVersion}); update the plugin, or its plugin.toml if it was tested with this version`);
  }
}

/** What is wrong with a dependency: absent, of a version outside the range, in a cycle, or failed itself. */
export type DependencyProblem = 'missing' | 'version' | 'cycle' | 'failed';

/** A `[[plugin.dependency]]` that cannot be met: the plugin is not loaded, the others are. */
export class PluginDependencyError extends NekomataError {
  constructor(
    readonly pluginKey: string,
    readonly field: string,
    readonly problem: DependencyProblem,
    reason: string,
  ) {
    super('PLUGIN_DEPENDENCY', `plugin ${pluginKey} refused: ${field} ${reason}`);
  }
}
