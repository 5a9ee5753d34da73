import type { Batch } from '../message/index.js';
import type { AgentSettings } from './agent-settings.js';
import { renderBatch, renderRecentChat, UNTRUSTED_RULE, type ChatLine } from './chat-render.js';
import type { ChatTurn, ContentPart, LLMRequest, ToolSet } from './llm.js';
import type { Prompt } from './prompt.js';

export interface RequestParts {
  settings: AgentSettings;
  batch: Batch;
  /** Remembered turns, oldest first. */
  history: ChatTurn[];
  /** What the chat said since the last run that was not addressed to the bot. */
  recent?: readonly ChatLine[];
  tools: ToolSet;
  /** Plugin prompt injections (already named `plugin:<key>:<name>`). */
  injections: Prompt[];
  now?: number;
}

/**
 * The request before `llm_request` hooks: the stable system sections, the run's context sections, the
 * remembered turns and the new user turn. The `format` section is added after the hooks, from the final
 * tag set (see `AgentRunner`).
 */
export function buildRequest(parts: RequestParts): LLMRequest {
  const { settings, batch } = parts;
  const first = batch.messages[0];
  const systemPrompt: Prompt[] = [
    { name: 'role', content: settings.persona, source: 'core' },
    { name: 'safety', content: UNTRUSTED_RULE, source: 'core' },
  ];
  const chat: string[] = [
    `Current time: ${new Date(parts.now ?? Date.now()).toISOString()}`,
    `Platform: ${first?.adapter ?? 'unknown'}; chat type: ${first?.chatType ?? 'unknown'}; chat: ${batch.chatKey}`,
  ];
  const context: Prompt[] = [{ name: 'chat', content: chat.join('\n'), source: 'core' }, ...parts.injections];
  const userTurn: ChatTurn = { role: 'user', content: renderRecentChat(parts.recent ?? []) + renderBatch(batch.messages) };
  return {
    systemPrompt,
    context,
    messages: [...parts.history, userTurn],
    tools: parts.tools,
    toolChoice: 'auto',
  };
}

/** The system message: every section in order, blank lines between. */
export function systemText(prompts: readonly Prompt[]): string {
  return prompts
    .map((p) => p.content.trim())
    .filter((c) => c !== '')
    .join('\n\n');
}

/**
 * The context sections at the head of the run's user turn (the last user turn of the request): the
 * plugin injections in Nekro's `<plugin_runtime_context>` wrapper, the rest as they are, all in one
 * `<system_reminder>`.
 */
export function withContext(messages: readonly ChatTurn[], context: readonly Prompt[]): ChatTurn[] {
  const sections = context.filter((p) => p.content.trim() !== '').map(contextSection);
  if (sections.length === 0) return [...messages];
  const reminder = `<system_reminder>\n${sections.join('\n')}\n</system_reminder>\n`;
  let at = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      at = i;
      break;
    }
  }
  if (at < 0) return [...messages, { role: 'user', content: reminder }];
  const turn = messages[at]!;
  const content: string | ContentPart[] =
    typeof turn.content === 'string' ? reminder + turn.content : [{ type: 'text', text: reminder }, ...turn.content];
  return [...messages.slice(0, at), { ...turn, content }, ...messages.slice(at + 1)];
}

function contextSection(p: Prompt): string {
  const plugin = /^plugin:(.+?):(.+)$/u.exec(p.name);
  if (plugin) return `<plugin_runtime_context name="${plugin[2]}" plugin="${plugin[1]}">\n${p.content.trim()}\n</plugin_runtime_context>`;
  return p.content.trim();
}
