import { performance } from 'node:perf_hooks';
import type { BufferPolicy } from '../core/buffer/index.js';
import { createInboundMessage, type Batch, type ChatKey, type InboundMessage } from '../core/message/index.js';

/** The messages of a run, built (and validated by `createInboundMessage`) before anything is timed. */
export interface Workload {
  messages: number;
  chats: number;
  burstSize: number;
  /** Burst `b` goes to chat `b % chats`: a chat's bursts are a whole rotation over the chats apart. */
  bursts: InboundMessage[][];
  chatKeys: ChatKey[];
  /** Wall time spent in `createInboundMessage` for all messages, outside every timed figure. */
  buildMs: number;
}

/**
 * `chatPrefix` names the chats (`<prefix><n>`): a warm-up workload uses its own, apart from the measured one's.
 * Chats are private (one-to-one) by default; `group` makes them groups of one user each, every message
 * addressed to the bot (so each is answered, as in a private chat).
 */
export function buildWorkload(messages: number, chats: number, burstSize: number, chatPrefix = 'u', chatType: 'private' | 'group' = 'private'): Workload {
  const started = performance.now();
  const bursts: InboundMessage[][] = [];
  const sent = new Array<number>(chats).fill(0);
  for (let i = 0; i < messages; i += burstSize) {
    const chat = bursts.length % chats;
    const burst: InboundMessage[] = [];
    for (let j = i; j < Math.min(messages, i + burstSize); j++) {
      burst.push(
        createInboundMessage({
          adapter: 'bench',
          botId: 'bot',
          chatType,
          chatId: `${chatPrefix}${chat}`,
          toMe: true,
          userId: `${chatPrefix}${chat}`,
          userName: `user ${chat}`,
          segments: [{ type: 'text', text: `message ${++sent[chat]!} of chat ${chat}` }],
          messageId: `m${j}`,
        }),
      );
    }
    bursts.push(burst);
  }
  const chatKeys = bursts.slice(0, chats).map((b) => b[0]!.chatKey);
  return { messages, chats: chatKeys.length, burstSize, bursts, chatKeys, buildMs: performance.now() - started };
}

export interface Schedule {
  /** Chats that get a burst in one wave (one wave per event-loop turn). */
  waveChats: number;
  /** A chat's next burst is not sent before this long after its previous one. */
  gapMs: number;
  /** Offered load in messages/s: wave k leaves at start + k × wave size / rate. 0 = as fast as the loop carries. */
  rate: number;
}

export interface DriveResult {
  /** performance.now() just before the first ingest and once the last ingest has resolved. */
  startedAt: number;
  endedAt: number;
  rejected: number;
  /** Times the sender had to wait for the gap rule (the schedule, not the pipeline, was the limit). */
  gapWaits: number;
}

/**
 * The sender. Waves of `waveChats` bursts go out, one wave per event-loop turn (a `setImmediate` between
 * waves), so that timers, batch releases and the history writes run between waves as they would between
 * network reads: this measures sustained throughput with the loop breathing, not one giant synchronous
 * loop that would fire every timer only after the last push. It is open loop: a wave does not wait for
 * the pipeline's answers (ingests are counted as they settle), so the rate is what the loop can carry, and
 * at most one wave's work stands between two turns of the loop (what bounds timer lateness in the harness).
 * Chats take turns (burst `b` → chat `b % chats`), so a chat's bursts are a whole rotation apart:
 * `chats × burstSize` messages, i.e. 50 ms at 100,000 msg/s with 1,000 chats, more than the debounce window.
 *
 * Optional brake, the per-chat gap (off by default): the wave waits until the chats in it got their previous
 * burst `gapMs` ago, so that bursts cannot merge in a buffer however fast the pipeline goes; it caps the rate
 * at `chats × burstSize / gapMs` and `gapWaits` counts the times it held the sender back.
 */
