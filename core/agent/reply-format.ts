import type { Logger } from 'pino';
import { NekomataError, type ErrorCode } from '../errors/index.js';
import type { ChatKey } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { MessageChain, TagSet } from './llm.js';

/** What the model's reply turned into. */
export interface ParsedReply {
  /** One per outgoing message, in order. */
  chains: MessageChain[];
  /** Nothing to send: the model chose silence (`<msg/>` alone, or an empty reply), or every element was dropped. */
  silent: boolean;
  /** Elements left out: unknown tag, handler threw, bad path… `tag` is `#text` for stray text. */
  dropped: { tag: string; reason: string }[];
}

/** `ok: false` means the reply could not be read at all: the loop may ask the model for one repair. */
export type ReplyParse = { ok: true; reply: ParsedReply } | { ok: false; error: string };

/** Where a reply is parsed; tag handlers get the chat key. */
export interface ReplyContext {
  chatKey: ChatKey;
  log: Logger;
  /** When given, every dropped element is counted as `agent_reply_dropped_total{cause}`. */
  metrics?: Metrics | undefined;
}

/**
 * How the model is asked to write its reply and how that reply becomes messages: the XML protocol of
 * KiraAI (seed-systems §2.6) or plain text for models that cannot follow it.
 */
export interface ReplyFormat {
  readonly name: 'xml' | 'text';
  /** The system prompt section that teaches the model the format, listing the tags of `tags`. */
  instructions(tags: TagSet): string;
  parse(text: string, tags: TagSet, ctx: ReplyContext): Promise<ReplyParse>;
  /** Last resort after a failed repair: the text as plain messages, markup stripped, never silent if text remains. */
  fallback(text: string): ParsedReply;
}

/**
 * A tag's value cannot become a segment (a bad id, a path outside the data directory, a type the chat
 * cannot send). Thrown by tag handlers; the parser drops that element and keeps its message as the reason.
 */
export class ReplyTagError extends NekomataError {
  constructor(readonly tag: string, reason: string, code: ErrorCode = 'REPLY_TAG_INVALID') {
    super(code, `<${tag}>: ${reason}`);
  }
}

/** Why a media tag's source was refused: the label of `agent_media_refused_total`. */
export type MediaRefusal = 'not_sendable' | 'absolute_path' | 'scheme' | 'private_address' | 'unresolved';

/**
 * A media tag named something the bot must not send or fetch: a local file outside the sendable folders
 * (the store, say), or a URL on a private address. Dropped like any tag error, but logged as an error and
 * counted on its own (`agent_media_refused_total{reason}`): it may be someone steering the model.
 */
export class MediaRefusedError extends ReplyTagError {
  constructor(tag: string, readonly reason: MediaRefusal, detail: string) {
    super(tag, detail, 'REPLY_MEDIA_REFUSED');
  }
}

/** A reply made of plain texts, one message each; silent when none has any text. */
export function plainReply(texts: readonly string[]): ParsedReply {
  const chains: MessageChain[] = texts.filter((t) => t.length > 0).map((text) => [{ type: 'text', text }]);
  return { chains, silent: chains.length === 0, dropped: [] };
}
