import type { Logger } from 'pino';
import type { Segment } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { MessageChain } from './llm.js';

export interface ReplyGuardOptions {
  /** Characters of text the run may send; the text that crosses it is cut and ends with "…". */
  maxChars: number;
  /** Messages the run may send. */
  maxMessages: number;
  /** Whether mentions of everybody may go out. */
  allowMentionAll: boolean;
  log: Logger;
  metrics: Metrics;
}

const CUT_MARK = '…';
/** `at` targets that ping a whole chat: OneBot's `all`, and the Discord-style names. */
const EVERYONE = new Set(['all', 'everyone', 'here']);
/**
 * `@everyone` / `@here` written as text ping everybody on Discord and on bridges that turn them into
 * mentions; a zero-width space after the @ keeps them readable and stops the ping (discord.js's
 * `cleanContent` does the same).
 */
const EVERYONE_TEXT = /@(everyone|here)\b/giu;

/**
 * What one run may send of the model's output, whatever the model (or a plugin tag) produced: at most
 * `maxMessages` messages and `maxChars` characters of text, and no mention of everybody unless allowed.
 * Over a cap the run sends nothing more; that is logged and counted once per run
 * (`agent_reply_capped_total{cap}`). Each neutralised mention is counted (`agent_mentions_neutralised_total{kind}`),
 * logged once per run.
 *
 * @example
 * const guard = new ReplyGuard({ maxChars: 6000, maxMessages: 10, allowMentionAll: false, log, metrics });
 * await send(guard.admit(chains));
 */
export class ReplyGuard {
  private chars = 0;
  private messages = 0;
  private capped: 'chars' | 'messages' | undefined;
  private mentionsLogged = false;

  constructor(private readonly opts: ReplyGuardOptions) {}

  /** The part of `chains` that may still go out in this run. */
  admit(chains: readonly MessageChain[]): MessageChain[] {
    const out: MessageChain[] = [];
    for (const chain of chains) {
      if (this.capped) break;
      if (this.messages >= this.opts.maxMessages) {
        this.cap('messages');
        break;
      }
      const kept = this.fit(this.opts.allowMentionAll ? chain : this.neutralise(chain));
      if (kept.length === 0) continue;
      out.push(kept);
      this.messages++;
    }
    return out;
  }

  private fit(chain: MessageChain): MessageChain {
    const kept: Segment[] = [];
    for (const segment of chain) {
      if (segment.type !== 'text') {
        kept.push(segment);
        continue;
      }
      const chars = [...segment.text];
      const room = this.opts.maxChars - this.chars;
      if (chars.length <= room) {
        kept.push(segment);
        this.chars += chars.length;
        continue;
      }
      // Cut by code points, so that no emoji is split in half.
      if (room > 0) kept.push({ ...segment, text: chars.slice(0, room - 1).join('') + CUT_MARK });
      this.chars = this.opts.maxChars;
      this.cap('chars');
      break;
    }
    return kept;
  }

  private neutralise(chain: MessageChain): MessageChain {
    const out: Segment[] = [];
    for (const segment of chain) {
      if (segment.type === 'at' && EVERYONE.has(segment.userId.toLowerCase())) {
        this.mentionNeutralised('at');
        continue;
      }
      if (segment.type === 'text') {
        const text = segment.text.replace(EVERYONE_TEXT, (_m, who: string) => {
          this.mentionNeutralised('text');
          return `@\u200B${who}`;
        });
        out.push(text === segment.text ? segment : { ...segment, text });
        continue;
      }
      out.push(segment);
    }
    return out;
  }

  private mentionNeutralised(kind: 'at' | 'text'): void {
    this.opts.metrics.count('agent_mentions_neutralised_total', { kind });
    if (this.mentionsLogged) return;
    this.mentionsLogged = true;
    this.opts.log.warn({ kind }, 'the reply mentioned everybody; the mention was neutralised (AGENT_ALLOW_MENTION_ALL=1 allows it)');
  }

  private cap(cap: 'chars' | 'messages'): void {
    this.capped = cap;
    this.opts.metrics.count('agent_reply_capped_total', { cap });
    const { maxChars, maxMessages } = this.opts;
    const setting = cap === 'chars' ? `AGENT_MAX_REPLY_CHARS (${maxChars})` : `AGENT_MAX_MESSAGES_PER_RUN (${maxMessages})`;
    this.opts.log.warn({ cap, maxChars, maxMessages }, `the reply went over ${setting}: it was cut and the rest of the run sends nothing more`);
  }
}
