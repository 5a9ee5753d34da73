import type { Logger } from 'pino';
import { isUnavailable, toError } from '../errors/index.js';
import type { Batch, BatchLane, ChatKey, Segment } from '../message/index.js';
import type { Metrics, Observer } from '../metrics/index.js';
import { replyKey } from './reply-key.js';
import type { SessionContext, SessionHandler } from './session-handler.js';

export interface SessionDeps {
  handler: SessionHandler;
  /** `key`: the reply's idempotency key (see `replyKey`): a reply with a key already sent is not sent again. */
  send: (chatKey: ChatKey, segments: Segment[], key: string) => Promise<{ messageId?: string | undefined } | void>;
  log: Logger;
  metrics: Metrics;
  /**
   * Forget a chat that has had no batch for this long (`CHAT_STATE_IDLE_MS`); 0 keeps every chat. What is
   * forgotten is which batches were applied: redeliveries come within seconds of the first delivery (a lost
   * ack, a lease that lapsed), far inside this window, and the buffer drivers number a returning chat on.
   */
  idleEvictMs?: number;
}

interface ChatSession {
  /** Highest sequence number applied, per lane: a batch delivered again is recognised and skipped. */
  applied: Record<BatchLane, number>;
  current: Abortable | undefined;
  /** The handler's run for `current`: a reset waits for it to return. */
  work: Promise<unknown> | undefined;
  /** When this process last applied a reset of the chat: a batch released before it belongs to the old chat. */
  resetAt: number;
  touchedAt: number;
}

/**
 * The in-flight batch's abort state. The AbortController and the child logger are made only when the
 * handler asks for them: most batches never look, and both showed in ingest profiles.
 */
class Abortable {
  aborted = false;
  private controller: AbortController | undefined;
  private reason: Error | undefined;
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.aborted && !this.controller.signal.aborted) this.controller.abort(this.reason);
    return this.controller.signal;
  }
  abort(reason: Error): void {
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/**
 * Per-chat sessions. The buffer driver already hands over one batch per chat at a time, in order; the
 * session adds what must hold even when a driver delivers at least once: a batch (or its head) that was
 * already applied is skipped, so a redelivery never reaches the handler twice in this process, and each reply
 * carries a key (`replyKey`), so a batch run again elsewhere does not repeat the replies that went out.
 *
 * A handler that failed because Redis or a gateway could not be reached (`isUnavailable`) did not finish:
 * the batch is not applied and the error goes to the driver, which runs the batch again. Other errors (a
 * plugin bug, a model error) are logged and counted, and the chat goes on with its next batch.
 */
export class SessionManager {
  private readonly sessions = new Map<ChatKey, ChatSession>();
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly replyLatency: Observer;

  constructor(private readonly deps: SessionDeps) {
    this.replyLatency = deps.metrics.histogram('reply_latency_seconds', {
      help: 'From the ingest of a batch’s last message to the batch’s first reply being sent (the debounce window included).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120],
    });
    const idleMs = deps.idleEvictMs ?? 0;
    if (idleMs > 0) {
      this.sweeper = setInterval(() => this.evictIdle(Date.now() - idleMs), Math.min(60_000, Math.max(10, Math.floor(idleMs / 2))));
      this.sweeper.unref();
    }
  }

  /** Chats with a session held in memory. */
  get chatsHeld(): number {
    return this.sessions.size;
  }

  /** Stops forgetting idle chats (the app is stopping). */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async handle(batch: Batch): Promise<void> {
    const session = this.session(batch.chatKey);
    const fresh = skipApplied(batch, session.applied[batch.lane]);
    if (!fresh) {
      this.deps.metrics.count('batches_redelivered_total', {});
      return;
    }
    // Taken from the buffer before the reset, but not yet here (waiting for a slot, or in im_batch_message
    // hooks): the reset cleared what it answers, so it is not answered. (`releasedAt` is this process's clock, in
    // ms: a batch released in the reset's own millisecond counts as before it, as do the messages pushed between
    // the buffer's clear and this part of the reset.)
    if (batch.releasedAt <= session.resetAt) {
      this.deps.metrics.count('batches_reset_total', {});
      return;
    }
    const controller = new Abortable();
    session.current = controller;
    let log: Logger | undefined;
    const parentLog = this.deps.log;
    // Replies are counted from the first message delivered, so that a head skipped here keeps its keys' places.
    let replies = batch.messages.length - fresh.messages.length;
    const ctx: SessionContext = {
      chatKey: batch.chatKey,
      get signal() {
        return controller.signal;
      },
      get log() {
        return (log ??= parentLog.child({ chatKey: batch.chatKey }));
      },
      reply: async (content) => {
        if (controller.aborted) return undefined;
        const segments: Segment[] = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
        const first = replies === batch.messages.length - fresh.messages.length;
        const sent = (await this.deps.send(batch.chatKey, segments, replyKey(batch, replies++))) ?? {};
        if (first) this.replyLatency.observe(Math.max(0, Date.now() - batch.pushedAt[batch.pushedAt.length - 1]!) / 1000);
        return sent;
      },
    };
    let unfinished = false;
    try {
      await (session.work = this.deps.handler(fresh, ctx));
      this.deps.metrics.count('batches_handled_total', {});
    } catch (thrown) {
      // The driver counts, logs and runs the batch again.
      if ((unfinished = isUnavailable(thrown))) throw thrown;
      this.deps.metrics.count('batch_errors_total', {});
      ctx.log.error({ err: toError(thrown) }, 'session handler failed on a batch; the chat goes on with the next one');
    } finally {
      if (!unfinished) session.applied[batch.lane] = Math.max(session.applied[batch.lane], batch.lastSeq);
      session.touchedAt = Date.now();
      if (session.current === controller) {
        session.current = undefined;
        session.work = undefined;
      }
    }
  }

  /**
   * Aborts the batch the chat is handling, if any, and resolves once its handler has returned, so that nothing
   * of that run (a reply, its memory) happens afterwards; a batch released before now and not yet started is
   * skipped when it arrives. Sequence numbers are kept: they outlive a reset.
   */
  async abort(chatKey: ChatKey, reason: string): Promise<boolean> {
    const session = this.session(chatKey);
    session.resetAt = session.touchedAt = Date.now();
    const current = session.current;
    if (!current) return false;
    current.abort(new Error(reason));
    await session.work?.then(settled, settled);
    return true;
  }

  private session(chatKey: ChatKey): ChatSession {
    let s = this.sessions.get(chatKey);
    if (!s) {
      s = { applied: { buffered: 0, triggered: 0 }, current: undefined, work: undefined, resetAt: 0, touchedAt: Date.now() };
      this.sessions.set(chatKey, s);
    }
    return s;
  }

  private evictIdle(before: number): void {
    let evicted = 0;
    for (const [chatKey, s] of this.sessions) {
      if (s.current || s.touchedAt > before) continue;
      this.sessions.delete(chatKey);
      evicted++;
    }
    if (evicted > 0) this.deps.metrics.count('chat_state_evicted_total', { part: 'session' }, evicted);
  }
}

function settled(): void {}

/** The part of `batch` not yet applied, or undefined when all of it was. */
function skipApplied(batch: Batch, applied: number): Batch | undefined {
  if (batch.lastSeq <= applied) return undefined;
  if (batch.firstSeq > applied) return batch;
  const skip = applied - batch.firstSeq + 1;
  return { ...batch, firstSeq: applied + 1, messages: batch.messages.slice(skip), pushedAt: batch.pushedAt.slice(skip) };
}
