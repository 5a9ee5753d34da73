import { randomBytes } from 'node:crypto';
import { NekomataError, TimeoutError, type ErrorCode } from '../../core/errors/index.js';
import type { ActionRequest, ActionResponse } from './types.js';

/**
 * Echo-matched OneBot v11 action calls over one connection (reference onebot11.md §2, §8.5–§8.7). The
 * connection writes frames and feeds responses back; this class pairs them, times calls out, and turns
 * failures into typed errors.
 *
 * @example
 * const api = new OneBotApi((frame) => socket.send(JSON.stringify(frame)), { timeoutMs: 30_000 });
 * socket.on('close', () => api.rejectAll(new OneBotLinkDownError('socket closed')));
 * const { message_id } = await api.call<{ message_id: number }>('send_group_msg', { group_id: 1, message: [] });
 */

/** Why a OneBot action failed, from its retcode (§2.1, §8.6). */
export type OneBotFailureReason = 'bad-request' | 'unauthorized' | 'unsupported-action' | 'action-threw' | 'failed';

const REASONS: Record<number, OneBotFailureReason> = {
  1400: 'bad-request',
  1401: 'unauthorized',
  1403: 'unauthorized',
  1404: 'unsupported-action',
  404: 'unsupported-action', // Lagrange
  1200: 'action-threw', // NapCat over WS
  200: 'action-threw', // Lagrange, NapCat over HTTP
};

const ADVICE: Record<OneBotFailureReason, string> = {
  'bad-request': 'the implementation rejected the parameters; check them against the action',
  unauthorized: 'the access token is missing or wrong; check the token configured on both sides',
  'unsupported-action': 'this OneBot implementation does not offer the action',
  'action-threw': 'the implementation failed while running it (NapCat: e.g. a message id no longer in its cache)',
  failed: 'the implementation or QQ refused it',
};

/** The implementation answered `failed` (or a non-zero retcode without `ok`/`async`). Not worth retrying as is. */
export class OneBotActionError extends NekomataError {
  readonly reason: OneBotFailureReason;
  constructor(
    readonly action: string,
    readonly retcode: number,
    /** The implementation's `message` (or go-cqhttp's `msg`), when it sent one. */
    readonly detail: string | undefined,
    readonly wording: string | undefined,
  ) {
    const reason = REASONS[retcode] ?? 'failed';
    const said = detail || wording ? `: ${detail || wording}` : '';
    super('ONEBOT_ACTION_FAILED', `OneBot action "${action}" failed with retcode ${retcode}${said} (${ADVICE[reason]})`);
    this.reason = reason;
  }
}

/** No answer within the time limit. The call may still run on the implementation's side. */
export class OneBotCallTimeoutError extends TimeoutError {
  override readonly code: ErrorCode = 'ONEBOT_CALL_TIMEOUT';
  constructor(readonly action: string, ms: number) {
    super(`OneBot action "${action}"`, ms);
  }
}

/**
 * A send action was written but never answered: the message may or may not have been delivered. Distinct
 * from `OneBotActionError` (refused, certainly not sent), so that callers do not resend blindly and post twice.
 */
export class OneBotDeliveryUnknownError extends NekomataError {
  constructor(
    readonly action: string,
    /** `timeout`: no answer in time; `link-down`: the connection dropped before the answer. */
    readonly why: 'timeout' | 'link-down',
    readonly ms: number,
    options?: { cause?: unknown },
  ) {
    const what = why === 'timeout' ? `got no answer within ${ms} ms` : 'lost its connection before the answer';
    super('ONEBOT_DELIVERY_UNKNOWN', `OneBot action "${action}" ${what}: delivery unknown; check the chat before resending`, options);
  }
}

/** The connection is down: calls cannot be written, and pending ones will never be answered. */
export class OneBotLinkDownError extends NekomataError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('ONEBOT_LINK_DOWN', `OneBot connection is down (${reason}): the call got no answer; retry it once the connection is back`, options);
  }
}

