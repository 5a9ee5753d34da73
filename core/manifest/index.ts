export { PluginManifestError, PluginSdkError, PluginDependencyError, type DependencyProblem } from './errors.js';
export { manifestSchema, type PluginManifest, type IsolationMode } from './manifest-schema.js';
export { MANIFEST_FILE, readManifest, parseManifest, manifestEntry } from './manifest-file.js';
export { checkSdk } from './sdk-check.js';
export { planDependencies, checkDependencies, type LoadedVersions, type DependencyPlan } from './dependency-order.js';
