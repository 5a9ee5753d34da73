import type { Logger } from 'pino';
import { toError } from '../errors/index.js';
import type { ChatKey } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ChatTurn, MessageChain, TagSet } from './llm.js';
import { loggableFailure, type ChatProvider } from './provider.js';
import type { ReplyFormat } from './reply-format.js';

export interface ReadReplyInput {
  text: string;
  tags: TagSet;
  format: ReplyFormat;
  provider: ChatProvider;
  /** The system message and conversation that produced `text`: the repair round continues it. */
  system: string;
  messages: ChatTurn[];
  chatKey: ChatKey;
  signal: AbortSignal;
  log: Logger;
  metrics: Metrics;
}

export interface ReadReply {
  chains: MessageChain[];
  /** The text the chains came from: the repaired one when a repair was needed. */
  text: string;
  /** How the reply was read. */
  via: 'parsed' | 'repaired' | 'fallback';
}

function repairPrompt(error: string): string {
  return [
    '<system_reminder>',
    `Your last reply could not be read: ${error}.`,
    'Write the same reply again, correctly formatted. Change nothing of its content, add nothing, and do not call tools.',
    '</system_reminder>',
  ].join('\n');
}

/**
 * The model's text as message chains. A reply that cannot be read gets one repair round by the model
 * (KiraAI's repair hook, §2.6); if that fails too, the original text is sent as plain text: a garbled
 * reply is better than silence.
 */
export async function readReply(raw: ReadReplyInput): Promise<ReadReply> {
  const input = { ...raw, text: withoutReasoning(raw.text) };
  const { format, tags, log, metrics } = input;
  if (input.text.trim() === '') return { chains: [], text: input.text, via: 'parsed' };
  const ctx = { chatKey: input.chatKey, log, metrics };
  const first = await format.parse(input.text, tags, ctx);
  if (first.ok) return { chains: first.reply.silent ? [] : first.reply.chains, text: input.text, via: 'parsed' };

  metrics.count('agent_reply_repairs_total', {});
  log.warn({ error: first.error }, 'the model reply could not be read; asking the model to repair it once');
  try {
    const repaired = await input.provider.complete({
      system: input.system,
      messages: [...input.messages, { role: 'assistant', content: input.text }, { role: 'user', content: repairPrompt(first.error) }],
      tools: [],
      toolChoice: 'none',
      signal: input.signal,
    });
    const second = await format.parse(repaired.text, tags, ctx);
    if (second.ok) return { chains: second.reply.silent ? [] : second.reply.chains, text: repaired.text, via: 'repaired' };
    log.warn({ error: second.error }, 'the repaired reply could not be read either; sending the text as plain text');
  } catch (err) {
    if (input.signal.aborted) throw err;
    log.warn({ err: loggableFailure(toError(err)) }, 'the repair round failed; sending the text as plain text');
  }
  metrics.count('agent_reply_fallbacks_total', {});
  return { chains: format.fallback(input.text).chains, text: input.text, via: 'fallback' };
}

/**
 * Reasoning models served as plain chat models (DeepSeek-R1 or QwQ on Ollama, vLLM) put their thinking in
 * the reply as `<think>…</think>`: it is for nobody to read, may hold any markup, and must not be sent, even
 * as a fallback. An unclosed one (a reply cut off by the token limit) is dropped to the end.
 */
export function withoutReasoning(text: string): string {
  return text.replace(/<(think|thinking|reasoning)>[\s\S]*?(<\/\1>|$)/giu, '').trim();
}

/**
 * Writes each sent message's platform id on its `<msg>` (KiraAI's history copy), so the model can later
 * `<reply>` to or speak about its own messages. Only when every chain came from one `<msg>`, in order: with
 * root tags in between the pairing would be guesswork.
 */
export function withMessageIds(text: string, format: ReplyFormat['name'], ids: readonly (string | undefined)[]): string {
  if (format !== 'xml' || ids.length === 0) return text;
  const opening = /<msg(?=[\s>])/gu;
  const count = text.match(opening)?.length ?? 0;
  if (count !== ids.length) return text;
  let n = 0;
  return text.replace(opening, (tag) => {
    const id = ids[n++];
    return id ? `${tag} message_id="${id.replace(/"/g, '')}"` : tag;
  });
}
