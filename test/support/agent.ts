import type { MessageChain } from '../../core/agent/index.js';
import { createInboundMessage } from '../../core/message/index.js';
import type { AppOptions } from '../../core/runtime/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../peers/openai/index.js';
import { startChat } from './chat.js';
import { until } from './messages.js';

let n = 0;

/**
 * An app whose agent talks to a fake OpenAI-compatible server, with a recording adapter. `ask` sends one
 * message and resolves when the agent's run for it has finished, with the texts the bot sent meanwhile.
 */
export async function startAgentChat(env: Record<string, string> = {}, options: AppOptions = {}) {
  const fake = await startFakeOpenAI();
  const chat = await startChat(
    { LLM_BASE_URL: fake.url, LLM_MODEL: 'main-model', LLM_API_KEY: 'sk-test', LLM_MAX_RETRIES: '0', LLM_TIMEOUT_MS: '5000', DEBOUNCE_MS: '10', ...env },
    options,
  );
  const finals: MessageChain[][] = [];
  chat.app.hooks.on('final_result', (_e, chains) => void finals.push(chains), { priority: -1000 });

  const ask = async (text: string, o: { user?: string; chat?: string; chatType?: 'private' | 'group'; id?: string } = {}): Promise<string[]> => {
    const chatType = o.chatType ?? 'private';
    const chatKey = `test-${chatType}_${o.chat ?? 'c1'}`;
    const before = chat.adapter.sent.length;
    const runs = finals.length;
    await chat.app.ingest(
      createInboundMessage({
        adapter: 'test', botId: 'bot', chatType, chatId: o.chat ?? 'c1', userId: o.user ?? 'u1', userName: o.user ?? 'u1',
        segments: [{ type: 'text', text }], messageId: o.id ?? `m${++n}`, toMe: true,
      }),
    );
    await until(() => finals.length > runs, 'the agent run to finish');
    return chat.adapter.sent.slice(before).filter((s) => s.chatKey === chatKey).map((s) => s.text);
  };

  const stop = async (): Promise<void> => {
    await chat.app.stop();
    await fake.close();
  };
  return { ...chat, fake, ask, finals, stop };
}

/** The text of a request message's content, whichever form it has. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p: { text?: string }) => p.text ?? '').join('');
  return '';
}

export type { FakeOpenAI };
