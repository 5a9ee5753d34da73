import type { Logger } from 'pino';
import type { BufferDriver, PushMode, PushResult } from '../buffer/index.js';
import { MessageEvent, type HookRegistry, type Strategy } from '../hooks/index.js';
import type { InboundMessage } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import type { ChatHistory } from '../session/index.js';
import { ChatLanes } from './chat-lanes.js';
import { DuplicateFilter } from './duplicate-filter.js';
import type { SharedDuplicates } from './shared-duplicates.js';
import type { FloodCount, FloodLimit } from './flood-limit.js';
import type { AfterIntercept, InterceptorChain } from './interceptors.js';

/** What became of an ingested message. */
export type IngestOutcome = 'duplicate' | 'rate_limited' | 'intercepted' | 'stopped' | Strategy;

export interface IngestResult {
  outcome: IngestOutcome;
  /** Sequence number in the buffer lane, for `buffer`, `flush` and `trigger`. */
  seq?: number;
  /** For `rate_limited`: when the limit's window ends. */
  retryAfterMs?: number;
}

export interface PipelineDeps {
  hooks: HookRegistry;
  interceptors: InterceptorChain;
  buffer: BufferDriver;
  history: ChatHistory;
  log: Logger;
  metrics: Metrics;
  /** How long a message id is remembered to drop a second delivery. */
  dedupeTtlMs: number;
  /** At most this many ids per generation (two are kept): bounds memory under heavy traffic. */
  dedupeMaxIds: number;
  /** Flood limits, checked before anything else looks at a message. */
  flood?: FloodLimit;
  /** With several gateways on one Redis: message ids claimed cluster-wide, so a redelivery to another gateway is dropped too. */
  shared?: SharedDuplicates;
}

const PUSH_MODE: Partial<Record<Strategy, PushMode>> = { buffer: 'buffer', flush: 'flush', trigger: 'trigger' };
const OUTCOMES: readonly IngestOutcome[] = ['duplicate', 'rate_limited', 'intercepted', 'stopped', 'discard', 'record', 'buffer', 'flush', 'trigger'];

/**
 * The way of every chat message (DESIGN §3): duplicate drop → flood limit → interceptors (commands, waits) →
 * `im_message` hooks → history → strategy. The chat policy is an `im_message` hook like any other.
 */
export class Pipeline {
  private readonly duplicates: DuplicateFilter;
  private readonly counted: Record<IngestOutcome, Counter>;
  private readonly lanes = new ChatLanes();

  constructor(private readonly deps: PipelineDeps) {
    this.duplicates = new DuplicateFilter(deps.dedupeTtlMs, Date.now, deps.dedupeMaxIds);
    this.counted = Object.fromEntries(OUTCOMES.map((o) => [o, deps.metrics.counter('messages_total', { outcome: o })])) as Record<IngestOutcome, Counter>;
  }

  /**
   * Messages of one chat go through ingest one at a time, in arrival order: a slow hook or command for one
   * message holds the chat's later messages back (queued, not lost) rather than letting them overtake it.
   * Sending a command's replies does not hold them: the next command may run while they are on their way.
   *
   * Two Redis round trips do not hold the chat either, so that a burst reaches Redis in one push call (a run of
   * its messages) instead of one call per message (DESIGN-NOTES, issue 20, twelfth session): the duplicate
   * check and the flood counts start as a message arrives (`screen`, in arrival order), and the chat's next
   * message is taken once a push has been handed to the buffer, which stores a process's pushes in the order
   * made. `ingest` still resolves once its message is stored.
   */
  async ingest(message: InboundMessage): Promise<IngestResult> {
    const after = new DeferredWork();
    const screened = this.screen(message);
    const taken = await this.lanes.run(message.chatKey, () => this.process(message, screened, after));
    const result = taken instanceof Storing ? await taken.stored() : taken;
    // A command's replies: out of the chat's lane, so that a slow send (an upload, a platform taking its time to
    // acknowledge) does not hold the chat's next messages, but awaited here, so `ingest` still means "handled".
    // One piece of work (a command's replies) is awaited as it is: `Promise.all` would add an array and a promise.
    if (after.work) await (after.work.length === 1 ? after.work[0] : Promise.all(after.work));
    return result;
  }

  /**
   * The checks that need no earlier message of the chat: this process's duplicate filter at once, and the
   * cluster-wide claim and the flood counts started (neither rejects). Counted in arrival order, as before.
   */
  private screen(message: InboundMessage): Screened | Promise<Screened> {
    // Message ids are numbered per bot account (two QQ accounts in one group each number their own): so are the filters.
    const { adapter, botId, messageId } = message;
    if (this.duplicates.seen(messageId, adapter, botId)) return SEEN;
    const { flood, shared } = this.deps;
    const counting = flood?.enabled ? flood.count(message) : undefined;
    if (shared) {
      const id = `${adapter}\u0000${botId}\u0000${messageId}`;
      return Promise.all([shared.seen(id), counting]).then(([duplicate, counted]) => ({ duplicate, counted, id }));
    }
    return counting ? counting.then((counted) => ({ duplicate: false, counted, id: undefined })) : NOT_COUNTED;
  }

