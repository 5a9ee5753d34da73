import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { NekomataError } from '../errors/index.js';
import type { ChatTurn, ContentPart, LLMRequest, ToolCall } from './llm.js';
import { toolParametersSchema, type ToolDefinition } from './tool.js';
import type { WireNames } from './wire-names.js';

/**
 * How our turns, tools and tool choice look on the OpenAI chat-completions wire. Tool names go out in
 * their wire-safe form (`WireNames`), including the names in earlier assistant turns, so the model sees
 * one consistent name per tool.
 */

/** The system message first (left out when empty), then the turns in order. */
export function toOpenAIMessages(system: string, turns: ChatTurn[], names: WireNames): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (system !== '') out.push({ role: 'system', content: system });
  turns.forEach((turn, i) => out.push(toOpenAIMessage(turn, i, names)));
  return out;
}

function toOpenAIMessage(turn: ChatTurn, index: number, names: WireNames): ChatCompletionMessageParam {
  switch (turn.role) {
    case 'system':
      return { role: 'system', content: textOf(turn.content) };
    case 'user':
      return { role: 'user', content: typeof turn.content === 'string' ? turn.content : turn.content.map(toOpenAIPart) };
    case 'assistant': {
      const text = textOf(turn.content);
      if (!turn.toolCalls?.length) return { role: 'assistant', content: text };
      // OpenAI: an assistant message that only calls tools carries `content: null`, not ''.
      return { role: 'assistant', content: text === '' ? null : text, tool_calls: turn.toolCalls.map((c) => toOpenAIToolCall(c, names)) };
    }
    case 'tool':
      if (turn.toolCallId === undefined || turn.toolCallId === '') {
        throw new NekomataError('LLM_TURN_INVALID', `tool turn ${index} has no toolCallId: every tool turn must name the assistant tool call it answers`);
      }
      // Tool messages carry text only; images from tools reach the model as a user turn (multimodal_agent).
      return { role: 'tool', tool_call_id: turn.toolCallId, content: textOf(turn.content) };
  }
}

function toOpenAIPart(part: ContentPart): ChatCompletionContentPart {
  return part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image_url', image_url: { url: part.url } };
}

function textOf(content: string | ContentPart[]): string {
  if (typeof content === 'string') return content;
  return content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
}

function toOpenAIToolCall(call: ToolCall, names: WireNames): ChatCompletionMessageToolCall {
  return { id: call.id, type: 'function', function: { name: names.toWire(call.name), arguments: call.arguments } };
}

export function toOpenAITools(tools: ToolDefinition[], names: WireNames): ChatCompletionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: names.toWire(t.name), description: t.description, parameters: parametersOf(t) },
  }));
}

// `toolParametersSchema` is typed for `ToolDefinition<never>`; the schema it reads does not depend on Args.
function parametersOf(tool: ToolDefinition): ReturnType<typeof toolParametersSchema> {
  return toolParametersSchema({ parameters: tool.parameters as ToolDefinition<never>['parameters'] });
}

export function toOpenAIToolChoice(choice: LLMRequest['toolChoice'], names: WireNames): ChatCompletionToolChoiceOption {
  if (typeof choice === 'string') return choice;
  return { type: 'function', function: { name: names.toWire(choice.name) } };
}

/** The model's tool calls with our tool names; custom (non-function) tool calls are not ours and are left out. */
export function fromOpenAIToolCalls(calls: ChatCompletionMessageToolCall[] | undefined, names: WireNames): ToolCall[] {
  const out: ToolCall[] = [];
  for (const c of calls ?? []) {
    if (c.type !== 'function') continue;
    out.push({ id: c.id, name: names.fromWire(c.function.name), arguments: c.function.arguments ?? '' });
  }
  return out;
}

/** Every tool name one call mentions: the offered tools, earlier calls in the history, the forced choice. */
export function namesInCall(tools: ToolDefinition[], turns: ChatTurn[], choice: LLMRequest['toolChoice']): string[] {
  const names = tools.map((t) => t.name);
  for (const turn of turns) for (const c of turn.toolCalls ?? []) names.push(c.name);
  if (typeof choice === 'object') names.push(choice.name);
  return names;
}
