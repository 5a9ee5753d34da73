import { toToolResult, type JsonSchemaObject, type ToolDefinition, type ToolResult } from '../agent/index.js';
import type { Segment } from '../message/index.js';
import type { AvailableMethod } from './callbacks.js';
import type { ChatContext } from './context.js';
import { callPlugin, type PluginHost } from './plugin-host.js';
import { SandboxMethodType } from './sandbox.js';

const NO_ARGUMENTS: JsonSchemaObject = { type: 'object', properties: {} };

// Nekro marked these `[AGENT METHOD - STOP AFTER CALL]`; with function calling the loop forces the new round.
const ROUND_NOTE = 'Its result comes back to you in a new round: call it, then read the result before you answer.';

/**
 * Sandbox methods as function-calling tools (Spec decision §1.6), named `<pluginKey>.<method>` and bound to
 * the chat context they were collected for. Each call runs through the plugin isolation (`callPlugin`): a
 * method that throws or runs past the plugin time limit is logged, counted and reported there, and makes
 * `execute` throw so the tool turn answers the model with an error or a timeout.
 *
 * @example
 * for (const tool of methodTools(await plugins.availableMethods(ctx), ctx, host)) request.tools.add(tool, 'core.plugins');
 */
export function methodTools(methods: readonly AvailableMethod[], ctx: ChatContext, host: PluginHost): ToolDefinition[] {
  return methods.map(({ pluginKey, id, method }) => ({
    name: id,
    description: method.type === SandboxMethodType.AGENT || method.type === SandboxMethodType.MULTIMODAL_AGENT
      ? `${method.description}\n${ROUND_NOTE}`
      : method.description,
    parameters: (method.parameters ?? NO_ARGUMENTS) as ToolDefinition['parameters'],
    kind: method.type,
    execute: async (args) => {
      const r = await callPlugin(host, pluginKey, `sandbox method ${method.name}`, () => method.fn(ctx, args), ctx.chatKey);
      if (!r.ok) throw r.error;
      return method.type === SandboxMethodType.MULTIMODAL_AGENT ? multimodalResult(r.value) : toToolResult(r.value);
    },
  }));
}

/**
 * A MULTIMODAL_AGENT method's value (Nekro: a string, content parts, or a message) as text plus images:
 * message segments and OpenAI content parts are both accepted, texts joined, images (and other media)
 * kept as attachments for the loop to show the model.
 */
export function multimodalResult(value: unknown): ToolResult {
  const parts = Array.isArray(value) ? value : isTyped(value) ? [value] : undefined;
  if (!parts || !parts.every(isTyped)) return toToolResult(value);
  const texts: string[] = [];
  const attachments: Segment[] = [];
  for (const part of parts) {
    if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else if (part.type === 'image_url') {
      const url = imageUrlOf(part);
      if (url) attachments.push({ type: 'image', url });
    } else if (isMediaSegment(part)) attachments.push(part);
    else texts.push(JSON.stringify(part));
  }
  return { text: texts.join('\n'), attachments };
}

type Typed = { type: string; [k: string]: unknown };

function isTyped(value: unknown): value is Typed {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** `{type:'image_url', url}` (ours) or `{type:'image_url', image_url:{url}}` (OpenAI's). */
function imageUrlOf(part: Typed): string | undefined {
  if (typeof part.url === 'string') return part.url;
  const inner = part.image_url as { url?: unknown } | undefined;
  return typeof inner?.url === 'string' ? inner.url : undefined;
}

function isMediaSegment(part: Typed): part is Typed & Segment {
  return ['image', 'audio', 'video', 'file'].includes(part.type) && (typeof part.url === 'string' || typeof part.path === 'string');
}
