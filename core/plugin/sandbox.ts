import type { JsonSchemaObject } from '../agent/index.js';
import type { z } from 'zod';
import type { ChatContext } from './context.js';

/**
 * What happens after the model called a sandbox method (Nekro's four types, as function-calling tools):
 * TOOL returns the value to the model; BEHAVIOR records it as a system note and goes on; AGENT records it
 * and forces another round; MULTIMODAL_AGENT adds the result as a user turn and forces another round.
 */
export const SandboxMethodType = {
  TOOL: 'tool',
  AGENT: 'agent',
  BEHAVIOR: 'behavior',
  MULTIMODAL_AGENT: 'multimodal_agent',
} as const;
export type SandboxMethodType = (typeof SandboxMethodType)[keyof typeof SandboxMethodType];

export type SandboxMethodFn = (ctx: ChatContext, args: Record<string, unknown>) => unknown;

/** A plugin method the agent may call. Its identity is `<pluginKey>.<name>`. */
export interface SandboxMethod {
  type: SandboxMethodType;
  /** Callable name: letters, digits and `_` (Nekro used the Python function name). */
  name: string;
  description: string;
  /** Arguments, as a JSON Schema object or a zod object schema; none when omitted. */
  parameters?: JsonSchemaObject | z.ZodType | undefined;
  fn: SandboxMethodFn;
}
