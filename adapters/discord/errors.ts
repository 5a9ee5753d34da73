import { DiscordAPIError } from 'discord.js';
import { NekomataError } from '../../core/errors/index.js';

/** Discord refused a REST call; `status` and `discordCode` are Discord's own (JSON error codes). */
export class DiscordApiError extends NekomataError {
  constructor(
    readonly what: string,
    readonly status: number | undefined,
    readonly discordCode: number | string | undefined,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super('DISCORD_API', `Discord ${what} failed (${status ?? 'network'}${discordCode !== undefined ? `, code ${discordCode}` : ''}): ${description}`, options);
  }
}

/**
 * Discord will not take this channel's messages: the bot lacks a permission there (403, code 50013 or 50001)
 * or the channel is gone (404, code 10003). Not retried: it needs a person to change a permission.
 */
export class DiscordChannelRefusedError extends NekomataError {
  constructor(
    readonly chatKey: string,
    readonly channelId: string,
    readonly discordCode: number,
    /** Permissions the bot lacks in the channel, by their Discord names, when its cache could tell. */
    readonly missing: readonly string[],
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('DISCORD_CHANNEL_REFUSED', `Discord refused to send to ${chatKey}: ${reason}`, options);
  }
}

/** A file is larger than Discord takes in one message; nothing of the reply was sent. */
export class DiscordUploadTooLargeError extends NekomataError {
  constructor(readonly fileName: string, readonly size: number, readonly limit: number) {
    super(
      'DISCORD_UPLOAD_TOO_LARGE',
      `${fileName} is ${mib(size)}; Discord takes at most ${mib(limit)} per message from this bot (DISCORD_MAX_UPLOAD_MB): send a link or a smaller file`,
    );
  }
}

/** A media segment could not be read for upload (no such file, a URL that failed, a platform file id). */
export class DiscordMediaError extends NekomataError {
  constructor(readonly source: string, reason: string, options?: { cause?: unknown }) {
    super('DISCORD_MEDIA', `cannot upload ${source} to Discord: ${reason}`, options);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** discord.js's REST error as a typed one, keeping Discord's status and code. */
export function toDiscordError(err: unknown, what: string): unknown {
  if (err instanceof DiscordAPIError) return new DiscordApiError(what, err.status, err.code, err.message, { cause: err });
  if (err instanceof Error && err.name === 'HTTPError') return new DiscordApiError(what, (err as { status?: number }).status, undefined, err.message, { cause: err });
  return err;
}
