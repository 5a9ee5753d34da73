import path from 'node:path';
import type { Logger } from 'pino';
import {
  AgentMemory, AgentRunner, builtinTags, OpenAIProvider, textReplyFormat, xmlReplyFormat,
  type AgentSettings, type ChatProvider, type HostLookup, type Prompt, type TagDefinition, type TagSet, type ToolDefinition, type ToolSet,
} from '../agent/index.js';
import { langFromCode, type CommandService } from '../command/index.js';
import type { HookRegistry } from '../hooks/index.js';
import type { Batch, ChatKey, SegmentType } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import { OutboundHttp } from '../net/index.js';
import type { PluginManager } from '../plugin/index.js';
import type { ChatHistory, SessionHandler } from '../session/index.js';
import type { HistoryEntry, Store } from '../store/index.js';
import type { Config } from './config.js';

export interface AgentWiring {
  config: Config;
  log: Logger;
  metrics: Metrics;
  hooks: HookRegistry;
  store: Store;
  /** Where the agent's system notes are recorded (the store's history is only read here). */
  history: ChatHistory;
  tools: ToolSet;
  tags: TagSet;
  plugins: PluginManager;
  commands: CommandService;
  /** The segment types a running adapter can send; `undefined` when this process does not hold it (a worker). */
  segmentTypes(adapter: string): readonly SegmentType[] | undefined;
  /** Replaces the OpenAI-compatible provider (tests, other APIs). */
  provider?: ChatProvider | undefined;
  /** Resolves URL host names for the private-address check of media tags; default `dns.lookup`. */
  lookup?: HostLookup | undefined;
}

/** The agent with the framework plugged in: plugin methods and prompt injections, exported commands, memory. */
export function createAgent(w: AgentWiring): AgentRunner | undefined {
  const llm = w.config.llm;
  if (!llm && !w.provider) return undefined;
  const settings: AgentSettings = { ...w.config.agent, dataDir: path.resolve(w.config.dataDir) };
  const provider = w.provider ?? new OpenAIProvider({ ...llm!, log: w.log, metrics: w.metrics, fetch: llmFetch(w.config, w.log) });
  const memory = new AgentMemory({ kv: w.store.kv, maxChunks: settings.historyTurns, log: w.log, metrics: w.metrics });
  return new AgentRunner({
    provider, memory, settings, hooks: w.hooks, log: w.log, metrics: w.metrics,
    format: settings.replyFormat === 'text' ? textReplyFormat : xmlReplyFormat,
    sources: {
      tools: w.tools,
      tags: w.tags,
      chatTools: async (batch) => {
        const last = batch.messages[batch.messages.length - 1];
        const ctx = w.plugins.chatContext(batch.chatKey, last);
        const lang = langFromCode(last?.language) ?? w.commands.defaultLang;
        const methods: ToolDefinition[] = await w.plugins.agentTools(ctx);
        return [...methods, ...w.commands.agentTools(batch.chatKey, lang)];
      },
      recentChat: async (batch, since) => {
        if (settings.contextMessages === 0) return [];
        const inBatch = new Set(batch.messages.map((m) => m.messageId));
        const entries = await w.store.history.recent(batch.chatKey, settings.contextMessages + batch.messages.length);
        // Newest first, back to the bot's last word or the last run: older lines are in the agent's memory.
        const lines: HistoryEntry[] = [];
        for (let i = entries.length - 1; i >= 0; i--) {
          const e = entries[i]!;
          if (e.role === 'bot' || e.time <= since) break;
          if (!inBatch.has(e.messageId)) lines.unshift(e);
        }
        return lines.slice(-settings.contextMessages);
      },
      promptInjections: async (batch: Batch): Promise<Prompt[]> => {
        const ctx = w.plugins.chatContext(batch.chatKey, batch.messages[batch.messages.length - 1]);
        const found = await w.plugins.promptInjections(ctx);
        return found.map((i) => ({ name: `plugin:${i.pluginKey}:${i.name}`, content: i.text, source: i.pluginKey }));
      },
      builtinTags: (adapter): TagDefinition[] => {
        const types = w.segmentTypes(adapter);
        return builtinTags({
          dataDir: settings.dataDir, allowAbsolutePaths: settings.allowAbsolutePaths, allowPrivateUrls: settings.allowPrivateUrls,
          allowMentionAll: settings.allowMentionAll, lookup: w.lookup, ...(types ? { supported: new Set(types) } : {}),
        });
      },
      recordSystemNote: (chatKey: ChatKey, text: string) => {
        w.history.record({ kind: 'note', chatKey, text });
      },
    },
  });
}

/** The LLM client's fetch through the configured proxy (`HTTPS_PROXY`, …); undefined: the global fetch, direct. */
function llmFetch(config: Config, log: Logger): typeof fetch | undefined {
  if (!config.proxy) return undefined;
  const http = new OutboundHttp(config.proxy);
  log.info({ proxy: http.describe() }, `LLM requests to ${config.llm!.baseUrl} use the proxy settings: ${http.describe()}`);
  return http.fetch;
}

/** The session handler that answers through the agent. */
export function agentSessionHandler(agent: AgentRunner): SessionHandler {
  return (batch, ctx) => agent.run(batch, { signal: ctx.signal, log: ctx.log, send: (segments) => ctx.reply(segments) });
}

/** Without a model the batches are only recorded; say once how to change that. */
export function unansweredHandler(log: Logger, fallback: SessionHandler): SessionHandler {
  let told = false;
  return async (batch, ctx) => {
    if (!told) {
      told = true;
      log.info('no language model is configured, so batches are recorded but not answered: set LLM_MODEL (and LLM_BASE_URL, LLM_API_KEY) to let the bot reply; see docs/agent.md');
    }
    return fallback(batch, ctx);
  };
}