  private async process(message: InboundMessage, screening: Screened | Promise<Screened>, after: AfterIntercept): Promise<IngestResult | Storing> {
    const screened = screening instanceof Promise ? await screening : screening;
    if (screened === SEEN) return this.duplicate();
    // Before commands, hooks, history and the buffer: a flood costs a count and nothing else.
    const { flood } = this.deps;
    const { duplicate, counted, id } = screened;
    if (duplicate) {
      if (counted) flood!.refund(counted);
      return this.duplicate();
    }
    const over = counted && flood!.judge(counted, after);
    if (over) {
      this.counted.rate_limited.inc();
      return { outcome: 'rate_limited', retryAfterMs: over.retryAfterMs };
    }
    try {
      const decided = await this.decide(message, after);
      // Only a buffered message makes this closure: under tsx a named closure a message costs a defineProperty.
      if (decided instanceof Storing) decided.onRefusal(() => this.notTaken(message, id));
      return decided;
    } catch (err) {
      this.notTaken(message, id);
      throw err;
    }
  }

  /** Not taken (the buffer's Redis is down, say): the platform's redelivery must not be dropped as a duplicate. */
  private notTaken(message: InboundMessage, id: string | undefined): void {
    this.duplicates.forget(message.messageId, message.adapter, message.botId);
    if (id !== undefined) this.deps.shared?.forget(id);
  }

  private duplicate(): IngestResult {
    this.counted.duplicate.inc();
    return { outcome: 'duplicate' };
  }

  private async decide(message: InboundMessage, after: AfterIntercept): Promise<IngestResult | Storing> {
    if (this.deps.interceptors.size > 0 && (await this.deps.interceptors.offer(message, after)) !== undefined) {
      this.counted.intercepted.inc();
      return { outcome: 'intercepted' };
    }
    const event = new MessageEvent(message);
    await this.deps.hooks.emit('im_message', event);
    if (event.overrides.length > 0) this.logOverrides(event);
    if (event.stopped) {
      this.counted.stopped.inc();
      return { outcome: 'stopped' };
    }
    const strategy = event.strategy;
    this.counted[strategy].inc();
    if (strategy === 'discard') return { outcome: strategy };
    this.deps.history.record({ kind: 'message', message });
    const mode = PUSH_MODE[strategy];
    if (mode === undefined) return { outcome: strategy };
    const pushing = this.deps.buffer.push(message, mode);
    // `message_buffered` hooks see a chat's messages in order, each after it was stored: the chat waits for them.
    if (mode === 'trigger' || !this.deps.hooks.has('message_buffered')) return new Storing(pushing, strategy);
    const pushed = await pushing;
    await this.deps.hooks.emit('message_buffered', { chatKey: message.chatKey, message, seq: pushed.seq, pending: pushed.pending });
    return { outcome: strategy, seq: pushed.seq };
  }

  /** One debug line for each decision that met another owner's: who won, over whom (docs/hooks.md "MsgSignal precedence"). */
  private logOverrides(event: MessageEvent): void {
    const chatKey = event.message.chatKey;
    for (const o of event.overrides) {
      const what = o.taken ? `${o.by}'s ${o.strategy} overrides ${o.overBy}'s ${o.over}` : `${o.by}'s ${o.strategy} is refused: ${o.overBy} locked ${o.over}`;
      this.deps.log.debug({ chatKey, messageId: event.message.messageId, strategy: o.strategy, by: o.by, over: o.over, overBy: o.overBy, taken: o.taken }, `im_message: ${what}`);
    }
  }
}

/** What `screen` found: the message seen before by this process, or what its Redis round trip answered. */
type Screened = typeof SEEN | { duplicate: boolean; counted: FloodCount | undefined; id: string | undefined };
const SEEN = Symbol('seen');
const NOT_COUNTED: Screened = Object.freeze({ duplicate: false, counted: undefined, id: undefined });

/**
 * A push handed to the buffer, its chat's lane already free for the next message. Its outcome is held as a
 * value until `ingest` takes it, so that a refused push is never a rejection nobody is listening to yet.
 */
class Storing {
  private readonly outcome: Promise<{ result: IngestResult } | { err: unknown }>;
  private refused: (() => void) | undefined;

  constructor(pushing: Promise<PushResult>, strategy: Strategy) {
    this.outcome = pushing.then(
      (pushed) => ({ result: { outcome: strategy, seq: pushed.seq } }),
      (err: unknown) => ({ err }),
    );
  }

  /** Runs once, before `stored` rejects, when the push was refused. */
  onRefusal(refused: () => void): void {
    this.refused = refused;
  }

  async stored(): Promise<IngestResult> {
    const o = await this.outcome;
    if ('result' in o) return o.result;
    this.refused?.();
    throw o.err;
  }
}

/**
 * What interceptors deferred for one message. A class rather than an object literal with an arrow function:
 * under tsx (esbuild keepNames) every named closure created per message costs an Object.defineProperty call.
 */
class DeferredWork implements AfterIntercept {
  work: Promise<void>[] | undefined;

  defer(work: Promise<void>): void {
    (this.work ??= []).push(work);
  }
}
