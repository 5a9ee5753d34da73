import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { toError } from '../errors/index.js';
import type { InboundMessage } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { BufferPolicy, PushMode, PushResult } from './driver.js';
import { BufferSpoolFullError, type SpooledCall } from './spool.js';
import { byChat } from './push-runs.js';
import { toStored } from './stored-message.js';

/** The driver's push connection (`patient`: commands wait out an outage) with the push script defined on it. */
export type PushRedis = Redis & {
  nkPushMany(...args: (string | number)[]): Promise<(number | string)[]>;
};

/** What the queue needs of its driver besides Redis. */
export interface PushTarget {
  redis: PushRedis;
  /** `<prefix>:buffer:` */
  keyPrefix: string;
  policy: BufferPolicy;
  partitionOf(chat: string): number;
  /** Makes sure the partition's job runs by `at` (ms since the epoch). */
  schedule(part: number, at: number): Promise<void>;
  /** This queue's name in Redis for its calls' numbers (see SpooledCall). */
  caller: string;
  /** Most messages held while Redis is unreachable (BUFFER_SPOOL_MAX). */
  spoolMax: number;
  log: Logger;
  metrics: Metrics;
}

interface QueuedPush {
  message: InboundMessage;
  mode: PushMode;
  ts: number;
  /** The chat's partition, computed once (the call's arguments and its schedules both need it). */
  part: number;
  result?: PushResult;
  resolve: (r: PushResult) => void;
  reject: (err: unknown) => void;
}

interface Call {
  caller: string;
  n: number;
  pushes: QueuedPush[];
  /** Accepted without its reply: Redis was unreachable when it was sent, or went away before it answered. */
  spooled: boolean;
  /** Given up at shutdown (saved to a file, or logged as lost): its reply, if any ever comes, is ignored. */
  abandoned: boolean;
  /** Settles once the call was answered and its pushes settled (never rejects). */
  sent?: Promise<void>;
}

/**
 * Most messages stored by one Lua call, and when a call is sent: as soon as it holds this many, not at the end of
 * the event-loop turn, so that Redis stores them while this process prepares the turn's other pushes (and its
 * consumer's work). Saturated buffer bench (DESIGN-NOTES, issue 20; medians of 7-round runs, interleaved): sent
 * when full at 64, ingest over the floor 0.59–0.68 in 10 runs against 0.53–0.61 in 11 for one call of up to 256 at
 * the end of the turn; 32 and 128 no better than 64. A call blocks Redis for its run: 64 keep it well under a millisecond.
 */
const PUSHES_PER_CALL = 64;

/** What a push resolves while it waits in the spool: not numbered yet (sequence numbers start at 1). */
const SPOOLED: PushResult = Object.freeze({ seq: 0, pending: 0, spooled: true });

const noop = (): void => undefined;

/**
 * The pushes of one event-loop turn, stored by Lua calls (PUSH_MANY) of up to PUSHES_PER_CALL: sequence numbers, push times and
 * due times, atomically. A push that makes its chat due sooner than its partition's job looks settles once
 * the job was asked for; the others settle as soon as the script returned.
 *
 * While Redis is unreachable, pushes are accepted into a spool, up to `spoolMax` messages (then refused with
 * `BufferSpoolFullError`): the spool is ioredis's own queue on the patient connection, which sends the calls,
 * in order, once Redis is back, so a chat's later pushes always go behind its spooled ones. A call that was
 * in flight when the connection dropped is sent again; Redis runs each call once (numbered per caller).
 */
export class PushQueue {
  private queued: QueuedPush[] = [];
  /** Armed by a turn's first push: sends what the turn left queued, and ends the turn's push time. */
  private turnEnd: NodeJS.Immediate | undefined;
  /**
   * The push time of every message handed over in this event-loop turn: one burst's messages, handed over
   * together, are one push for the debounce, even when the turn crosses a millisecond or a call is cut at
   * PUSHES_PER_CALL. With a time each, PUSH_MANY made the chat due at an earlier one's time, and the partition's
   * job, looking then, found it not yet quiet and looked again LOOK_GAP_MS later (DESIGN-NOTES, issue 20).
   */
  private turnTs: number | undefined;
  /** Calls sent and not answered yet, in the order sent. */
  private readonly calls = new Set<Call>();
  private readonly settled = new Set<() => void>();
  private nextCall = 0;
  private spooledMessages = 0;
  private connectedOnce = false;
  /** Said "Redis is unreachable" and not yet that it is back: one line each per outage. */
  private outage = false;

