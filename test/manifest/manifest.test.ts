import { describe, expect, it } from 'vitest';
import { checkSdk, parseManifest, PluginManifestError, PluginSdkError } from '../../core/manifest/index.js';

const FILE = '/plugins/weather/plugin.toml';
const base = `[plugin]
id = "me.weather"
name = "Weather"
version = "1.2.0"
`;

function refusal(text: string): PluginManifestError {
  try {
    parseManifest(text, FILE);
  } catch (err) {
    if (err instanceof PluginManifestError) return err;
    throw err;
  }
  throw new Error('the manifest was accepted');
}

describe('plugin.toml', () => {
  it('reads every field, with defaults for what is left out', () => {
    const m = parseManifest(
      `${base}description = "Tells the weather"
entry = "src/main.ts"
[plugin.author]
name = "Me"
[plugin.sdk]
supported = ">=0.1.0 <1.0.0"
conflicts = "<0.1.0"
[[plugin.dependency]]
id = "me.geo"
version = "^2.0.0"
[plugin.runtime]
isolation = "process"
memory_mb = 128
call_timeout_ms = 5000
[weather]
own = "the plugin's own table is left alone"
`,
      FILE,
    );
    expect(m).toMatchObject({
      id: 'me.weather', name: 'Weather', version: '1.2.0', entry: 'src/main.ts', dir: '/plugins/weather',
      sdk: { supported: ['>=0.1.0 <1.0.0'], conflicts: ['<0.1.0'] },
      dependency: [{ id: 'me.geo', version: '^2.0.0', optional: false }],
      runtime: { isolation: 'process', memory_mb: 128, call_timeout_ms: 5000 },
    });
    expect(parseManifest(base, FILE)).toMatchObject({ description: '', dependency: [], runtime: { isolation: 'inline' } });
  });

  it.each([
    ['a TOML syntax error, by line', `${base}name = = "x"`, 'line 5', 'is not valid TOML'],
    ['no [plugin] table', 'title = "x"', 'plugin', 'is required'],
    ['a missing id', base.replace('id = "me.weather"\n', ''), 'plugin.id', 'is required'],
    ['an id that is not a plugin key', base.replace('me.weather', 'weather'), 'plugin.id', '"<author>.<moduleName>"'],
    ['an empty name', base.replace('"Weather"', '""'), 'plugin.name', 'must not be empty'],
    ['a version that is not semver', base.replace('1.2.0', '1.2'), 'plugin.version', 'semantic version'],
    ['an entry outside the folder', `${base}entry = "../other/index.ts"`, 'plugin.entry', 'inside the plugin folder'],
    ['an entry that is not a module', `${base}entry = "main.py"`, 'plugin.entry', '.ts or .js'],
    ['an unknown field', `${base}isolaton = "process"`, 'plugin', 'unknown field "isolaton"'],
    ['a bad SDK range', `${base}[plugin.sdk]\nsupported = ">>1"`, 'plugin.sdk.supported', 'not a valid semver range'],
    ['a bad range in a list', `${base}[plugin.sdk]\nconflicts = ["<0.1.0", "nope"]`, 'plugin.sdk.conflicts[1]', 'not a valid semver range'],
    ['a dependency without id', `${base}[[plugin.dependency]]\nversion = "^1"`, 'plugin.dependency[0].id', 'is required'],
    ['a dependency with a bad range', `${base}[[plugin.dependency]]\nid = "me.geo"\nversion = "one"`, 'plugin.dependency[0].version', 'semver range'],
    ['an unknown isolation', `${base}[plugin.runtime]\nisolation = "thread"`, 'plugin.runtime.isolation', '"inline" or "process"'],
    ['a memory limit of zero', `${base}[plugin.runtime]\nmemory_mb = 0`, 'plugin.runtime.memory_mb', 'above 0'],
    ['a fractional timeout', `${base}[plugin.runtime]\ncall_timeout_ms = 1.5`, 'plugin.runtime.call_timeout_ms', 'whole number'],
  ])('refuses %s, naming the field', (_what, text, field, reason) => {
    const err = refusal(text);
    expect(err.code).toBe('PLUGIN_MANIFEST_INVALID');
    expect(err.field).toBe(field);
    expect(err.message).toContain(`${FILE}: ${field} `);
    expect(err.message).toContain(reason);
  });
});

describe('[plugin.sdk] against the Nekomata version', () => {
  const withSdk = (sdk: string) => parseManifest(`${base}[plugin.sdk]\n${sdk}`, FILE);
  const refusedBy = (sdk: string, version: string): string => {
    try {
      checkSdk(withSdk(sdk), version);
    } catch (err) {
      if (err instanceof PluginSdkError) return err.field;
      throw err;
    }
    return 'accepted';
  };

  it('accepts a plugin without [plugin.sdk], and one whose supported range holds the version', () => {
    expect(checkSdk(parseManifest(base, FILE), '0.1.0').warnings).toEqual([]);
    expect(refusedBy('supported = "^0.1.0"', '0.1.5')).toBe('accepted');
  });

  it('refuses a version in conflicts, even when supported', () => {
    expect(refusedBy('supported = ">=0.1.0"\nconflicts = ["0.1.3"]', '0.1.3')).toBe('plugin.sdk.conflicts');
  });

  it('refuses a version in neither supported nor untested, and accepts one in untested with a warning', () => {
    expect(refusedBy('supported = "^0.1.0"', '0.2.0')).toBe('plugin.sdk.supported');
    expect(refusedBy('supported = "^0.1.0"\nuntested = "^0.2.0"', '0.2.0')).toBe('accepted');
    expect(checkSdk(withSdk('supported = "^0.1.0"\nuntested = "^0.2.0"'), '0.2.0').warnings).toEqual([
      'plugin me.weather was not tested with Nekomata 0.2.0 (plugin.sdk.untested): it may misbehave',
    ]);
  });

  it('only warns outside recommended', () => {
    expect(checkSdk(withSdk('recommended = "^0.3.0"'), '0.1.0').warnings).toEqual([
      'plugin me.weather recommends Nekomata ^0.3.0 (plugin.sdk.recommended), this is 0.1.0',
    ]);
  });
});
