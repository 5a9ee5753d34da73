import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors/index.js';
import { loadConfig } from '../../app/config.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB';

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

describe('Discord settings', () => {
  it('are off without DISCORD_TOKEN, and take their defaults with it', () => {
    expect(loadConfig({}).discord).toBeUndefined();
    expect(loadConfig({ DISCORD_TOKEN: TOKEN }).discord).toEqual({ token: TOKEN, guildIds: [], messageContent: true, memberEvents: false, maxUploadBytes: 10 * 1024 * 1024 });
  });

  it('read the API URL, guild ids, intents and upload limit', () => {
    const config = loadConfig({
      DISCORD_TOKEN: TOKEN, DISCORD_API_URL: 'http://127.0.0.1:8080/api/', DISCORD_GUILD_IDS: '123456789012345678, 223456789012345678',
      DISCORD_MESSAGE_CONTENT: '0', DISCORD_MEMBER_EVENTS: '1', DISCORD_MAX_UPLOAD_MB: '50',
    });
    expect(config.discord).toEqual({
      token: TOKEN, apiUrl: 'http://127.0.0.1:8080/api', guildIds: ['123456789012345678', '223456789012345678'],
      messageContent: false, memberEvents: true, maxUploadBytes: 50 * 1024 * 1024,
    });
  });

  it('refuse a malformed token, URL, guild id or upload limit, naming the variable', () => {
    const err = configErrorOf({ DISCORD_TOKEN: 'not a token', DISCORD_API_URL: 'discord.com/api', DISCORD_GUILD_IDS: 'general', DISCORD_MAX_UPLOAD_MB: '0' });
    expect(err.variables).toEqual(expect.arrayContaining(['DISCORD_TOKEN', 'DISCORD_API_URL', 'DISCORD_GUILD_IDS', 'DISCORD_MAX_UPLOAD_MB']));
    expect(err.message).toContain('Developer Portal');
  });
});
