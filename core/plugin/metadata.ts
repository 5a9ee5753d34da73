import { z } from 'zod';
import { NekomataError } from '../errors/index.js';

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Semantic Versioning 2.0.0, https://semver.org (the official regular expression, shortened).
const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export const pluginMetadata = z.object({
  name: z.string().min(1, 'must not be empty'),
  moduleName: z.string().regex(identifier, 'must be letters, digits or "_", not starting with a digit (a valid identifier)'),
  description: z.string(),
  version: z.string().regex(semver, 'must be a semantic version such as 1.0.0'),
  author: z.string().regex(identifier, 'must be English letters, digits or "_", not starting with a digit'),
  url: z.string(),
  supportAdapter: z.array(z.string().min(1)).optional(),
  isBuiltin: z.boolean().optional(),
  isPackage: z.boolean().optional(),
});

/** What identifies and describes a plugin (Nekro's `NekroPlugin(...)` arguments). */
export type PluginMetadata = z.infer<typeof pluginMetadata>;

/** The metadata given to `new Plugin(...)` is invalid; `fields` names each offending one. */
export class PluginMetadataError extends NekomataError {
  constructor(readonly fields: readonly string[], message: string) {
    super('PLUGIN_METADATA_INVALID', message);
  }
}

export function validatePluginMetadata(meta: unknown): PluginMetadata {
  const parsed = pluginMetadata.safeParse(meta);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(metadata)', message: i.message }));
  const name = typeof (meta as { moduleName?: unknown } | null)?.moduleName === 'string' ? ` "${(meta as { moduleName: string }).moduleName}"` : '';
  throw new PluginMetadataError(
    issues.map((i) => i.field),
    `plugin${name} has invalid metadata: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`,
  );
}
