import type { ChatTurn } from './llm.js';

// CJK, kana and hangul take about one token a character; other text about four characters a token.
const WIDE = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/gu;
/** What an image part costs at the providers' low-detail rate. */
const IMAGE_TOKENS = 85;
const PER_TURN = 4;

/** A cheap token estimate of a text: close enough to bound history, with no tokenizer to ship. */
export function estimateTokens(text: string): number {
  const wide = text.match(WIDE)?.length ?? 0;
  return wide + Math.ceil((text.length - wide) / 4);
}

/** The estimated tokens of turns, tool calls included. */
export function estimateTurnTokens(turns: readonly ChatTurn[]): number {
  let total = 0;
  for (const turn of turns) {
    total += PER_TURN;
    if (typeof turn.content === 'string') total += estimateTokens(turn.content);
    else for (const part of turn.content) total += part.type === 'text' ? estimateTokens(part.text) : IMAGE_TOKENS;
    for (const call of turn.toolCalls ?? []) total += estimateTokens(call.name) + estimateTokens(call.arguments);
  }
  return total;
}
