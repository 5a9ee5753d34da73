import type { Segment } from '../message/index.js';
import type { NamedSet } from './named-set.js';
import type { Prompt } from './prompt.js';
import type { TagDefinition } from './tag.js';
import type { ToolDefinition, ToolResult } from './tool.js';

export type ToolSet = NamedSet<ToolDefinition>;
export type TagSet = NamedSet<TagDefinition>;

/** One turn of the conversation sent to the model. */
export interface ChatTurn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  name?: string;
  toolCallId?: string;
}

export interface ToolCall {
  id: string;
  name: string;
  /** The raw JSON text the model wrote. */
  arguments: string;
}

/** What is about to be sent to the model; `llm_request` hooks may edit every part of it. */
export interface LLMRequest {
  systemPrompt: Prompt[];
  messages: ChatTurn[];
  tools: ToolSet;
  toolChoice: 'auto' | 'none' | 'required' | { name: string };
}

export interface LLMResponse {
  text: string;
  toolCalls: ToolCall[];
  usage?: { promptTokens: number; completionTokens: number };
  model?: string;
}

/** Segments that leave as one message. */
export type MessageChain = Segment[];

/** `tool_result`: one tool call and what it returned. */
export interface ToolCallResult {
  call: ToolCall;
  result: ToolResult;
  isError: boolean;
}

/** `step_result`: one round of the agent loop. */
export interface StepResult {
  step: number;
  response: LLMResponse;
  chains: MessageChain[];
}
