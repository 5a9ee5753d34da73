import type { Logger } from 'pino';
import { ClosedError, toError } from '../errors/index.js';
import type { Batch, ChatKey, InboundMessage, ReleaseReason } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import type {
  BufferDepth,
  BatchHandler,
  BufferDriver,
  BufferPolicy,
  CloseOptions,
  CloseResult,
  ConsumeOptions,
  PushMode,
  PushResult,
} from './driver.js';
import { validateBufferPolicy } from './policy.js';

interface ChatState {
  chatKey: ChatKey;
  messages: InboundMessage[];
  pushedAt: number[];
  firstAt: number;
  lastAt: number;
  timer: NodeJS.Timeout | undefined;
  bufferedSeq: number;
  triggeredSeq: number;
  /** Released batches waiting for their turn. */
  queue: Batch[];
  inFlight: Batch | undefined;
  /** Listed in the driver's ready queue. */
  ready: boolean;
  /** When the chat last pushed or finished a batch: an idle chat's state is dropped after `idleEvictMs`. */
  touchedAt: number;
}

export interface MemoryDriverDeps {
  log: Logger;
  metrics: Metrics;
  /**
   * Drop the state of a chat that has had nothing waiting or running for this long (`CHAT_STATE_IDLE_MS`);
   * 0 keeps every chat's state for the life of the process.
   */
  idleEvictMs?: number;
}

/**
 * The embedded buffer: timers and per-chat queues in one process. A chat's timer is armed once per burst
 * and re-armed lazily when it fires early, instead of being reset on every message: that keeps a busy chat
 * to one timer operation per release.
 */
export class MemoryBufferDriver implements BufferDriver {
  readonly policy: BufferPolicy;
  private readonly chats = new Map<ChatKey, ChatState>();
  private readonly readyChats: ChatState[] = [];
  private handler: BatchHandler | undefined;
  private concurrency = 1;
  private active = 0;
  private pumpScheduled = false;
  private closed = false;
  private closing: Promise<CloseResult> | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly settledWaiters: (() => void)[] = [];
  /**
   * The highest sequence number of any chat whose state was dropped. A chat that comes back numbers on from
   * here, so its new batches are never mistaken for ones already applied (sessions skip those).
   */
  private seqFloor = 0;
  private readonly sweeper: NodeJS.Timeout | undefined;

  private readonly released: Record<ReleaseReason, Counter>;

  readonly description = 'in-process';

  constructor(
    policy: BufferPolicy,
    private readonly deps: MemoryDriverDeps,
  ) {
    this.policy = validateBufferPolicy(policy);
    const idleMs = deps.idleEvictMs ?? 0;
    if (idleMs > 0) {
      this.sweeper = setInterval(() => this.evictIdle(Date.now() - idleMs), Math.min(60_000, Math.max(10, Math.floor(idleMs / 2))));
      this.sweeper.unref();
    }
    const reasons: ReleaseReason[] = ['idle', 'maxBatch', 'maxWait', 'flush', 'trigger', 'shutdown'];
    this.released = Object.fromEntries(reasons.map((r) => [r, deps.metrics.counter('buffer_released_total', { reason: r })])) as Record<ReleaseReason, Counter>;
  }

  async push(message: InboundMessage, mode: PushMode = 'buffer'): Promise<PushResult> {
    if (this.closed) throw new ClosedError('memory buffer');
    const chat = this.chat(message.chatKey);
    const now = Date.now();
    chat.touchedAt = now;
    if (mode === 'trigger') {
      const seq = ++chat.triggeredSeq;
      this.enqueue(chat, { chatKey: chat.chatKey, lane: 'triggered', firstSeq: seq, lastSeq: seq, messages: [message], reason: 'trigger', releasedAt: now, pushedAt: [now] });
      return { seq, pending: chat.messages.length };
    }
    const seq = ++chat.bufferedSeq;
    if (chat.messages.length === 0) chat.firstAt = now;
    chat.lastAt = now;
    chat.messages.push(message);
    chat.pushedAt.push(now);
    if (mode === 'flush') this.release(chat, 'flush', now);
    else if (chat.messages.length >= this.policy.maxBatch) this.release(chat, 'maxBatch', now);
    else if (chat.timer === undefined) this.arm(chat, this.dueAt(chat) - now);
    return { seq, pending: chat.messages.length };
  }

