/** The Discord adapter's settings, as the config schema has parsed them. */
interface DiscordEnv {
  DISCORD_TOKEN?: string | undefined;
  DISCORD_API_URL?: string | undefined;
  DISCORD_GUILD_IDS: string[];
  DISCORD_MESSAGE_CONTENT: boolean;
  DISCORD_MEMBER_EVENTS: boolean;
  DISCORD_MAX_UPLOAD_MB: number;
}

/** What `DiscordAdapter` takes from the environment (its options of the same names). */
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

/** The Discord adapter's settings when `DISCORD_TOKEN` is set; undefined otherwise. */
export function discordSettings(env: DiscordEnv): DiscordSettings | undefined {
  if (!env.DISCORD_TOKEN) return undefined;
  return {
    token: env.DISCORD_TOKEN,
    ...(env.DISCORD_API_URL ? { apiUrl: env.DISCORD_API_URL.replace(/\/+$/, '') } : {}),
    guildIds: env.DISCORD_GUILD_IDS,
    messageContent: env.DISCORD_MESSAGE_CONTENT,
    memberEvents: env.DISCORD_MEMBER_EVENTS,
    maxUploadBytes: env.DISCORD_MAX_UPLOAD_MB * 1024 * 1024,
  };
}
