import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PluginConfig, PluginConfigError } from '../../core/plugin/plugin-config.js';
import { openSqliteStore, type KVStore, type Store } from '../../core/store/index.js';
import { captureLogger } from '../support/logger.js';

const KEY = 'me.weather';
const AT = { pluginKey: '__config__', key: KEY };

const schema = z.object({
  city: z.string().min(1).default('London'),
  enabled: z.boolean().default(true),
  retries: z.number().int().min(0).max(10).default(3),
  ratio: z.number().default(0.5),
  mode: z.enum(['fast', 'slow']).default('fast'),
  tags: z.array(z.string()).default(['weather']),
  limits: z.object({ max: z.number().int().min(1), min: z.number().int().default(0) }).default({ max: 5, min: 0 }),
  nickname: z.string().optional(),
});

const DEFAULTS = {
  city: 'London',
  enabled: true,
  retries: 3,
  ratio: 0.5,
  mode: 'fast',
  tags: ['weather'],
  limits: { max: 5, min: 0 },
};

async function refusal(p: Promise<unknown>): Promise<PluginConfigError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PluginConfigError);
  expect(err).toMatchObject({ code: 'PLUGIN_CONFIG_INVALID' });
  return err as PluginConfigError;
}

const paths = (err: PluginConfigError) => err.issues.map((i) => i.path);

