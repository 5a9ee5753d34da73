import { z } from 'zod';
import { boolSetting, defineSettings, intSetting, listSetting } from '../../core/runtime/index.js';

/** What the Discord adapter takes from the environment (its options of the same names). */
export interface DiscordSettings {
  token: string;
  apiUrl?: string;
  /** Publish slash commands to these guilds (at once) instead of globally. */
  guildIds: string[];
  /** The privileged Message Content intent. */
  messageContent: boolean;
  /** The privileged Server Members intent: member joins and leaves. */
  memberEvents: boolean;
  maxUploadBytes: number;
}

/** The `DISCORD_*` settings: on when `DISCORD_TOKEN` is set. */
export const discordSettings = defineSettings({
  name: 'discord',
  variables: {
    DISCORD_TOKEN: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'expected the bot token from the Developer Portal (Bot → Reset Token): three parts separated by dots').optional(),
    DISCORD_API_URL: z.string().regex(/^https?:\/\//, "expected the http(s) base URL of Discord's REST API, e.g. https://discord.com/api").optional(),
    DISCORD_GUILD_IDS: listSetting(z.string().regex(/^\d{17,20}$/, 'entries must be guild ids (snowflakes such as 1234567890123456789)')),
    DISCORD_MESSAGE_CONTENT: boolSetting.default(true),
    DISCORD_MEMBER_EVENTS: boolSetting.default(false),
    DISCORD_MAX_UPLOAD_MB: intSetting(1, 500).default(10),
  },
  read: (v): DiscordSettings | undefined =>
    v.DISCORD_TOKEN
      ? {
          token: v.DISCORD_TOKEN,
          ...(v.DISCORD_API_URL ? { apiUrl: v.DISCORD_API_URL.replace(/\/+$/, '') } : {}),
          guildIds: v.DISCORD_GUILD_IDS,
          messageContent: v.DISCORD_MESSAGE_CONTENT,
          memberEvents: v.DISCORD_MEMBER_EVENTS,
          maxUploadBytes: v.DISCORD_MAX_UPLOAD_MB * 1024 * 1024,
        }
      : undefined,
});
