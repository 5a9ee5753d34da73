import type { Segment } from '../message/index.js';
import type { NamedSet } from './named-set.js';
import type { Prompt } from './prompt.js';
import type { TagDefinition } from './tag.js';
import type { ToolDefinition, ToolKind, ToolResult } from './tool.js';

export type ToolSet = NamedSet<ToolDefinition>;
export type TagSet = NamedSet<TagDefinition>;

/** One part of a multimodal turn (OpenAI content parts). */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; url: string };

/** One turn of the conversation sent to the model. */
export interface ChatTurn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | ContentPart[];
  /** Assistant turns: the tool calls the model made in this turn. */
  toolCalls?: ToolCall[];
  /** Tool turns: the call this turn answers. */
  toolCallId?: string;
  name?: string;
}

export interface ToolCall {
  id: string;
  /** The tool's name in the `ToolSet` (the provider maps wire-safe names back to it). */
  name: string;
  /** The raw JSON text the model wrote. */
  arguments: string;
}

/** What is about to be sent to the model; `llm_request` hooks may edit every part of it. */
export interface LLMRequest {
  /** Named sections, joined in order into the system message: what stays the same from call to call. */
  systemPrompt: Prompt[];
  /**
   * Named sections that change with every run (time, chat state, plugin prompt injections): sent at the
   * head of the new user turn inside `<system_reminder>`, so the system message stays cacheable (Nekro and
   * KiraAI both do this). Not kept in memory.
   */
  context: Prompt[];
  /** History, then the new user turn (last). */
  messages: ChatTurn[];
  tools: ToolSet;
  toolChoice: 'auto' | 'none' | 'required' | { name: string };
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface LLMResponse {
  text: string;
  toolCalls: ToolCall[];
  usage?: TokenUsage | undefined;
  /** The model that answered (after fallback). */
  model?: string | undefined;
  /** `stop`, `tool_calls`, `length`, … as the provider said. */
  finishReason?: string | undefined;
}

/** Segments that leave as one message. */
export type MessageChain = Segment[];

/** `tool_result`: one tool call and what it returned. */
export interface ToolCallResult {
  call: ToolCall;
  result: ToolResult;
  isError: boolean;
  /** How the loop treats it (sandbox method type; plain tools are `tool`). */
  kind: ToolKind;
  /** Set when the call did not run: over the per-turn limit, a repeat, unknown, bad arguments, timed out. */
  notice?: 'limit' | 'repeat' | 'unknown' | 'invalid_args' | 'timeout' | 'error' | 'skipped' | undefined;
}

/** `step_result`: one round of the agent loop. */
export interface StepResult {
  step: number;
  response: LLMResponse;
  /** The messages this step sent. */
  chains: MessageChain[];
  toolResults: ToolCallResult[];
}
