import type { z } from 'zod';
import type { ChatKey, Segment } from '../message/index.js';

/** What a tool returns to the model: text, plus files the model may send on (KiraAI's `ToolResult`). */
export interface ToolResult {
  text: string;
  attachments: Segment[];
}

/** A JSON Schema object describing the arguments (OpenAI function-calling `parameters`). */
export type JsonSchemaObject = { type: 'object'; properties?: Record<string, unknown>; required?: string[]; [k: string]: unknown };

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
  execute(args: Args, ctx: ToolCallContext): Promise<string | ToolResult> | string | ToolResult;
}

/** KiraAI's `BaseTool`: a class form of a tool, usually added per request in an `llm_request` hook. */
export abstract class BaseTool<Args = Record<string, unknown>> implements ToolDefinition<Args> {
  abstract readonly name: string;
  abstract readonly description: string;
  abstract readonly parameters: JsonSchemaObject | z.ZodType<Args>;
  abstract execute(args: Args, ctx: ToolCallContext): Promise<string | ToolResult> | string | ToolResult;
}
