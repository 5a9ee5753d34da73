import type { z } from 'zod';

/**
 * Nekro's Web UI sends config updates as strings; each is converted by the type of the field (reference
 * §1.3): booleans from true/1/yes/t/y and false/0/no/f/n, numbers, JSON arrays and objects, text as is.
 */
export type Kind = 'boolean' | 'number' | 'array' | 'object' | 'string';

const TRUE_WORDS = new Set(['true', '1', 'yes', 't', 'y']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'f', 'n']);

export function convert(text: string, kind: Kind): { value: unknown } | { error: string } {
  switch (kind) {
    case 'boolean': {
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return { value: true };
      if (FALSE_WORDS.has(word)) return { value: false };
      return { error: `expected a boolean (true/1/yes/t/y or false/0/no/f/n), got ${JSON.stringify(text)}` };
    }
    case 'number': {
      // Number('') is 0, which no one typing into a number field means.
      const n = text.trim() === '' ? Number.NaN : Number(text);
      return Number.isNaN(n) ? { error: `expected a number, got ${JSON.stringify(text)}` } : { value: n };
    }
    case 'array':
    case 'object': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { error: `expected a JSON ${kind}, got text that is not JSON: ${JSON.stringify(text)}` };
      }
      const isArray = Array.isArray(value);
      const fits = kind === 'array' ? isArray : typeof value === 'object' && value !== null && !isArray;
      return fits ? { value } : { error: `expected a JSON ${kind}, got ${isArray ? 'an array' : value === null ? 'null' : typeof value}` };
    }
    case 'string':
      return { value: text };
  }
}

export function schemaKind(schema: z.ZodType | undefined): Kind {
  const def = schema?._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType; values?: unknown[]; entries?: Record<string, unknown> } | undefined;
  switch (def?.type) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'int':
      return 'number';
    case 'array':
    case 'tuple':
    case 'set':
      return 'array';
    case 'object':
    case 'record':
    case 'map':
      return 'object';
    case 'literal':
      return primitiveKind(def.values?.[0]);
    case 'enum':
      return primitiveKind(Object.values(def.entries ?? {})[0]);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return schemaKind(def.innerType);
    case 'pipe':
      return schemaKind(def.in);
    default:
      return 'string';
  }
}

export function primitiveKind(value: unknown): Kind {
  return typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'number' : 'string';
}

