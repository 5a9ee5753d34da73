import { GrammyError, HttpError } from 'grammy';
import { NekomataError } from '../../core/index.js';

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