  constructor(private readonly target: PushTarget) {
    target.redis.on('ready', () => (this.connectedOnce = true));
    // Their replies will not come on this connection: they are sent again once Redis is back.
    target.redis.on('close', () => {
      if (this.connectedOnce) for (const call of this.calls) this.spool(call);
    });
  }

  /** Messages accepted while Redis was unreachable and not stored yet. */
  get spooled(): number {
    return this.spooledMessages;
  }

  push(message: InboundMessage, mode: PushMode): Promise<PushResult> {
    if (this.unreachable() && this.spooledMessages + this.queued.length >= this.target.spoolMax) {
      this.target.metrics.count('buffer_spool_refused_total', {});
      return Promise.reject(new BufferSpoolFullError(this.target.spoolMax));
    }
    return new Promise<PushResult>((resolve, reject) => {
      this.queued.push({ message, mode, ts: (this.turnTs ??= Date.now()), part: this.target.partitionOf(message.chatKey), resolve, reject });
      this.turnEnd ??= setImmediate(() => {
        this.turnEnd = undefined;
        this.turnTs = undefined;
        this.storeQueued();
      });
      if (this.queued.length >= PUSHES_PER_CALL) this.storeQueued();
    });
  }

  /** Stores the calls a shutdown could not (see `abandon`), with their own caller and numbers; resolves when stored. */
  async restore(calls: readonly SpooledCall[]): Promise<void> {
    const stored = calls.map((c) => {
      // Accepted before the last shutdown: nobody waits for them, and a refusal is counted as lost.
      const call: Call = { caller: c.caller, n: c.n, pushes: c.pushes.map((p) => ({ ...p, part: this.target.partitionOf(p.message.chatKey), resolve: noop, reject: noop })), spooled: true, abandoned: false };
      this.spooledMessages += call.pushes.length;
      return (call.sent = this.send(call));
    });
    await Promise.all(stored);
  }

  /**
   * Stores what is queued now; resolves once every call sent has been answered, or after `timeoutMs` (Redis
   * still away): the calls not answered by then are left to `abandon`.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.storeQueued();
    if (this.calls.size === 0) return;
    let done!: () => void;
    const answered = new Promise<void>((resolve) => (done = resolve));
    this.settled.add(done);
    const timer = setTimeout(done, timeoutMs);
    await answered;
    clearTimeout(timer);
    this.settled.delete(done);
  }

  /**
   * Resolves once every push made before it was answered (stored, or refused), whatever is pushed meanwhile: a
   * chat's reset must not be overtaken by the pushes its lane handed over just before it.
   */
  async settledSoFar(): Promise<void> {
    this.storeQueued();
    const calls = [...this.calls];
    for (const call of calls) await call.sent;
  }

  /**
   * Gives up the calls still unanswered (their pushes resolve as spooled) and returns them, in order, for the
   * caller to save: a reply that comes later is ignored.
   */
  abandon(): SpooledCall[] {
    const left = [...this.calls];
    this.calls.clear();
    for (const call of left) {
      this.spool(call);
      call.abandoned = true;
    }
    this.spooledMessages = 0;
    return left.map((c) => ({ caller: c.caller, n: c.n, pushes: c.pushes.map(({ mode, ts, message }) => ({ mode, ts, message })) }));
  }

  /** Redis went away after this connection had reached it: pushes go to the spool. */
  private unreachable(): boolean {
    if (this.target.redis.status === 'ready') return false;
    return this.connectedOnce;
  }

  /** Sends what is queued, in calls of up to PUSHES_PER_CALL. */
  private storeQueued(): void {
    const all = byChat(this.queued);
    this.queued = [];
    const spool = this.unreachable();
    for (let i = 0; i < all.length; i += PUSHES_PER_CALL) {
      const call: Call = { caller: this.target.caller, n: ++this.nextCall, pushes: all.slice(i, i + PUSHES_PER_CALL), spooled: false, abandoned: false };
      if (spool) this.spool(call);
      call.sent = this.send(call);
    }
  }

  /** Accepts the call's pushes without their reply (numbered once stored). */
  private spool(call: Call): void {
    if (call.spooled) return;
    call.spooled = true;
    if (!this.outage) {
      this.outage = true;
      this.target.log.warn({ spoolMax: this.target.spoolMax }, 'redis is unreachable: messages are held in this process (up to BUFFER_SPOOL_MAX) and stored in order once it is back');
    }
    this.spooledMessages += call.pushes.length;
    this.target.metrics.count('buffer_spooled_total', {}, call.pushes.length);
    for (const push of call.pushes) push.resolve(SPOOLED);
  }