describe('PluginConfig', () => {
  let backend: Store;
  let kv: KVStore;
  let lines: Record<string, unknown>[];
  let make: <S extends z.ZodObject>(s: S) => PluginConfig<S>;

  beforeEach(() => {
    const captured = captureLogger();
    lines = captured.lines;
    backend = openSqliteStore({ path: ':memory:', log: captured.log });
    kv = backend.kv;
    make = (s) => new PluginConfig({ kv, pluginKey: KEY, schema: s, log: captured.log });
  });

  afterEach(async () => {
    await backend.close();
  });

  const stored = async () => JSON.parse((await kv.get(AT)) ?? 'null') as unknown;
  const warnings = () => lines.filter((l) => l.level === 40);

  describe('load', () => {
    it('fills every default on first load and writes them back', async () => {
      const config = make(schema);
      expect(await config.load()).toEqual(DEFAULTS);
      expect(config.value).toEqual(DEFAULTS);
      expect(await stored()).toEqual(DEFAULTS);
      expect(warnings()).toEqual([]);
    });

    it('refuses to give values before load, with PLUGIN_CONFIG_NOT_LOADED', async () => {
      const config = make(schema);
      expect(() => config.value).toThrow(expect.objectContaining({ code: 'PLUGIN_CONFIG_NOT_LOADED' }));
      await expect(config.update({ city: 'Paris' })).rejects.toMatchObject({ code: 'PLUGIN_CONFIG_NOT_LOADED' });
      expect(await kv.get(AT)).toBeUndefined();
    });

    it('keeps stored values and back-fills a field that a new schema version adds', async () => {
      const v1 = make(schema);
      await v1.load();
      await v1.update({ city: 'Paris', retries: 5 });

      const v2 = make(schema.extend({ units: z.enum(['metric', 'imperial']).default('metric') }));
      const value = await v2.load();
      expect(value).toEqual({ ...DEFAULTS, city: 'Paris', retries: 5, units: 'metric' });
      expect(await stored()).toEqual({ ...DEFAULTS, city: 'Paris', retries: 5, units: 'metric' });
    });

    it('drops a stored field that the schema no longer has', async () => {
      await kv.set(AT, JSON.stringify({ ...DEFAULTS, city: 'Oslo', legacyFlag: true }));
      expect(await make(schema).load()).toEqual({ ...DEFAULTS, city: 'Oslo' });
      expect(await stored()).toEqual({ ...DEFAULTS, city: 'Oslo' });
    });

    it('resets a stored field that no longer validates to its default, warning with the field path', async () => {
      await kv.set(AT, JSON.stringify({ ...DEFAULTS, city: 'Rome', retries: 'many', mode: 'turbo', limits: { max: 9, min: 1.5 } }));
      const value = await make(schema).load();
      expect(value).toEqual({ ...DEFAULTS, city: 'Rome', limits: { max: 9, min: 0 } });
      expect(await stored()).toEqual(value);
      expect(warnings().map((w) => w.path).sort()).toEqual(['limits.min', 'mode', 'retries']);
      expect(warnings()[0]).toMatchObject({ plugin: KEY, msg: expect.stringMatching(/no longer validates.*reset to its default/) });
    });

    it('resets the nearest enclosing default when the failing field has none, and whole lists', async () => {
      await kv.set(AT, JSON.stringify({ ...DEFAULTS, limits: { max: 0, min: 2 }, tags: ['ok', 3] }));
      const value = await make(schema).load();
      expect(value).toEqual(DEFAULTS);
      expect(warnings().map((w) => w.path).sort()).toEqual(['limits', 'limits.max', 'tags']);
    });

    it('fails with the field paths when an invalid or missing field has no default, persisting nothing', async () => {
      const strict = z.object({ apiKey: z.string().min(1), city: z.string().default('London') });
      const err = await refusal(make(strict).load());
      expect(err.issues).toEqual([{ path: 'apiKey', message: expect.any(String) }]);
      expect(err.message).toMatch(/me\.weather cannot be loaded.*no default.*apiKey/);
      expect(await kv.get(AT)).toBeUndefined();

      await kv.set(AT, JSON.stringify({ apiKey: 42, city: 'Oslo' }));
      expect(paths(await refusal(make(strict).load()))).toEqual(['apiKey']);
      expect(await stored()).toEqual({ apiKey: 42, city: 'Oslo' });
    });

    it('treats stored text that is not a JSON object as empty, with a warning', async () => {
      await kv.set(AT, '{"city": "Par');
      expect(await make(schema).load()).toEqual(DEFAULTS);
      expect(warnings()).toMatchObject([{ msg: expect.stringMatching(/not valid JSON/) }]);
      expect(await stored()).toEqual(DEFAULTS);

      await kv.set(AT, '[1,2]');
      expect(await make(schema).load()).toEqual(DEFAULTS);
      expect(warnings()[1]).toMatchObject({ msg: expect.stringMatching(/not a JSON object/) });
    });
  });

  describe('on a SQLite file', () => {
    let dir: string;

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-plugin-config-'));
    });

    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('keeps updated values across closing and reopening the store', async () => {
      const file = path.join(dir, 'store.db');
      const { log } = captureLogger();
      const first = openSqliteStore({ path: file, log });
      const config = new PluginConfig({ kv: first.kv, pluginKey: KEY, schema, log });
      await config.load();
      await config.update({ city: 'Kyoto', tags: ['rain', 'snow'], limits: { max: 8 } });
      await first.close();

      const second = openSqliteStore({ path: file, log });
      try {
        const again = new PluginConfig({ kv: second.kv, pluginKey: KEY, schema, log });
        expect(await again.load()).toEqual({ ...DEFAULTS, city: 'Kyoto', tags: ['rain', 'snow'], limits: { max: 8, min: 0 } });
      } finally {
        await second.close();
      }
    });
  });

  describe('update', () => {
    it('merges, validates, persists, resolves the new values and tells listeners', async () => {
      const config = make(schema);
      await config.load();
      const calls: Array<[unknown, unknown]> = [];
      const dispose = config.onChange((value, previous) => calls.push([value, previous]));

      const value = await config.update({ city: 'Paris', nickname: 'Neko' });
      expect(value).toEqual({ ...DEFAULTS, city: 'Paris', nickname: 'Neko' });
      expect(config.value).toEqual(value);
      expect(await stored()).toEqual(value);
      expect(calls).toEqual([[value, DEFAULTS]]);

      dispose();
      dispose();
      await config.update({ city: 'Rome' });
      expect(calls).toHaveLength(1);
    });

    it('puts a field given as undefined back to its default', async () => {
      const config = make(schema);
      await config.load();
      await config.update({ retries: 7, nickname: 'Neko' });
      expect(await config.update({ retries: undefined, nickname: undefined })).toEqual(DEFAULTS);
    });

    it('runs concurrent updates one after another, each merging into the last', async () => {
      const config = make(schema);
      await config.load();
      await Promise.all([config.update({ city: 'Oslo' }), config.update({ retries: 1 }), config.update({ enabled: false })]);
      expect(config.value).toEqual({ ...DEFAULTS, city: 'Oslo', retries: 1, enabled: false });
      expect(await stored()).toEqual(config.value);
    });

    it('logs a listener that throws or rejects, and still calls the others', async () => {
      const config = make(schema);
      await config.load();
      const seen: string[] = [];
      config.onChange(() => {
        throw new Error('boom');
      });
      config.onChange(async () => {
        throw new Error('async boom');
      });
      config.onChange((value) => seen.push(value.city));
      await config.update({ city: 'Lima' });
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual(['Lima']);
      expect(lines.filter((l) => l.level === 50).map((l) => (l.err as { message: string }).message)).toEqual(['boom', 'async boom']);
    });

    it('refuses an invalid update with exact, nested paths and persists nothing', async () => {
      const config = make(schema);
      await config.load();
      let called = 0;
      config.onChange(() => called++);

      const err = await refusal(
        config.update({ retries: 11, mode: 'turbo' as 'fast', tags: ['a', 'b', 3 as unknown as string], limits: { max: 0, min: 0 } }),
      );
      expect(paths(err)).toEqual(['retries', 'mode', 'tags.2', 'limits.max']);
      expect(err.issues.every((i) => i.message.length > 0)).toBe(true);
      expect(err.message).toMatch(/me\.weather.*update refused.*retries.*tags\.2.*limits\.max/);

      expect(paths(await refusal(config.update({ colour: 'red' } as never)))).toEqual(['colour']);
      expect(paths(await refusal(config.update('city=Paris' as never)))).toEqual(['']);

      expect(config.value).toEqual(DEFAULTS);
      expect(await stored()).toEqual(DEFAULTS);
      expect(called).toBe(0);
    });
  });

  describe('updateFromStrings', () => {
    let config: PluginConfig<typeof schema>;

    beforeEach(async () => {
      config = make(schema);
      await config.load();
    });

    const accepted: Array<[string, Record<string, string>, Partial<z.output<typeof schema>>]> = [
      ['a string as it is', { city: ' Paris ' }, { city: ' Paris ' }],
      ...['true', '1', 'yes', 't', 'y', 'TRUE', 'Yes', ' Y '].map((s): [string, Record<string, string>, Partial<z.output<typeof schema>>] => [
        `boolean ${JSON.stringify(s)}`,
        { enabled: s },
        { enabled: true },
      ]),
      ...['false', '0', 'no', 'f', 'n', 'FALSE', 'No', 'F'].map((s): [string, Record<string, string>, Partial<z.output<typeof schema>>] => [
        `boolean ${JSON.stringify(s)}`,
        { enabled: s },
        { enabled: false },
      ]),
      ['an integer', { retries: '7' }, { retries: 7 }],
      ['an exponent', { retries: '1e1' }, { retries: 10 }],
      ['a float', { ratio: '0.25' }, { ratio: 0.25 }],
      ['a hex number', { ratio: '0x10' }, { ratio: 16 }],
      ['an enum value', { mode: 'slow' }, { mode: 'slow' }],
      ['a JSON array', { tags: '["rain", "snow"]' }, { tags: ['rain', 'snow'] }],
      ['an empty JSON array', { tags: '[]' }, { tags: [] }],
      ['a JSON object', { limits: '{"max": 9}' }, { limits: { max: 9, min: 0 } }],
      ['an optional string with no value yet', { nickname: 'Neko' }, { nickname: 'Neko' }],
      ['several fields at once', { city: 'Oslo', enabled: 'no', retries: '0' }, { city: 'Oslo', enabled: false, retries: 0 }],
    ];

    it.each(accepted)('converts %s', async (_name, patch, expected) => {
      const value = await config.updateFromStrings(patch);
      expect(value).toEqual({ ...DEFAULTS, ...expected });
      expect(await stored()).toEqual(value);
    });

    const refused: Array<[string, Record<string, string>, string, RegExp]> = [
      ['a word that is not a boolean', { enabled: 'maybe' }, 'enabled', /expected a boolean \(true\/1\/yes\/t\/y or false\/0\/no\/f\/n\), got "maybe"/],
      ['an empty boolean', { enabled: '' }, 'enabled', /expected a boolean/],
      ['text that is not a number', { retries: 'abc' }, 'retries', /expected a number, got "abc"/],
      ['an empty number', { ratio: '  ' }, 'ratio', /expected a number/],
      ['a number the schema refuses', { retries: '2.5' }, 'retries', /expected int/],
      ['a number out of range', { retries: '11' }, 'retries', /10/],
      ['an object for a list', { tags: '{"a": 1}' }, 'tags', /expected a JSON array, got object/],
      ['text that is not JSON', { tags: 'rain, snow' }, 'tags', /not JSON/],
      ['a list item of the wrong type', { tags: '["a", 1]' }, 'tags.1', /string/],
      ['a list for an object', { limits: '[1]' }, 'limits', /expected a JSON object, got an array/],
      ['null for an object', { limits: 'null' }, 'limits', /expected a JSON object, got null/],
      ['a nested field the schema refuses', { limits: '{"max": 0}' }, 'limits.max', /1/],
      ['an empty string the schema refuses', { city: '' }, 'city', /./],
      ['an unknown field', { colour: 'red' }, 'colour', /not a field/],
    ];

    it.each(refused)('refuses %s, naming the field and persisting nothing', async (_name, patch, field, message) => {
      const err = await refusal(config.updateFromStrings(patch));
      expect(err.issues).toEqual([{ path: field, message: expect.stringMatching(message) }]);
      expect(config.value).toEqual(DEFAULTS);
      expect(await stored()).toEqual(DEFAULTS);
    });

    it('refuses the whole batch for one bad value, listing every bad one', async () => {
      let called = 0;
      config.onChange(() => called++);
      const err = await refusal(config.updateFromStrings({ city: 'Paris', enabled: 'maybe', retries: 'x', tags: '{}' }));
      expect(paths(err)).toEqual(['enabled', 'retries', 'tags']);
      expect(config.value.city).toBe('London');
      expect(await stored()).toEqual(DEFAULTS);
      expect(called).toBe(0);
    });

    it('refuses a value that is not a string', async () => {
      const err = await refusal(config.updateFromStrings({ retries: 5 } as never));
      expect(err.issues).toEqual([{ path: 'retries', message: 'expected a string, got number' }]);
    });
  });

  describe('jsonSchema', () => {
    it('describes the input: properties, defaults, descriptions and required fields (draft 2020-12)', () => {
      const s = z.object({
        apiKey: z.string().min(1).describe('Key of the weather API'),
        city: z.string().default('London'),
        retries: z.number().int().min(0).max(10).default(3),
        limits: z.object({ max: z.number().int().min(1), min: z.number().int().default(0) }).default({ max: 5, min: 0 }),
        tags: z.array(z.string()).default(['weather']),
      });
      const json = make(s).jsonSchema();
      expect(json).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        required: ['apiKey'],
        properties: {
          apiKey: { type: 'string', minLength: 1, description: 'Key of the weather API' },
          city: { type: 'string', default: 'London' },
          retries: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
          limits: { type: 'object', default: { max: 5, min: 0 }, required: ['max'], properties: { min: { default: 0 } } },
          tags: { type: 'array', items: { type: 'string' }, default: ['weather'] },
        },
      });
    });

    it('works before load', () => {
      expect(make(schema).jsonSchema()).toMatchObject({ type: 'object', properties: { nickname: { type: 'string' } } });
      expect(make(schema).jsonSchema().required).toBeUndefined();
    });
  });
});
