import type { InboundMessage } from '../message/index.js';

/**
 * What happens to a message after the `im_message` hooks:
 * - `discard`: dropped, not stored;
 * - `record`: stored in history, nothing triggered (Nekro's BLOCK_TRIGGER);
 * - `buffer`: stored and appended to the chat's debounce buffer;
 * - `flush`: buffered, then the whole buffer is released now as one batch;
 * - `trigger`: released at once as a batch of one, the buffer left as it is.
 */
export type Strategy = 'discard' | 'record' | 'buffer' | 'flush' | 'trigger';

export interface StrategyOptions {
  /** Lock this choice: later calls (by lower-priority hooks) cannot change it. */
  force?: boolean;
}

/** An event whose processing a hook may end with `stop()`. */
export interface Stoppable {
  readonly stopped: boolean;
  stop(): void;
}

/**
 * The event `im_message` hooks receive: the message plus KiraAI's strategy API. Before any forced call the
 * last call wins; the first forced call locks the decision (reference seed-systems §2.3).
 */
export class MessageEvent implements Stoppable {
  private current: Strategy;
  private locked = false;
  private isStopped = false;

  constructor(
    readonly message: InboundMessage,
    initial: Strategy = 'record',
  ) {
    this.current = initial;
  }

  get strategy(): Strategy {
    return this.current;
  }
  /** True once a forced call has locked the strategy. */
  get forced(): boolean {
    return this.locked;
  }
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Each setter returns whether it took effect (false when an earlier call was forced). */
  trigger(opts?: StrategyOptions): boolean {
    return this.choose('trigger', opts);
  }
  buffer(opts?: StrategyOptions): boolean {
    return this.choose('buffer', opts);
  }
  flush(opts?: StrategyOptions): boolean {
    return this.choose('flush', opts);
  }
  record(opts?: StrategyOptions): boolean {
    return this.choose('record', opts);
  }
  discard(opts?: StrategyOptions): boolean {
    return this.choose('discard', opts);
  }

  /** Ends processing: no later hook runs, and the message is neither stored nor triggered. */
  stop(): void {
    this.isStopped = true;
  }

  private choose(strategy: Strategy, opts: StrategyOptions | undefined): boolean {
    if (this.locked) return false;
    this.current = strategy;
    this.locked = opts?.force === true;
    return true;
  }
}