/** Actions that post a message; their fate is unknown when no answer comes (§8.7). */
const SEND_ACTION = /^send_(msg|private_msg|group_msg|forward_msg|private_forward_msg|group_forward_msg)(_async|_rate_limited)?$/;

export function isSendAction(action: string): boolean {
  return SEND_ACTION.test(action);
}

export interface OneBotApiOptions {
  /** Default per-call time limit; 30 s as NoneBot (§8.7). */
  timeoutMs?: number;
  /** Told of each response nobody waits for (late after a timeout, or for another client), to count and log it. */
  onUnmatched?: (response: ActionResponse) => void;
}

export interface CallOptions {
  /** Time limit for this call; give media uploads and forwards more (NapCat may take minutes, §6.1). */
  timeoutMs?: number;
}

interface PendingCall {
  action: string;
  timeoutMs: number;
  timer: NodeJS.Timeout;
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
}

export class OneBotApi {
  private readonly calls = new Map<string, PendingCall>();
  // §2.3: unique string echoes, matched by strict equality; the prefix keeps two instances (or a restart) apart.
  private readonly echoPrefix = randomBytes(4).toString('hex');
  private seq = 0;
  private unmatchedCount = 0;
  private readonly timeoutMs: number;

  constructor(
    private readonly send: (frame: ActionRequest) => void,
    private readonly options: OneBotApiOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Calls waiting for their response. */
  get pending(): number {
    return this.calls.size;
  }

  /** Responses that matched no pending call (late after a timeout, unknown or missing echo). */
  get unmatched(): number {
    return this.unmatchedCount;
  }

  /**
   * Sends `action` and resolves with the response's `data` (`null` for `async`). Rejects with
   * `OneBotActionError`, `OneBotCallTimeoutError`, `OneBotDeliveryUnknownError` (send actions) or
   * `OneBotLinkDownError`.
   */
  call<T = unknown>(action: string, params: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<T> {
    const echo = `${this.echoPrefix}:${++this.seq}`;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.expire(echo), timeoutMs);
      timer.unref?.();
      this.calls.set(echo, { action, timeoutMs, timer, resolve: resolve as (data: unknown) => void, reject });
      try {
        this.send({ action, params, echo });
      } catch (err) {
        // Nothing was written, so even a send action is certainly not delivered.
        this.take(echo);
        reject(new OneBotLinkDownError(`could not write "${action}": ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      }
    });
  }

  /** Settles the call the response's echo names; returns false (and counts it) when none waits. */
  handleResponse(response: ActionResponse): boolean {
    const call = typeof response.echo === 'string' ? this.take(response.echo) : undefined;
    if (!call) {
      this.unmatchedCount++;
      this.options.onUnmatched?.(response);
      return false;
    }
    // §2.1: ok and async are success, whatever the retcode says.
    if (response.status === 'ok' || response.status === 'async') call.resolve(response.data ?? null);
    else call.reject(new OneBotActionError(call.action, response.retcode, response.message, response.wording));
    return true;
  }

  /**
   * Rejects every pending call at once, e.g. with `OneBotLinkDownError` when the socket closes (§2.1).
   * Send actions reject with `OneBotDeliveryUnknownError` (cause: `error`) instead, because their frame
   * was written and may have been acted on. Returns how many calls were rejected.
   */
  rejectAll(error: Error): number {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) {
      clearTimeout(call.timer);
      call.reject(isSendAction(call.action) ? new OneBotDeliveryUnknownError(call.action, 'link-down', call.timeoutMs, { cause: error }) : error);
    }
    return calls.length;
  }

  private expire(echo: string): void {
    const call = this.take(echo);
    if (!call) return;
    const { action, timeoutMs } = call;
    call.reject(isSendAction(action) ? new OneBotDeliveryUnknownError(action, 'timeout', timeoutMs) : new OneBotCallTimeoutError(action, timeoutMs));
  }

  private take(echo: string): PendingCall | undefined {
    const call = this.calls.get(echo);
    if (!call) return undefined;
    this.calls.delete(echo);
    clearTimeout(call.timer);
    return call;
  }
}
