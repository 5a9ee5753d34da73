import { SimpleShardingStrategy, type WebSocketOptions } from 'discord.js';

// @discordjs/ws's manager and strategy, as discord.js's `ws.buildStrategy` names them (discord.js exports its own
// classes under the same names, so the types are taken from the option rather than imported).
type WebSocketManager = Parameters<NonNullable<WebSocketOptions['buildStrategy']>>[0];
type IShardingStrategy = ReturnType<NonNullable<WebSocketOptions['buildStrategy']>>;
/** @discordjs/ws's `WebSocketShardEvents.Dispatch`. */
const DISPATCH = 'dispatch';

/** What the guard asks about each dispatch, and whom it tells when discord.js failed on one. */
export interface DispatchTap {
  /**
   * Sees every dispatch first (the adapter reads its messages here) and says whether discord.js may handle it:
   * false for one it would choke on.
   */
  inspect(t: string, d: unknown): boolean;
  /** discord.js threw while handling an accepted dispatch; the connection goes on. */
  failed(t: string, err: unknown): void;
}

interface DispatchPayload {
  data: { t?: unknown; d?: unknown };
}

/**
 * discord.js's sharding strategy (`ws.buildStrategy`), unchanged except that every dispatch passes the tap
 * before discord.js handles it. discord.js reads dispatch fields without checking them, inside the socket's
 * message handler: a `MESSAGE_CREATE` whose `d` is null ends as an unhandled rejection, which would stop the
 * app. The shards are discord.js's own: resume, reconnect, heartbeats and identify throttling stay its job.
 */
export function guardedStrategy(tap: DispatchTap): (manager: WebSocketManager) => IShardingStrategy {
  return (manager) => new SimpleShardingStrategy(withGuardedDispatch(manager, tap));
}

/**
 * The manager as the strategy's shards see it: its own methods and fields, except `emit`, which filters
 * dispatches. A proxy rather than a subclass, because the strategy reports every shard event through
 * `manager.emit` and the manager is discord.js's to create.
 */
function withGuardedDispatch(manager: WebSocketManager, tap: DispatchTap): WebSocketManager {
  const forward = manager.emit.bind(manager) as (event: string, payload: unknown) => boolean;
  const emit = (event: string, payload: DispatchPayload): boolean => {
    if (event !== DISPATCH) return forward(event, payload);
    const t = typeof payload.data?.t === 'string' ? payload.data.t : '';
    if (!tap.inspect(t, payload.data?.d)) return false;
    try {
      return forward(event, payload);
    } catch (err) {
      tap.failed(t, err);
      return true;
    }
  };
  return new Proxy(manager, {
    get(target, prop) {
      if (prop === 'emit') return emit;
      const value: unknown = Reflect.get(target, prop, target);
      // Bound to the real manager: its private fields exist only there.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