  consume(handler: BatchHandler, opts: ConsumeOptions): void {
    if (this.handler) throw new Error('MemoryBufferDriver.consume was already called: it serves one consumer');
    this.handler = handler;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency));
    this.schedulePump();
  }

  async clear(chatKey: ChatKey): Promise<number> {
    const chat = this.chats.get(chatKey);
    if (!chat) return 0;
    let dropped = chat.messages.length;
    for (const b of chat.queue) dropped += b.messages.length;
    this.disarm(chat);
    chat.messages = [];
    chat.pushedAt = [];
    chat.queue = [];
    return dropped;
  }

  close(opts: CloseOptions): Promise<CloseResult> {
    this.closing ??= this.shutdown(opts);
    return this.closing;
  }

  async depth(): Promise<BufferDepth> {
    let buffered = 0;
    let queuedBatches = 0;
    for (const chat of this.chats.values()) {
      buffered += chat.messages.length;
      queuedBatches += chat.queue.length;
    }
    return { buffered, queuedBatches, activeBatches: this.active };
  }

  private async shutdown(opts: CloseOptions): Promise<CloseResult> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const now = Date.now();
    for (const chat of this.chats.values()) if (chat.messages.length > 0) this.release(chat, 'shutdown', now);
    if (this.handler) await this.waitIdle(opts.timeoutMs);
    const unhandled: InboundMessage[] = [];
    for (const chat of this.chats.values()) {
      // An overrunning batch is reported too: at-least-once beats losing it.
      if (chat.inFlight) unhandled.push(...chat.inFlight.messages);
      for (const b of chat.queue) unhandled.push(...b.messages);
      this.disarm(chat);
      chat.queue = [];
    }
    this.readyChats.length = 0;
    return { unhandled };
  }

  private chat(chatKey: ChatKey): ChatState {
    let chat = this.chats.get(chatKey);
    if (!chat) {
      const seq = this.seqFloor;
      chat = { chatKey, messages: [], pushedAt: [], firstAt: 0, lastAt: 0, timer: undefined, bufferedSeq: seq, triggeredSeq: seq, queue: [], inFlight: undefined, ready: false, touchedAt: 0 };
      this.chats.set(chatKey, chat);
    }
    return chat;
  }

  /**
   * Resolves once nothing waits or runs: no message is buffered, no batch queued or in flight. For tests and
   * tools that drive the app message by message (`nekomata/testing`); a busy bot may never get there.
   */
  settled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private isSettled(): boolean {
    if (this.active > 0 || this.readyChats.length > 0) return false;
    for (const chat of this.chats.values()) if (chat.messages.length > 0 || chat.queue.length > 0 || chat.inFlight) return false;
    return true;
  }

  private notifySettled(): void {
    if (this.settledWaiters.length === 0 || !this.isSettled()) return;
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  /** Chats whose state is held (waiting, running, or seen within `idleEvictMs`). */
  get chatsHeld(): number {
    return this.chats.size;
  }

  private evictIdle(before: number): void {
    let evicted = 0;
    for (const chat of this.chats.values()) {
      if (chat.touchedAt > before || chat.messages.length > 0 || chat.queue.length > 0 || chat.inFlight || chat.ready || chat.timer !== undefined) continue;
      this.seqFloor = Math.max(this.seqFloor, chat.bufferedSeq, chat.triggeredSeq);
      this.chats.delete(chat.chatKey);
      evicted++;
    }
    if (evicted > 0) this.deps.metrics.count('chat_state_evicted_total', { part: 'buffer' }, evicted);
  }

  private dueAt(chat: ChatState): number {
    return Math.min(chat.lastAt + this.policy.debounceMs, chat.firstAt + this.policy.maxWaitMs);
  }

  private arm(chat: ChatState, delay: number): void {
    chat.timer = setTimeout(() => this.onTimer(chat), Math.max(0, delay));
  }

  private disarm(chat: ChatState): void {
    if (chat.timer !== undefined) clearTimeout(chat.timer);
    chat.timer = undefined;
  }

  private onTimer(chat: ChatState): void {
    chat.timer = undefined;
    if (chat.messages.length === 0) return;
    const now = Date.now();
    const due = this.dueAt(chat);
    // Node may fire a timer up to 1 ms early; treat that as due rather than re-arming for 1 ms.
    if (due - now > 1) return this.arm(chat, due - now);
    const reason: ReleaseReason = chat.firstAt + this.policy.maxWaitMs <= chat.lastAt + this.policy.debounceMs ? 'maxWait' : 'idle';
    this.release(chat, reason, now);
  }

  private release(chat: ChatState, reason: ReleaseReason, now: number): void {
    this.disarm(chat);
    const messages = chat.messages;
    const batch: Batch = {
      chatKey: chat.chatKey,
      lane: 'buffered',
      firstSeq: chat.bufferedSeq - messages.length + 1,
      lastSeq: chat.bufferedSeq,
      messages,
      reason,
      releasedAt: now,
      pushedAt: chat.pushedAt,
    };
    chat.messages = [];
    chat.pushedAt = [];
    this.enqueue(chat, batch);
  }

  private enqueue(chat: ChatState, batch: Batch): void {
    this.released[batch.reason].inc();
    chat.queue.push(batch);
    this.markReady(chat);
  }

  private markReady(chat: ChatState): void {
    if (chat.ready || chat.inFlight || chat.queue.length === 0) return;
    chat.ready = true;
    this.readyChats.push(chat);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || !this.handler) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.concurrency && this.readyChats.length > 0) {
      const chat = this.readyChats.shift()!;
      chat.ready = false;
      const batch = chat.queue.shift();
      if (batch) this.run(chat, batch);
    }
    if (this.active === 0 && this.readyChats.length === 0) this.notifyIdle();
  }

  private run(chat: ChatState, batch: Batch): void {
    this.active++;
    chat.inFlight = batch;
    this.handler!(batch)
      .catch((thrown: unknown) => {
        this.deps.metrics.count('batch_errors_total', {});
        this.deps.log.error({ err: toError(thrown), chatKey: chat.chatKey }, 'batch handler failed; the batch is dropped');
      })
      .finally(() => {
        this.active--;
        chat.inFlight = undefined;
        chat.touchedAt = Date.now();
        if (!this.closed || this.idleWaiters.length > 0) this.markReady(chat);
        this.pump();
        this.notifySettled();
      });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private waitIdle(timeoutMs: number): Promise<void> {
    if (this.active === 0 && this.readyChats.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve();
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }
}
