import type { Logger } from 'pino';
import type { Batch, ChatKey, Segment } from '../message/index.js';

/** What a session handler gets besides the batch. */
export interface SessionContext {
  readonly chatKey: ChatKey;
  /** Aborted when the chat is reset while the batch is being handled: stop work and send nothing more. */
  readonly signal: AbortSignal;
  /**
   * Sends a reply to the chat through its adapter and records it in history. Resolves the platform's
   * message id when it gives one; `undefined` when the batch was aborted (nothing sent).
   */
  reply(segments: Segment[] | string): Promise<{ messageId?: string | undefined } | undefined>;
  readonly log: Logger;
}

/**
 * Turns a batch into the bot's answer. The agent plugs in here; without one the default handler logs
 * the batch. It is never called twice at once for the same chat.
 */
export type SessionHandler = (batch: Batch, ctx: SessionContext) => Promise<unknown>;

/** The handler used until an agent is configured: it logs each batch so the pipeline can be watched. */
export const logBatch: SessionHandler = async (batch, ctx) => {
  ctx.log.info(
    { size: batch.messages.length, reason: batch.reason, texts: batch.messages.map((m) => m.text) },
    `batch of ${batch.messages.length} from ${batch.chatKey} (${batch.reason})`,
  );
};
