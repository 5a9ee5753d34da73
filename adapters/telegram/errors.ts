import { GrammyError, HttpError } from 'grammy';
import { ChatKeyError, NekomataError, ValidationError } from '../../core/errors/index.js';

/** The Bot API refused a call; `errorCode` and `description` are Telegram's own. */
export class TelegramApiError extends NekomataError {
  constructor(
    readonly method: string,
    readonly errorCode: number | undefined,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super('TELEGRAM_API', `Telegram ${method} failed (${errorCode ?? 'network'}): ${description}`, options);
  }
}

/**
 * The bot may not write to this chat any more (403: blocked by the user, kicked from the group). Sends to it
 * fail fast with this error until the chat writes to the bot again.
 */
export class TelegramChatBlockedError extends NekomataError {
  constructor(readonly chatKey: string, readonly description: string) {
    super('TELEGRAM_CHAT_BLOCKED', `Telegram chat ${chatKey} refuses the bot (${description}); it is skipped until it writes to the bot again`);
  }
}

/** A grammY error as a typed one, keeping Telegram's error_code and description. */
export function toTelegramError(err: unknown, fallbackMethod: string): unknown {
  if (err instanceof GrammyError) return new TelegramApiError(err.method, err.error_code, err.description, { cause: err });
  if (err instanceof HttpError) return new TelegramApiError(fallbackMethod, undefined, err.message, { cause: err });
  return err;
}

/** Errors that say the input itself is wrong: JavaScript's own, and validation at our edges. */
const INPUT_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError, URIError, EvalError, ValidationError, ChatKeyError];

/**
 * Whether an update whose handling threw may succeed when Telegram delivers it again: the app shutting
 * down, the buffer's Redis away, Telegram unreachable for a lookup. An error that says the update itself is
 * wrong (a field of the wrong type, a message that fails validation) fails the same way on every delivery.
 */
export function isWorthRetrying(err: unknown): boolean {
  return !INPUT_ERRORS.some((type) => err instanceof type);
}
