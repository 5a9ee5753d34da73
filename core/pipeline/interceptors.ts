import type { Logger } from 'pino';
import { NekomataError, toError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { InboundMessage } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';

/**
 * Looks at a message before the `im_message` hooks and may take it: commands and pending `CmdCtl.wait`
 * sessions are interceptors. Returning true means "handled here": the message goes no further.
 *
 * The chat's next message waits until the interceptor returns. Work that must not hold the chat but must
 * finish before `ingest` resolves (a command's replies on their way to the platform) goes to `after.defer`.
 */
export type Interceptor = (message: InboundMessage, after: AfterIntercept) => boolean | Promise<boolean>;

export interface AfterIntercept {
  /** `ingest` resolves once `work` settles; the chat's lane does not wait for it. `work` must not reject. */
  defer(work: Promise<void>): void;
}

export interface InterceptorOptions {
  /** Higher runs first; default 0. Wait sessions sit above commands. */
  priority?: number;
  owner?: string;
}

interface Entry {
  run: Interceptor;
  priority: number;
  owner: string;
}

/** The ordered interceptors. One that throws is logged, counted and treated as not having taken the message. */
export class InterceptorChain {
  private list: readonly Entry[] = [];

  constructor(private readonly deps: { log: Logger; metrics: Metrics }) {}

  add(run: Interceptor, opts: InterceptorOptions = {}): Disposer {
    const priority = opts.priority ?? 0;
    if (!Number.isInteger(priority)) {
      throw new NekomataError('INTERCEPTOR_PRIORITY_INVALID', `interceptor priority must be an integer, got ${priority}`);
    }
    const entry: Entry = { run, priority, owner: opts.owner ?? 'core' };
    this.list = [...this.list, entry].sort((a, b) => b.priority - a.priority);
    return () => {
      this.list = this.list.filter((e) => e !== entry);
    };
  }

  get size(): number {
    return this.list.length;
  }

  /** Returns the owner of the interceptor that took the message, or undefined. */
  async offer(message: InboundMessage, after: AfterIntercept): Promise<string | undefined> {
    for (const entry of this.list) {
      try {
        // Most interceptors decline at once without a promise (no wait pending): no await for those.
        const taken = entry.run(message, after);
        if (taken === true || (taken !== false && (await taken))) return entry.owner;
      } catch (thrown) {
        this.deps.metrics.count('interceptor_errors_total', { owner: entry.owner });
        this.deps.log.error({ err: toError(thrown), plugin: entry.owner, chatKey: message.chatKey }, 'interceptor threw; the message goes on');
      }
    }
    return undefined;
  }
}
