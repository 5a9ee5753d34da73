import type { ChatProvider, LLMResponse, ProviderCall } from '../agent/index.js';

/** One answer of a scripted model: a reply text, or a call of one of the agent's tools. */
export type ScriptedAnswer = string | { tool: string; args?: Record<string, unknown>; text?: string };

/**
 * A chat model that answers from a script, for testing tools and prompts without a provider: each call takes
 * the next answer; once the script is used up it answers `done`. `calls` keeps what the agent asked, so a test
 * can look at the system prompt, the turns and the tools offered.
 * @example
 * const model = scriptedModel([{ tool: 'me.weather.forecast', args: { city: 'Paris' } }, 'Sunny in Paris.']);
 * const chat = await startChat(plugin, { model });
 */
export interface ScriptedModel extends ChatProvider {
  readonly calls: ProviderCall[];
}

export function scriptedModel(script: readonly ScriptedAnswer[]): ScriptedModel {
  const queue = [...script];
  const calls: ProviderCall[] = [];
  let n = 0;
  return {
    models: ['scripted'],
    calls,
    async complete(call: ProviderCall): Promise<LLMResponse> {
      calls.push(call);
      const answer = queue.shift() ?? 'done';
      if (typeof answer === 'string') return { text: answer, toolCalls: [], model: 'scripted', finishReason: 'stop' };
      const id = `call_${++n}`;
      return { text: answer.text ?? '', toolCalls: [{ id, name: answer.tool, arguments: JSON.stringify(answer.args ?? {}) }], model: 'scripted', finishReason: 'tool_calls' };
    },
  };
}
