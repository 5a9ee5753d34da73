import { escapeUntrusted } from './chat-render.js';
import type { ChatTurn, ContentPart, ToolCallResult } from './llm.js';
import { clipped } from './text-clip.js';
import { toolResultText } from './tool-result-text.js';

export interface StepTurnsInput {
  /** The assistant text as remembered (read reply, with message ids). */
  text: string;
  results: readonly ToolCallResult[];
  dataDir: string;
}

/**
 * A step as conversation turns: the assistant turn with its tool calls, one tool turn per call (the API
 * wants an answer for every call), and for MULTIMODAL_AGENT methods a user turn carrying the result with
 * its images (Nekro hands that result back as a user message, §1.6).
 */
export function stepTurns({ text, results, dataDir }: StepTurnsInput): ChatTurn[] {
  if (text.trim() === '' && results.length === 0) return [];
  const turns: ChatTurn[] = [{ role: 'assistant', content: text, ...(results.length > 0 ? { toolCalls: results.map((r) => r.call) } : {}) }];
  const multimodal: ContentPart[] = [];
  for (const r of results) {
    if (r.kind === 'multimodal_agent' && !r.notice) {
      turns.push({ role: 'tool', toolCallId: r.call.id, content: `The result of ${r.call.name} follows as the next user message.` });
      multimodal.push({ type: 'text', text: `<agent_result method="${r.call.name}">${escapeUntrusted(clipped(r.result.text))}</agent_result>` });
      for (const a of r.result.attachments) {
        if (a.type === 'image' && a.url && /^(https?:|data:)/u.test(a.url)) multimodal.push({ type: 'image_url', url: a.url });
      }
    } else {
      turns.push({ role: 'tool', toolCallId: r.call.id, content: clipped(toolResultText(r.result, dataDir)) });
    }
  }
  if (multimodal.length > 0) turns.push({ role: 'user', content: multimodal });
  return turns;
}

