import type { BatchEvent } from '../hooks/index.js';
import type { LLMRequest, LLMResponse, MessageChain, StepResult, TagSet, ToolCallResult } from './llm.js';

/**
 * The agent's hook events, added to the registry's list by declaration merging (Koishi's way): `core/hooks`
 * knows nothing of the agent, and `plugin.on('llm_request', …)` is typed as soon as the agent is part of the
 * program. Each receives the batch being answered first.
 */
declare module '../hooks/events.js' {
  interface HookEvents {
    /** The request is built; edit it, or add tools (`request.tools.add`) and tags (`tagSet.add`) for this run. */
    llm_request: (event: BatchEvent, request: LLMRequest, tagSet: TagSet) => unknown;
    /** The model answered one step. */
    llm_response: (event: BatchEvent, response: LLMResponse) => unknown;
    /** The reply was read into message chains, before they are sent. */
    after_xml_parse: (event: BatchEvent, chains: MessageChain[]) => unknown;
    /** A tool call returned. */
    tool_result: (event: BatchEvent, result: ToolCallResult) => unknown;
    /** A step ended (its chains sent, its tools run). */
    step_result: (event: BatchEvent, step: StepResult) => unknown;
    /** The run ended; `chains` is everything it sent. Fired once per run. */
    final_result: (event: BatchEvent, chains: MessageChain[]) => unknown;
  }
}
