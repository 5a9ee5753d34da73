import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ProviderAttempt } from './provider.js';

export type Outcome = 'ok' | 'http_error' | 'timeout' | 'connection_error' | 'bad_response' | 'aborted';

export interface FailureContext {
  model: string;
  timeoutMs: number;
  /** The request's own deadline (`LLM_TIMEOUT_MS`, body included) fired. */
  deadlineHit: boolean;
  /** Removes the API key from text that came from the server or the network. */
  redact: (text: string) => string;
}

/**
 * Why one model did not answer, with what an operator needs to find the fault: the HTTP status and the
 * provider's error code and type, or the system error of the connection, and the cause's own words. Only
 * chosen fields are kept: the client's error objects carry headers (a proxy may echo the key in them), so
 * they are never logged whole.
 */
export function describeFailure(err: unknown, c: FailureContext): { attempt: ProviderAttempt; outcome: Outcome } {
  const { model } = c;
  if (c.deadlineHit || err instanceof APIConnectionTimeoutError) {
    return { attempt: { model, message: `no complete answer within ${c.timeoutMs} ms (LLM_TIMEOUT_MS)` }, outcome: 'timeout' };
  }
  if (err instanceof APIConnectionError) {
    const root = rootCause(err);
    const errno = errnoOf(err);
    const message = `connection failed: ${c.redact(root.message)}`;
    return { attempt: { model, ...(errno ? { errno } : {}), message }, outcome: 'connection_error' };
  }
  if (err instanceof APIError && err.status !== undefined) {
    const body = (err.error as { message?: unknown } | undefined)?.message;
    const said = typeof body === 'string' ? body : err.message;
    const code = typeof err.code === 'string' ? err.code : undefined;
    const type = typeof err.type === 'string' ? err.type : undefined;
    const label = [`HTTP ${err.status}`, code, type && type !== code ? `(${type})` : undefined].filter(Boolean).join(' ');
    return {
      attempt: { model, status: err.status, ...(code ? { code } : {}), ...(type ? { type } : {}), message: `${label}: ${c.redact(said)}` },
      outcome: 'http_error',
    };
  }
  // BadResponseError, or the client failing to read the answer.
  return { attempt: { model, message: c.redact(err instanceof Error ? err.message : String(err)) }, outcome: 'bad_response' };
}

/** The innermost cause: undici says "fetch failed" and keeps "connect ECONNREFUSED 127.0.0.1:1" below it. */
function rootCause(err: Error): Error {
  let current = err;
  for (let depth = 0; depth < 8 && current.cause instanceof Error; depth++) current = current.cause;
  return current;
}

function errnoOf(err: Error): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}

/** A base URL fit for a log line: without user and password, should someone put them there. */
export function shownUrl(baseUrl: string): string {
  if (!URL.canParse(baseUrl)) return baseUrl;
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  return url.href.replace(/\/$/, '');
}

/** A function that removes `secret` from a text; the identity when there is no secret. */
export function redactor(secret: string): (text: string) => string {
  if (secret === '') return (text) => text;
  return (text) => text.split(secret).join('[redacted]');
}