export async function drive(workload: Workload, ingest: (m: InboundMessage) => Promise<unknown>, schedule: Schedule): Promise<DriveResult> {
  const { bursts, chats } = workload;
  const sentAt = new Float64Array(bursts.length);
  // Ingests are counted as they settle rather than kept in an array: 50,000 live promises would survive
  // every young-generation GC and slow both runs for the harness's sake.
  let outstanding = 0;
  let rejected = 0;
  let allSent = false;
  let finished: (() => void) | undefined;
  let lastSettledAt = 0;
  const settled = (): void => {
    if (--outstanding > 0) return;
    lastSettledAt = performance.now();
    if (allSent) finished?.();
  };
  const failed = (): void => {
    rejected++;
    settled();
  };
  let gapWaits = 0;
  const startedAt = performance.now();
  let sentMessages = 0;
  for (let b = 0; b < bursts.length; ) {
    const end = Math.min(bursts.length, b + schedule.waveChats);
    if (schedule.rate > 0) {
      const due = startedAt + (sentMessages * 1000) / schedule.rate;
      const wait = due - performance.now();
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const previous = end - 1 - chats;
    if (previous >= 0) {
      const wait = sentAt[previous]! + schedule.gapMs - performance.now();
      if (wait > 0) {
        gapWaits++;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    const now = performance.now();
    for (; b < end; b++) {
      sentAt[b] = now;
      for (const message of bursts[b]!) {
        outstanding++;
        sentMessages++;
        ingest(message).then(settled, failed);
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  allSent = true;
  if (outstanding > 0) await new Promise<void>((resolve) => (finished = resolve));
  return { startedAt, endedAt: lastSettledAt, rejected, gapWaits };
}

/**
 * The session handler's side: records each batch's latency beyond its due time and every message it
 * carries, to check afterwards that each arrived exactly once and in per-chat order.
 */
export class Recorder {
  /** ms past the due time, per batch. */
  readonly latencies: number[] = [];
  readonly reasons: Record<string, number> = {};
  batches = 0;
  /** performance.now() of the last batch. */
  lastBatchAt = 0;
  private received = 0;
  private readonly byChat = new Map<ChatKey, string[]>();
  private complete: (() => void) | undefined;

  constructor(
    private readonly workload: Workload,
    private readonly policy: BufferPolicy,
  ) {
    for (const key of workload.chatKeys) this.byChat.set(key, []);
  }

  /**
   * Latency beyond the window: handler call − due time, where a debounce release is due at the batch's last
   * push + debounceMs (or its first push + maxWaitMs, whichever is sooner) and a maxBatch release at its last
   * push. Both sides are Date.now() (batch.pushedAt is), so each figure is good to about ±1 ms.
   */
  onBatch(batch: Batch): void {
    const now = Date.now();
    this.lastBatchAt = performance.now();
    const first = batch.pushedAt[0]!;
    const last = batch.pushedAt[batch.pushedAt.length - 1]!;
    const due =
      batch.reason === 'idle' || batch.reason === 'maxWait'
        ? Math.min(last + this.policy.debounceMs, first + this.policy.maxWaitMs)
        : last;
    this.latencies.push(now - due);
    this.reasons[batch.reason] = (this.reasons[batch.reason] ?? 0) + 1;
    this.batches++;
    const list = this.byChat.get(batch.chatKey);
    // Only the ids are kept: holding the messages themselves would carry them into the old generation, a GC
    // cost of this recorder's, not of the path measured.
    if (list) for (const m of batch.messages) list.push(m.messageId);
    this.received += batch.messages.length;
    if (this.received >= this.workload.messages) this.complete?.();
  }

  /** Resolves true once every message arrived (or more), false after `timeoutMs`. */
  whenComplete(timeoutMs: number): Promise<boolean> {
    if (this.received >= this.workload.messages) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.complete = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Every message of every chat exactly once, in the order it was sent; or what went wrong. */
  check(): { ok: boolean; detail: string } {
    const problems: string[] = [];
    const expected = new Map<ChatKey, InboundMessage[]>();
    for (const burst of this.workload.bursts) {
      const key = burst[0]!.chatKey;
      const list = expected.get(key) ?? [];
      list.push(...burst);
      expected.set(key, list);
    }
    for (const [key, want] of expected) {
      const got = this.byChat.get(key) ?? [];
      const at = want.findIndex((m, i) => got[i] !== m.messageId);
      if (at >= 0 || got.length !== want.length) {
        problems.push(
          at >= 0
            ? `${key}: message ${at + 1} is ${got[at] ?? 'missing'}, expected ${want[at]!.messageId}`
            : `${key}: ${got.length} messages, expected ${want.length}`,
        );
      }
    }
    if (this.received !== this.workload.messages) problems.unshift(`${this.received} messages received, expected ${this.workload.messages}`);
    return problems.length === 0
      ? { ok: true, detail: `all ${this.workload.messages} messages exactly once, in per-chat order` }
      : { ok: false, detail: `${problems.length} problems: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''}` };
  }
}
