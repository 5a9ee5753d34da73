import type { Logger } from 'pino';
import type { ChatKey } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { KVStore } from '../store/index.js';
import type { ChatTurn, ContentPart } from './llm.js';
import { estimateTurnTokens } from './token-estimate.js';

/** One run of the agent: the user turn, then the assistant and tool turns it produced. */
export interface MemoryChunk {
  time: number;
  turns: ChatTurn[];
}

/** A chat's memory as a run starts: what fits the token budget, when the last run ended, every chunk. */
export interface Recalled {
  turns: ChatTurn[];
  lastRunAt: number;
  chunks: readonly MemoryChunk[];
}

export interface AgentMemoryOptions {
  kv: KVStore;
  /** Runs kept per chat; older ones are forgotten. */
  maxChunks: number;
  log: Logger;
  metrics: Metrics;
}

const KEY = { pluginKey: '__agent__', key: 'memory' } as const;
/** Inline images are not kept: a base64 payload in every later request is how memory blows up. */
const INLINE_IMAGE = /^data:/u;

/**
 * What the agent remembers of a chat, as whole runs (KiraAI's memory chunks), in the KV store so that
 * every worker sees it. Whole runs are kept or dropped together: a tool turn never loses the assistant
 * turn that called it. One run per chat at a time (the session queue), so read-modify-write is safe.
 */
export class AgentMemory {
  constructor(private readonly options: AgentMemoryOptions) {}

  async load(chatKey: ChatKey): Promise<MemoryChunk[]> {
    const raw = await this.options.kv.get({ ...KEY, chatKey });
    if (!raw) return [];
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (Array.isArray(parsed)) return parsed as MemoryChunk[];
    } catch {
      // Reported below.
    }
    // A corrupt entry must not stop the chat: start over, the history store still has the messages.
    this.options.metrics.count('agent_memory_corrupt_total', {});
    this.options.log.warn({ chatKey }, 'the agent memory of this chat could not be read; the chat starts over with the model');
    return [];
  }

  /**
   * The newest chunks whose estimated size fits `tokenBudget`, oldest first, and when the last run ended
   * (0 for none): what the chat said after that is new to the model.
   */
  async recall(chatKey: ChatKey, tokenBudget: number): Promise<Recalled> {
    const chunks = await this.load(chatKey);
    const kept: MemoryChunk[] = [];
    let used = 0;
    for (let i = chunks.length - 1; i >= 0; i--) {
      const cost = estimateTurnTokens(chunks[i]!.turns);
      if (used + cost > tokenBudget) break;
      used += cost;
      kept.unshift(chunks[i]!);
    }
    return { turns: kept.flatMap((c) => c.turns), lastRunAt: chunks[chunks.length - 1]?.time ?? 0, chunks };
  }

  /**
   * Adds a run to what `recall` returned for the chat (read once per run: one run per chat at a time, so
   * nothing changed it meanwhile but a reset, which the caller checks for).
   */
  async append(chatKey: ChatKey, recalled: Recalled, turns: ChatTurn[], time = Date.now()): Promise<void> {
    if (turns.length === 0) return;
    const kept = [...recalled.chunks, { time, turns: turns.map(withoutInlineImages) }].slice(-this.options.maxChunks);
    await this.options.kv.set({ ...KEY, chatKey }, JSON.stringify(kept));
  }

  /** Forgets the chat (channel reset). */
  async clear(chatKey: ChatKey): Promise<void> {
    await forgetAgentMemory(this.options.kv, chatKey);
  }
}

/**
 * Deletes what the agent remembers of a chat. A channel reset calls it on whichever process resets, with or
 * without a model configured there: the memory is in the shared store, written by the workers.
 */
export async function forgetAgentMemory(kv: KVStore, chatKey: ChatKey): Promise<void> {
  await kv.delete({ ...KEY, chatKey });
}

function withoutInlineImages(turn: ChatTurn): ChatTurn {
  if (typeof turn.content === 'string') return turn;
  const content: ContentPart[] = turn.content.map((p) => (p.type === 'image_url' && INLINE_IMAGE.test(p.url) ? { type: 'text', text: '[image]' } : p));
  return { ...turn, content };
}
