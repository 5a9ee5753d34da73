import ajv2020 from 'ajv/dist/2020.js';
import ajvDraft7 from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { z } from 'zod';
import { NekomataError } from '../errors/index.js';
import { isZodSchema, type JsonSchemaObject, type ToolDefinition } from './tool.js';

export type ToolArgumentsCheck = { ok: true; args: Record<string, unknown> } | { ok: false; error: string };

/** A tool's parameter schema cannot be compiled: the tool's author must fix it, the model cannot. */
export class ToolSchemaError extends NekomataError {
  constructor(readonly tool: string, readonly reason: string) {
    super('TOOL_SCHEMA_INVALID', `the parameters schema of tool "${tool}" is not a valid JSON Schema (${reason}); fix the tool's definition`);
  }
}

// ajv is CommonJS: under NodeNext its default import is the module, whose `default` is the class.
// strict:false so annotations such as the command exporter's `x-prompt-hint` are allowed.
const engines = {
  draft2020: new ajv2020.default({ allErrors: true, strict: false }),
  draft7: new ajvDraft7.default({ allErrors: true, strict: false }),
};

type Compiled = ValidateFunction | ToolSchemaError;

/** Compiled once per schema object: method tools are rebuilt per request but share their schema objects. */
const bySchema = new WeakMap<object, Compiled>();
/**
 * And once per schema text: command tools get a fresh, equal schema object with every export. Bounded,
 * as its keys are not collected; the schemas in use are few and get compiled again after a clear.
 */
const byText = new Map<string, Compiled>();
const MAX_BY_TEXT = 500;

/**
 * Parses the model's JSON text (`''` means no arguments, as models send it) and checks it against the
 * tool's parameters: ajv for a JSON Schema object, `safeParse` for a zod schema (whose output, with its
 * defaults applied, becomes the arguments). An error says where and what, for the model to correct.
 * Throws `ToolSchemaError` when the tool's own JSON Schema does not compile.
 *
 * @example
 * checkToolArguments(weather, '{"days":9}') // { ok: false, error: 'days: must be <= 7' }
 */
export function checkToolArguments(tool: ToolDefinition, raw: string): ToolArgumentsCheck {
  const parsed = parseArgumentsText(raw);
  if (!parsed.ok) return parsed;
  const schema = tool.parameters as JsonSchemaObject | z.ZodType;
  if (isZodSchema(schema)) {
    const result = schema.safeParse(parsed.args);
    if (result.success) return { ok: true, args: result.data as Record<string, unknown> };
    return { ok: false, error: result.error.issues.map((i) => `${pathText(i.path)}: ${i.message}`).join('; ') };
  }
  const validate = validatorFor(tool.name, schema);
  if (validate(parsed.args)) return parsed;
  return { ok: false, error: (validate.errors ?? []).map(ajvErrorText).join('; ') || 'the arguments do not match the schema' };
}

/** The model's arguments as a JSON object, or why they are not one. */
export function parseArgumentsText(raw: string): ToolArgumentsCheck {
  if (raw.trim() === '') return { ok: true, args: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `the arguments are not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: `the arguments must be a JSON object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
  }
  return { ok: true, args: value as Record<string, unknown> };
}

function validatorFor(toolName: string, schema: JsonSchemaObject): ValidateFunction {
  let entry = bySchema.get(schema);
  if (!entry) {
    const text = JSON.stringify(schema);
    entry = byText.get(text) ?? compile(toolName, schema);
    if (byText.size >= MAX_BY_TEXT) byText.clear();
    byText.set(text, entry);
    bySchema.set(schema, entry);
  }
  if (entry instanceof ToolSchemaError) throw new ToolSchemaError(toolName, entry.reason);
  return entry;
}

function compile(toolName: string, schema: JsonSchemaObject): Compiled {
  // Each engine knows one meta-schema and refuses another's `$schema`; choose by it, then drop it.
  const { $schema, ...body } = schema;
  const engine = typeof $schema === 'string' && /draft-0[4-7]/.test($schema) ? engines.draft7 : engines.draft2020;
  try {
    return engine.compile(body);
  } catch (err) {
    return new ToolSchemaError(toolName, err instanceof Error ? err.message : String(err));
  } finally {
    // ajv keeps every schema it compiled (and its `$id`) in a map of its own; we cache the function here.
    engine.removeSchema(body);
  }
}

function ajvErrorText(e: ErrorObject): string {
  const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = e.params as { additionalProperty?: string; allowedValues?: unknown[] };
  let detail = '';
  if (params.additionalProperty !== undefined) detail = ` ("${params.additionalProperty}")`;
  else if (params.allowedValues !== undefined) detail = `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${pathText(segments)}: ${e.message ?? e.keyword}${detail}`;
}

/** `days`, `items.0.name`, or `(root)` for the arguments object itself. */
function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}
