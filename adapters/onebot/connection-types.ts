import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { NekomataError } from '../../core/errors/index.js';
import type { Metrics, RepeatLog } from '../../core/metrics/index.js';

/** `connecting` until first usable, `online`, `reconnecting` after losing it, `offline` once closed (terminal). */
export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';
/** What a socket carries (OneBot v11 §1.3): API calls and events, API calls only, or events only. */
export type SocketRole = 'universal' | 'api' | 'event';
/** A parsed inbound frame: an event (has `post_type`) or an action response. */
export type OneBotFrame = Record<string, unknown>;
export type MalformedKind = 'not-json' | 'not-object' | 'binary' | 'oversized';
/** Why a socket was lost: the peer or network closed it, the watchdog gave up on it, or a frame was too large. */
export type DownReason = 'closed' | 'watchdog' | 'oversized';

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  reason: string;
}

export interface MalformedFrame {
  kind: MalformedKind;
  role: SocketRole;
  /** Size of the frame; unknown for one `ws` refused at its header. */
  bytes?: number;
}

export interface LinkDown {
  reason: DownReason;
  role: SocketRole;
  /** WebSocket close code as `ws` reports it (1006 when the socket died without a close frame). */
  code: number;
  detail: string;
}

export interface OneBotConnectionEvents {
  state: [change: StateChange];
  frame: [frame: OneBotFrame, role: SocketRole];
  malformed: [frame: MalformedFrame];
  down: [down: LinkDown];
  identified: [selfId: string];
}

export interface OneBotConnectionOptions {
  /** The account, when known up front (reverse WS: `X-Self-ID`). */
  selfId?: string;
  /** Larger frames are refused. Sockets given to `attach` should have `ws` `maxPayload` set to this. Default 1 MiB. */
  maxFrameBytes?: number;
  /**
   * The link is dropped when nothing arrives for this many announced heartbeat intervals. Default 2: one late
   * heartbeat is forgiven, two are not. Reference §1.5 suggests about 3 for implementations with uneven timers.
   */
  watchdogFactor?: number;
  /** How often each socket is pinged; 0 turns pings off. Default 30 000 ms. */
  pingIntervalMs?: number;
  /** A socket whose pong takes longer is dropped. Default 10 000 ms. */
  pongTimeoutMs?: number;
  /** `close()` waits this long for a close handshake before cutting the socket. Default 2000 ms. */
  closeTimeoutMs?: number;
  log?: Logger;
  metrics?: Metrics;
  /** Where input a peer can repeat without bound (malformed frames) is logged, once per kind a window. */
  noise?: RepeatLog;
}

/** A frame was to be sent while no socket could carry API calls. */
export class OneBotNotConnectedError extends NekomataError {
  constructor(readonly state: ConnectionState) {
    super('ONEBOT_NOT_CONNECTED', `the OneBot connection is ${state}: no socket carries API calls; wait for state "online" and retry`);
  }
}

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * The longest heartbeat interval believed (1 h; implementations announce 5-60 s). Node's timers take at most
 * 2^31-1 ms and fire at once beyond it, so a larger `interval` would drop the link on every heartbeat.
 */
export const MAX_HEARTBEAT_INTERVAL_MS = 3_600_000;

/** The TCP socket under a `ws` socket (forward: the upgrade response's; reverse: the upgrade request's). */
export type RawSocket = Pick<Writable, 'cork' | 'uncork'>;
