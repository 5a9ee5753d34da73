import semver from 'semver';
import { PluginSdkError } from './errors.js';
import type { PluginManifest } from './manifest-schema.js';

const inAny = (version: string, ranges: readonly string[] | undefined): boolean =>
  ranges !== undefined && ranges.some((r) => semver.satisfies(version, r, { includePrerelease: true }));

/**
 * N.E.K.O's SDK check (reference seed-systems §3.1) with semver ranges against the Nekomata version: a version in
 * `conflicts` is refused; with `supported` set, a version in neither `supported` nor `untested` is refused. The
 * warnings returned are for a version outside `recommended`, or in `untested` only. No `[plugin.sdk]`: accepted.
 */
export function checkSdk(manifest: PluginManifest, sdkVersion: string): { warnings: string[] } {
  const sdk = manifest.sdk;
  if (!sdk) return { warnings: [] };
  const key = manifest.id;
  if (inAny(sdkVersion, sdk.conflicts)) {
    throw new PluginSdkError(key, 'plugin.sdk.conflicts', sdkVersion, `lists ${sdk.conflicts!.join(' || ')}, which includes this version`);
  }
  const supported = inAny(sdkVersion, sdk.supported);
  const untested = inAny(sdkVersion, sdk.untested);
  if (sdk.supported && !supported && !untested) {
    const also = sdk.untested ? ` nor plugin.sdk.untested (${sdk.untested.join(' || ')})` : '';
    throw new PluginSdkError(key, 'plugin.sdk.supported', sdkVersion, `is ${sdk.supported.join(' || ')}, which does not include this version${also}`);
  }
  const warnings: string[] = [];
  if (untested && !supported) warnings.push(`plugin ${key} was not tested with Nekomata ${sdkVersion} (plugin.sdk.untested): it may misbehave`);
  if (sdk.recommended && !inAny(sdkVersion, sdk.recommended)) {
    warnings.push(`plugin ${key} recommends Nekomata ${sdk.recommended.join(' || ')} (plugin.sdk.recommended), this is ${sdkVersion}`);
  }
  return { warnings };
}
