import { describe, expect, it } from 'vitest';
import { Plugin, PluginMetadataError } from '../../core/plugin/index.js';

const valid = { name: 'Weather', moduleName: 'weather', description: 'forecasts', version: '1.2.3', author: 'Kro_Miose', url: 'https://example.invalid' };

function metadataError(overrides: Record<string, unknown>): PluginMetadataError {
  try {
    new Plugin({ ...valid, ...overrides } as never);
  } catch (err) {
    expect(err).toBeInstanceOf(PluginMetadataError);
    return err as PluginMetadataError;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

describe('plugin metadata', () => {
  it('accepts valid metadata and derives the key and collection names', () => {
    const p = new Plugin({ ...valid, version: '2.0.0-beta.1+build.5', supportAdapter: ['onebot'] });
    expect(p.key).toBe('Kro_Miose.weather');
    expect(p.getVectorCollectionName()).toBe('Kro_Miose.weather');
    expect(p.getVectorCollectionName('user_embeddings')).toBe('Kro_Miose.weather-user_embeddings');
    expect(p.supports('onebot')).toBe(true);
    expect(p.supports('telegram')).toBe(false);
    expect(new Plugin(valid).supports('anything')).toBe(true);
  });

  it.each([
    ['moduleName', { moduleName: '1weather' }],
    ['moduleName', { moduleName: 'weather-app' }],
    ['moduleName', { moduleName: '' }],
    ['author', { author: '9lives' }],
    ['author', { author: 'Kro Miose' }],
    ['author', { author: '作者' }],
    ['version', { version: '1.0' }],
    ['version', { version: 'v1.0.0' }],
    ['version', { version: '01.0.0' }],
    ['name', { name: '' }],
    ['url', { url: 42 }],
    ['supportAdapter', { supportAdapter: 'onebot' }],
  ])('refuses an invalid %s, naming the field', (field, overrides) => {
    const err = metadataError(overrides);
    expect(err.code).toBe('PLUGIN_METADATA_INVALID');
    expect(err.fields).toContain(field);
    expect(err.message).toContain(field);
  });

  it('names every bad field at once', () => {
    const err = metadataError({ moduleName: '1x', author: '2y', version: 'latest' });
    expect([...err.fields].sort()).toEqual(['author', 'moduleName', 'version']);
  });

  it('refuses runtime parts before the plugin is loaded, saying why', () => {
    const p = new Plugin(valid);
    expect(() => p.store).toThrow(expect.objectContaining({ code: 'PLUGIN_NOT_LOADED' }));
    expect(() => p.config).toThrow(/not loaded/);
    expect(() => p.getPluginPath()).toThrow(/not loaded/);
    expect(p.isEnabled).toBe(false);
  });

  it('refuses a sandbox method name that is not an identifier', () => {
    const p = new Plugin(valid);
    expect(() => p.mountSandboxMethod('tool', 'get weather', 'x', async () => '')).toThrow(expect.objectContaining({ code: 'SANDBOX_METHOD_NAME_INVALID' }));
  });
});
