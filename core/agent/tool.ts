import { z } from 'zod';
import type { ChatKey, Segment } from '../message/index.js';

/** What a tool returns to the model: text, plus files the model may send on (KiraAI's `ToolResult`). */
export interface ToolResult {
  text: string;
  attachments: Segment[];
}

/** A JSON Schema object describing the arguments (OpenAI function-calling `parameters`). */
export type JsonSchemaObject = { type: 'object'; properties?: Record<string, unknown>; required?: string[]; [k: string]: unknown };

/**
 * How the agent loop treats a tool's result (Nekro's sandbox method types): `tool` returns it to the model;
 * `behavior` records it as a system note and needs no further round; `agent` records it and forces
 * another round; `multimodal_agent` hands it to the model as a user turn (with its images) and forces
 * another round.
 */
export type ToolKind = 'tool' | 'behavior' | 'agent' | 'multimodal_agent';

/** Who is calling a tool, and where. */
export interface ToolCallContext {
  chatKey: ChatKey;
  userId?: string;
  signal: AbortSignal;
}

/**
 * A function the model may call. `parameters` is a JSON Schema object or a zod object schema; arguments
 * are validated against it before `execute` runs.
 */
export interface ToolDefinition<Args = Record<string, unknown>> {
  name: string;
  description: string;
  parameters: JsonSchemaObject | z.ZodType<Args>;
  /** Default `tool`. */
  kind?: ToolKind;
  execute(args: Args, ctx: ToolCallContext): Promise<string | ToolResult> | string | ToolResult;
}

/** KiraAI's `BaseTool`: a class form of a tool, usually added per request in an `llm_request` hook. */
export abstract class BaseTool<Args = Record<string, unknown>> implements ToolDefinition<Args> {
  abstract readonly name: string;
  abstract readonly description: string;
  abstract readonly parameters: JsonSchemaObject | z.ZodType<Args>;
  abstract execute(args: Args, ctx: ToolCallContext): Promise<string | ToolResult> | string | ToolResult;
}

/**
 * The JSON Schema object sent to the model for a tool's parameters: a zod schema converted with
 * `z.toJSONSchema`, a JSON Schema object as given.
 */
export function toolParametersSchema(tool: { readonly parameters: JsonSchemaObject | z.ZodType }): JsonSchemaObject {
  const p = tool.parameters as JsonSchemaObject | z.ZodType;
  if (isZodSchema(p)) {
    const { $schema: _drop, ...schema } = z.toJSONSchema(p, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return { type: 'object', ...schema } as JsonSchemaObject;
  }
  return p;
}

export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}
