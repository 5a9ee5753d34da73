/**
 * Typed errors. Every error the framework throws on purpose is a `NekomataError` with a stable `code`
 * that callers and tests can match on, and a message that says what went wrong and what to do.
 */
export class NekomataError extends Error {
  /** Stable, machine-readable identifier, e.g. `CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
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
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'UNAVAILABLE', message, options);
  }
}

/** Normalises anything thrown into an `Error` so it can be logged with a stack. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
