import type { Logger } from 'pino';
import { NekomataError, toError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ExceptionEvent, HookEvents } from './events.js';
import { MessageEvent, type Stoppable } from './message-event.js';
import { Priority } from './priority.js';
import { withTimeLimit } from './time-limit.js';

/** Undoes one registration. Calling it twice is harmless. */
export type Disposer = () => void;

export interface HookOptions {
  /** Higher runs first; default `Priority.MEDIUM` (0). */
  priority?: number;
  /** Who registered it (a plugin key); named in logs and `exception` events. Default `core`. */
  owner?: string;
  /** Abandon a call that has not settled after this many ms (reported as a `TimeoutError`). */
  timeoutMs?: number;
}

interface Entry<F> {
  handler: F;
  priority: number;
  owner: string;
  timeoutMs: number;
}

type HandlerMap = { [K in keyof HookEvents]: HookEvents[K] };

function isStoppable(value: unknown): value is Stoppable {
  return typeof value === 'object' && value !== null && typeof (value as Stoppable).stop === 'function';
}

/**
 * The ordered hook registry. Handlers of one event run from the highest priority to the lowest, equal
 * priorities in registration order, each awaited. A throwing handler is logged with its owner, counted,
 * reported to `exception` hooks, and the chain goes on. For stoppable events the chain ends at `stop()`.
 */
export class HookRegistry {
  // Arrays are replaced, never mutated, so an emit in progress keeps the list it started with.
  private readonly entries = new Map<keyof HookEvents, readonly Entry<unknown>[]>();

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  on<K extends keyof HookEvents>(event: K, handler: HandlerMap[K], opts: HookOptions = {}): Disposer {
    const priority = opts.priority ?? Priority.MEDIUM;
    if (!Number.isInteger(priority)) {
      throw new NekomataError('HOOK_PRIORITY_INVALID', `hook priority must be an integer (e.g. Priority.HIGH), got ${priority}`);
    }
    const entry: Entry<unknown> = { handler, priority, owner: opts.owner ?? 'core', timeoutMs: opts.timeoutMs ?? 0 };
    const list = this.entries.get(event) ?? [];
    // Insert after every entry of equal or higher priority: a stable order without re-sorting.
    let at = list.length;
    while (at > 0 && list[at - 1]!.priority < priority) at--;
    this.entries.set(event, [...list.slice(0, at), entry, ...list.slice(at)]);
    return () => {
      const now = this.entries.get(event);
      if (now?.includes(entry)) this.entries.set(event, now.filter((e) => e !== entry));
    };
  }

  /** Whether any handler is registered for `event`: lets hot paths skip building an event object. */
  has(event: keyof HookEvents): boolean {
    return (this.entries.get(event)?.length ?? 0) > 0;
  }

  count(event: keyof HookEvents): number {
    return this.entries.get(event)?.length ?? 0;
  }

  /** Runs every handler of `event` in order. Never rejects: handler errors are isolated and reported. */
  async emit<K extends keyof HookEvents>(event: K, ...args: Parameters<HookEvents[K]>): Promise<void> {
    const list = this.entries.get(event);
    if (!list) return;
    const subject = args[0];
    const stoppable = isStoppable(subject) ? subject : undefined;
    const deciding = subject instanceof MessageEvent ? subject : undefined;
    for (const entry of list) {
      if (deciding) deciding.hookOwner = entry.owner;
      try {
        const result = (entry.handler as (...a: unknown[]) => unknown)(...args);
        if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
          const pending = result as PromiseLike<unknown>;
          await (entry.timeoutMs > 0 ? withTimeLimit(pending, entry.timeoutMs, `hook ${event} of ${entry.owner}`) : pending);
        }
      } catch (thrown) {
        await this.report(event, entry.owner, thrown, chatKeyOf(subject));
      }
      if (stoppable?.stopped) return;
    }
  }

  private async report(event: keyof HookEvents, owner: string, thrown: unknown, chatKey: string | undefined): Promise<void> {
    const error = toError(thrown);
    this.metrics.count('hook_errors_total', { event, owner });
    this.log.error({ err: error, hook: event, plugin: owner, chatKey }, `hook ${event} of ${owner} threw; the chain goes on`);
    // An exception handler that throws is logged above like any other, but not reported again: no loops.
    if (event === 'exception') return;
    const exception: ExceptionEvent = { error, stage: event, owner, chatKey };
    await this.emit('exception', exception);
  }
}

function chatKeyOf(subject: unknown): string | undefined {
  if (typeof subject !== 'object' || subject === null) return undefined;
  const s = subject as { chatKey?: unknown; message?: { chatKey?: unknown } };
  if (typeof s.chatKey === 'string') return s.chatKey;
  if (typeof s.message?.chatKey === 'string') return s.message.chatKey;
  return undefined;
}
