import semver from 'semver';
import { z } from 'zod';

const range = z.string().refine((r) => semver.validRange(r) !== null, 'is not a valid semver range, e.g. ">=0.1.0 <1.0.0" or "^1.2.0"');
const ranges = z.union([range, z.array(range)]).transform((r) => (Array.isArray(r) ? r : [r]));
const key = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
const positive = (max: number) => z.number().int('must be a whole number').positive('must be above 0').max(max, `must be at most ${max}`);

/**
 * `plugin.toml`, N.E.K.O's manifest (reference seed-systems §3.1) in our terms. `id` is the plugin's key
 * (`author.moduleName`, as the module declares it) rather than N.E.K.O's free id, so that the store, config,
 * logs, calls and dependencies all name a plugin one way. Other top-level tables are the plugin's own and ignored.
 */
const pluginSection = z.strictObject({
  id: z.string().regex(key, 'must be the plugin\'s key, "<author>.<moduleName>", e.g. "me.weather"'),
  name: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
  version: z.string().refine((v) => semver.valid(v) !== null, 'must be a semantic version such as 1.0.0'),
  description: z.string().default(''),
  /** The module, relative to the plugin's folder; default its `index.ts` or `index.js`. */
  entry: z
    .string()
    .refine((e) => !e.startsWith('/') && !e.split(/[\\/]/).includes('..'), 'must be a path inside the plugin folder, e.g. "index.ts" or "src/main.ts"')
    .refine((e) => /\.[mc]?[jt]s$/.test(e), 'must name a .ts or .js module')
    .optional(),
  author: z.strictObject({ name: z.string().optional(), email: z.string().optional(), url: z.string().optional() }).optional(),
  sdk: z
    .strictObject({ recommended: ranges.optional(), supported: ranges.optional(), untested: ranges.optional(), conflicts: ranges.optional() })
    .optional(),
  dependency: z
    .array(
      z.strictObject({
        id: z.string().regex(key, 'must be a plugin key, "<author>.<moduleName>"'),
        /** Versions of the dependency this plugin works with; default any. */
        version: range.default('*'),
        /** An optional dependency is loaded first when present, and its absence refuses nothing. */
        optional: z.boolean().default(false),
      }),
    )
    .default([]),
  runtime: z
    .strictObject({
      isolation: z.enum(['inline', 'process'], 'must be "inline" or "process"').default('inline'),
      /** Time limit of one call into the plugin (hook, command, entry), ms; default PLUGIN_CALL_TIMEOUT_MS. */
      call_timeout_ms: positive(3_600_000).optional(),
      /** An isolated plugin's process must be ready within this, ms; default PLUGIN_START_TIMEOUT_MS. */
      start_timeout_ms: positive(600_000).optional(),
      /** An isolated plugin's process must answer a health ping within this, ms; default PLUGIN_HEALTH_TIMEOUT_MS. */
      health_timeout_ms: positive(600_000).optional(),
      /** Heap limit of an isolated plugin's process, MB; default PLUGIN_MEMORY_MB. */
      memory_mb: positive(65_536).optional(),
    })
    .default({ isolation: 'inline' }),
});

export const manifestSchema = z.object({ plugin: pluginSection });

/** A plugin's `plugin.toml`, read and checked. */
export type PluginManifest = z.output<typeof pluginSection> & {
  /** The manifest file. */
  readonly file: string;
  /** The plugin's folder. */
  readonly dir: string;
};

/** How a plugin is hosted: in the app's process, or in a child process of its own. */
export type IsolationMode = PluginManifest['runtime']['isolation'];
