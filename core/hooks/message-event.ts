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
  /** Lock this choice: later calls (by lower-priority hooks) cannot change it. A Nekro `MsgSignal` still can. */
  force?: boolean;
  /**
   * Lock this choice against Nekro `MsgSignal`s too (implies `force`): without it a signal overrides a
   * forced strategy, as in Nekro, where a signal always wins (docs/hooks.md "MsgSignal precedence").
   */
  outrankSignals?: boolean;
}

/** An event whose processing a hook may end with `stop()`. */
export interface Stoppable {
  readonly stopped: boolean;
  stop(): void;
}

/**
 * One decision that met an earlier one of another owner: `taken` when it replaced it, otherwise it was refused
 * because the earlier one was locked. The pipeline logs each at debug with both owners.
 */
export interface StrategyOverride {
  strategy: Strategy | 'stop';
  by: string;
  over: Strategy;
  overBy: string;
  taken: boolean;
}

/** How firmly a decision holds: unforced < forced < a Nekro signal < forced with `outrankSignals`. */
const enum Rank {
  Unforced = 0,
  Forced = 1,
  Signal = 2,
  OverSignals = 3,
}

/**
 * The event `im_message` hooks receive: the message plus KiraAI's strategy API. Before any forced call the
 * last call wins; the first forced call locks the decision (reference seed-systems §2.3). A Nekro `MsgSignal`
 * (applied by `applySignal`) overrides a forced decision unless that one was made with `outrankSignals`.
 */
export class MessageEvent implements Stoppable {
  /**
   * Who is deciding now: the hook registry sets it to each handler's owner before calling it, so that a
   * decision overriding another can name both.
   */
  hookOwner = 'core';
  private current: Strategy;
  private decidedBy = '';
  private rank: Rank = Rank.Unforced;
  private isStopped = false;
  private seen: StrategyOverride[] | undefined;

  constructor(
    readonly message: InboundMessage,
    initial: Strategy = 'record',
  ) {
    this.current = initial;
  }

  get strategy(): Strategy {
    return this.current;
  }
  /** True once a forced call (or a signal) has locked the strategy. */
  get forced(): boolean {
    return this.rank !== Rank.Unforced;
  }
  get stopped(): boolean {
    return this.isStopped;
  }
  /** Decisions that met an earlier decision of another owner, in order (empty for most messages). */
  get overrides(): readonly StrategyOverride[] {
    return this.seen ?? [];
  }

  /** Each setter returns whether it took effect (false when an earlier call was forced). */
  trigger(opts?: StrategyOptions): boolean {
    return this.choose('trigger', rankOf(opts), this.hookOwner);
  }
  buffer(opts?: StrategyOptions): boolean {
    return this.choose('buffer', rankOf(opts), this.hookOwner);
  }
  flush(opts?: StrategyOptions): boolean {
    return this.choose('flush', rankOf(opts), this.hookOwner);
  }
  record(opts?: StrategyOptions): boolean {
    return this.choose('record', rankOf(opts), this.hookOwner);
  }
  discard(opts?: StrategyOptions): boolean {
    return this.choose('discard', rankOf(opts), this.hookOwner);
  }

  /** Ends processing: no later hook runs, and the message is neither stored nor triggered. */
  stop(): void {
    this.isStopped = true;
  }

  /**
   * A Nekro signal's decision, made for the callbacks of `by`: it replaces any decision but one made with
   * `outrankSignals`. `stop` is BLOCK_ALL. Returns whether it took effect.
   */
  applySignalDecision(strategy: Strategy | 'stop', by: string): boolean {
    if (this.rank === Rank.OverSignals) {
      this.note({ strategy, by, over: this.current, overBy: this.decidedBy, taken: false });
      return false;
    }
    if (strategy === 'stop') {
      if (this.rank !== Rank.Unforced) this.note({ strategy, by, over: this.current, overBy: this.decidedBy, taken: true });
      this.isStopped = true;
      return true;
    }
    return this.choose(strategy, Rank.Signal, by);
  }

  private choose(strategy: Strategy, rank: Rank, by: string): boolean {
    // A lock holds against anything of its rank or lower: a signal replaces a forced choice, an outranking hook a signal.
    const locked = this.rank !== Rank.Unforced && rank <= this.rank;
    if (this.decidedBy !== '' && this.decidedBy !== by && (locked || strategy !== this.current)) {
      this.note({ strategy, by, over: this.current, overBy: this.decidedBy, taken: !locked });
    }
    if (locked) return false;
    this.current = strategy;
    this.rank = rank;
    this.decidedBy = by;
    return true;
  }

  private note(override: StrategyOverride): void {
    (this.seen ??= []).push(override);
  }
}

function rankOf(opts: StrategyOptions | undefined): Rank {
  if (opts?.outrankSignals) return Rank.OverSignals;
  return opts?.force ? Rank.Forced : Rank.Unforced;
}
