import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkToolArguments, ToolSchemaError, type JsonSchemaObject, type ToolDefinition } from '../../core/agent/index.js';

const jsonTool = (parameters: JsonSchemaObject, name = 'weather'): ToolDefinition => ({ name, description: 'd', parameters, execute: () => '' });
const zodTool = (parameters: z.ZodType<Record<string, unknown>>): ToolDefinition => ({ name: 'z', description: 'd', parameters, execute: () => '' });

const weather: JsonSchemaObject = {
  type: 'object',
  properties: {
    location: { type: 'string', 'x-prompt-hint': 'a city' },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    unit: { type: 'string', enum: ['c', 'f'] },
  },
  required: ['location'],
  additionalProperties: false,
};

describe('checkToolArguments with a JSON Schema', () => {
  it('accepts valid arguments and returns them parsed', () => {
    expect(checkToolArguments(jsonTool(weather), '{"location":"Paris","days":3}')).toEqual({ ok: true, args: { location: 'Paris', days: 3 } });
  });

  it('treats an empty or blank text as no arguments', () => {
    const tool = jsonTool({ type: 'object', properties: {} });
    expect(checkToolArguments(tool, '')).toEqual({ ok: true, args: {} });
    expect(checkToolArguments(tool, '  \n')).toEqual({ ok: true, args: {} });
    expect(checkToolArguments(jsonTool(weather), '')).toMatchObject({ ok: false, error: expect.stringContaining("(root): must have required property 'location'") });
  });

  it('reports every error with its path: range, enum choices, unknown key, type', () => {
    const r = checkToolArguments(jsonTool(weather), '{"location":5,"days":9,"unit":"k","colour":"red"}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toContain('location: must be string');
    expect(r.error).toContain('days: must be <= 7');
    expect(r.error).toContain('unit: must be equal to one of the allowed values: "c", "f"');
    expect(r.error).toContain('(root): must NOT have additional properties ("colour")');
  });

  it('names nested paths', () => {
    const schema: JsonSchemaObject = { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { n: { type: 'number' } } } } } };
    expect(checkToolArguments(jsonTool(schema), '{"items":[{"n":1},{"n":"x"}]}')).toEqual({ ok: false, error: 'items.1.n: must be number' });
  });

  it('refuses text that is not JSON, and JSON that is not an object', () => {
    expect(checkToolArguments(jsonTool(weather), '{"location": "Par')).toMatchObject({ ok: false, error: expect.stringMatching(/^the arguments are not valid JSON \(/) });
    expect(checkToolArguments(jsonTool(weather), '[1,2]')).toEqual({ ok: false, error: 'the arguments must be a JSON object, not an array' });
    expect(checkToolArguments(jsonTool(weather), 'null')).toEqual({ ok: false, error: 'the arguments must be a JSON object, not null' });
    expect(checkToolArguments(jsonTool(weather), '"Paris"')).toEqual({ ok: false, error: 'the arguments must be a JSON object, not string' });
  });

  it('understands draft-07 and 2020-12 schemas named by $schema, and recursive references', () => {
    const draft7: JsonSchemaObject = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'string' } } };
    const draft2020: JsonSchemaObject = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { t: { type: 'array', prefixItems: [{ type: 'string' }] } } };
    const tree: JsonSchemaObject = { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } } };
    expect(checkToolArguments(jsonTool(draft7), '{"a":1}')).toEqual({ ok: false, error: 'a: must be string' });
    expect(checkToolArguments(jsonTool(draft2020), '{"t":[1]}')).toEqual({ ok: false, error: 't.0: must be string' });
    expect(checkToolArguments(jsonTool(tree), '{"children":[{"children":[{"name":2}]}]}')).toEqual({ ok: false, error: 'children.0.children.0.name: must be string' });
  });

  it('validates equal schemas given as fresh objects, and two schemas sharing an $id', () => {
    const make = (max: number): JsonSchemaObject => ({ $id: 'same', type: 'object', properties: { n: { type: 'integer', maximum: max } } });
    for (let i = 0; i < 3; i++) expect(checkToolArguments(jsonTool(make(1)), '{"n":2}').ok).toBe(false);
    expect(checkToolArguments(jsonTool(make(5)), '{"n":2}').ok).toBe(true);
  });

  it('throws a typed error when the tool\'s own schema is broken, every time', () => {
    const broken = { type: 'object', properties: { a: { type: 'nonsense' } } } as JsonSchemaObject;
    expect(() => checkToolArguments(jsonTool(broken, 'bad_tool'), '{}')).toThrow(ToolSchemaError);
    expect(() => checkToolArguments(jsonTool(broken, 'other_tool'), '{}')).toThrow(/tool "other_tool"/);
  });
});

describe('checkToolArguments with a zod schema', () => {
  const args = z.object({ sides: z.number().int().min(2).default(6), label: z.string().optional() });

  it('returns the parsed output with defaults applied', () => {
    expect(checkToolArguments(zodTool(args), '')).toEqual({ ok: true, args: { sides: 6 } });
    expect(checkToolArguments(zodTool(args), '{"sides":20,"label":"d20"}')).toEqual({ ok: true, args: { sides: 20, label: 'd20' } });
  });

  it('reports the issues with their paths', () => {
    const r = checkToolArguments(zodTool(args), '{"sides":1,"label":3}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/sides: .*>=2/);
    expect(r.error).toMatch(/label: .*string/);
  });

  it('reports bad JSON before zod sees it', () => {
    expect(checkToolArguments(zodTool(args), '{sides:3}')).toMatchObject({ ok: false, error: expect.stringContaining('not valid JSON') });
  });
});
