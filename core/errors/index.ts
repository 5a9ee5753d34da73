import type { ErrorCode } from './codes.js';

export { ERROR_CODES, type ErrorCode } from './codes.js';
/**
 * Typed errors. Every error the framework throws on purpose is a `NekomataError` with a stable `code`
 * that callers and tests can match on, and a message that says what went wrong and what to do.
 */
export class NekomataError extends Error {
  /** Stable, machine-readable identifier, e.g. `CONFIG_INVALID`; every one is listed in `ERROR_CODES`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A setting read from the environment is missing or malformed; `variables` names each offending one. */
export class ConfigError extends NekomataError {
  constructor(readonly variables: readonly string[], message: string) {
    super('CONFIG_INVALID', message);
  }
}

/** Input from outside (an adapter, a plugin, an API body) does not match the expected shape. */
export class ValidationError extends NekomataError {
  constructor(readonly what: string, readonly issues: readonly string[]) {
    super('VALIDATION_FAILED', `${what} is invalid: ${issues.join('; ')}`);
  }
}

/** A chat key does not have the form `<adapter>-<private|group>_<id>`. */
export class ChatKeyError extends NekomataError {
  constructor(readonly chatKey: string) {
    super(
      'CHAT_KEY_INVALID',
      `chat key "${chatKey}" is malformed: expected "<adapter>-<private|group>_<id>", e.g. "onebot-group_12345"`,
    );
  }
}

/** An operation was attempted on a component that has been closed. */
export class ClosedError extends NekomataError {
  constructor(readonly component: string) {
    super('CLOSED', `${component} is closed: it no longer accepts work`);
  }
}

/** A call ran past its time limit and was abandoned. */
export class TimeoutError extends NekomataError {
  constructor(readonly what: string, readonly ms: number) {
    super('TIMEOUT', `${what} did not finish within ${ms} ms and was abandoned`);
  }
}

/**
 * A service the work depends on (Redis, a gateway through the outbox) could not be reached in time: the work
 * was not done, or its outcome is unknown, and is to be retried rather than given up (a batch whose handler
 * failed with it is run again, see `SessionManager`).
 */
export class UnavailableError extends NekomataError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'UNAVAILABLE', message, options);
  }
}

/**
 * Whether `err` says Redis (or a service behind it) could not be reached, rather than that a command was
 * refused: a typed `UnavailableError`, or ioredis's connection errors. Such work is retried, not given up.
 */
export function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof UnavailableError || CONNECTION_ERRORS.has(e.name) || e.message === 'Connection is closed.') return true;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  }
  return false;
}

/** ioredis: a command given up after its reconnection attempts, or cut short by a dropped connection. */
const CONNECTION_ERRORS = new Set(['MaxRetriesPerRequestError', 'AbortError']);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Normalises anything thrown into an `Error` so it can be logged with a stack. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