  /** Sends one call and settles its pushes; never rejects. */
  private async send(call: Call): Promise<void> {
    this.calls.add(call);
    let reply: (number | string)[] | undefined;
    let failure: unknown;
    try {
      reply = await this.target.redis.nkPushMany(...this.args(call));
    } catch (err) {
      failure = err;
    }
    if (call.abandoned) return;
    this.calls.delete(call);
    if (call.spooled) {
      this.spooledMessages -= call.pushes.length;
      if (this.spooledMessages === 0 && this.outage) {
        this.outage = false;
        this.target.log.info('redis is back: the messages held meanwhile are stored');
      }
    }
    if (this.calls.size === 0) for (const done of this.settled) done();
    // A call is refused whole only by Redis itself (the patient connection waits out outages): a script error.
    if (failure !== undefined) return this.refuse(call.pushes, call.spooled, failure);
    // Empty: this call had already run (its first reply was lost with the connection).
    if (reply!.length > 0) await this.settle(call, reply!);
  }

  /** Sequence numbers and schedules from the script's reply (four entries per run of pushes, see PUSH_MANY). */
  private async settle(call: Call, reply: (number | string)[]): Promise<void> {
    const due = new Map<number, { at: number; waiting: QueuedPush[] }>();
    let p = 0;
    for (let r = 0; r < reply.length; r += 4) {
      const k = reply[r] as number;
      const last = reply[r + 1] as number;
      const len = reply[r + 2] as number;
      const at = reply[r + 3] as number;
      const run = call.pushes.slice(p, p + k);
      p += k;
      if (last < 0) {
        this.refuse(run, call.spooled, new Error(`buffer push refused by Redis: ${String(len)}`));
        continue;
      }
      run.forEach((push, i) => {
        push.result = { seq: last - k + 1 + i, pending: push.mode === 'flush' ? 0 : len - k + 1 + i };
        // The run's last push is the one that may have made its chat due (as a push of its own would).
        if (at < 0 || i < k - 1) return push.resolve(push.result);
        const entry = due.get(push.part) ?? { at, waiting: [] };
        entry.at = Math.min(entry.at, at);
        entry.waiting.push(push);
        due.set(push.part, entry);
      });
    }
    // The messages are stored: a failed request for the job is logged, counted and left to the sweeper, and
    // the pushes still resolve (refusing them would have the platform send them again).
    await Promise.all(
      [...due].map(([part, { at, waiting }]) =>
        this.target.schedule(part, at).then(
          () => waiting.forEach((push) => push.resolve(push.result!)),
          (err: unknown) => {
            this.target.metrics.count('buffer_schedule_failures_total', {});
            this.target.log.warn({ err: toError(err), partition: part }, 'could not ask for a partition job; the sweeper will revive its chats');
            waiting.forEach((push) => push.resolve(push.result!));
          },
        ),
      ),
    );
  }

  /** Pushes Redis refused: rejected, or, when already accepted into the spool, logged and counted as lost. */
  private refuse(pushes: QueuedPush[], spooled: boolean, err: unknown): void {
    if (!spooled) return pushes.forEach((push) => push.reject(err));
    this.target.metrics.count('buffer_spool_lost_total', {}, pushes.length);
    this.target.log.error({ err: toError(err), count: pushes.length, chats: [...new Set(pushes.map((p) => p.message.chatKey))] }, 'redis refused messages held while it was unreachable: they are lost');
  }

  private args(call: Call): (string | number)[] {
    const { keyPrefix, policy } = this.target;
    const args: (string | number)[] = [keyPrefix, policy.debounceMs, policy.maxBatch, call.caller, call.n];
    for (const push of call.pushes) appendPushArgs(args, push);
    return args;
  }
}

/**
 * Appends a message's two arguments to PUSH_MANY's: `<mode><partition>:<chatKey>` and `<push time>|<stored
 * message>`. Appended rather than returned: it runs once a pushed message, and a pair array each was garbage.
 */
export function appendPushArgs(args: (string | number)[], push: { message: InboundMessage; mode: PushMode; ts: number; part: number }): void {
  args.push(`${push.mode[0]!}${push.part}:${push.message.chatKey}`, `${push.ts}|${toStored(push.message)}`);
}
