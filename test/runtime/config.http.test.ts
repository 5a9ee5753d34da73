import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors/index.js';
import { loadConfig } from '../../app/config.js';

const TOKEN = '123456:ABC-def_9';
const ADMIN = 'admin-token-0123456789';
const webhook = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg/hook', TELEGRAM_WEBHOOK_SECRET: 's3cret_-X', HTTP_PORT: '8443' };


function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

describe('HTTP settings', () => {
  it('runs no server by default, and one on HTTP_HOST:HTTP_PORT when the port is set', () => {
    expect(loadConfig({}).http).toBeUndefined();
    expect(loadConfig({ HTTP_PORT: '8080' }).http).toEqual({
      host: '127.0.0.1', port: 8080, admin: { token: undefined, sessionTtlMs: 43_200_000, origins: [] }, metricsToken: undefined,
    });
    expect(loadConfig({ HTTP_PORT: '0', HTTP_HOST: '0.0.0.0', ADMIN_TOKEN: ADMIN }).http).toMatchObject({ host: '0.0.0.0', port: 0, admin: { token: ADMIN } });
    expect(loadConfig({ HTTP_PORT: '0', HTTP_HOST: '0.0.0.0', ADMIN_API: '0' }).http).toMatchObject({ host: '0.0.0.0', admin: undefined });
  });

  it('refuses a non-loopback HTTP_HOST without ADMIN_TOKEN, naming both', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'bot.example.com']) {
      const err = configErrorOf({ HTTP_PORT: '8080', HTTP_HOST: host });
      expect(err.variables).toEqual(['HTTP_HOST', 'ADMIN_TOKEN']);
      expect(err.message).toContain(`HTTP_HOST=${host}`);
      expect(err.message).toContain('Set ADMIN_TOKEN');
    }
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) expect(loadConfig({ HTTP_PORT: '8080', HTTP_HOST: host }).http?.host).toBe(host);
  });

  it('refuses a short admin or metrics token without showing it, and origins that are not origins', () => {
    for (const name of ['ADMIN_TOKEN', 'METRICS_TOKEN']) {
      const err = configErrorOf({ [name]: 'short-secret' });
      expect(err.variables).toEqual([name]);
      expect(err.message).toContain('got 12 characters');
      expect(err.message).not.toContain('short-secret');
    }
    expect(configErrorOf({ ADMIN_ORIGINS: 'https://bot.example.com/path' }).variables).toEqual(['ADMIN_ORIGINS']);
    expect(loadConfig({ HTTP_PORT: '1', ADMIN_ORIGINS: 'https://bot.example.com, http://10.0.0.2:8080' }).http?.admin?.origins).toEqual(['https://bot.example.com', 'http://10.0.0.2:8080']);
  });

  it('refuses a port that is not a whole number from 0 to 65535', () => {
    for (const bad of ['-1', '65536', 'http', '80.5']) {
      const err = configErrorOf({ HTTP_PORT: bad });
      expect(err.variables).toEqual(['HTTP_PORT']);
      expect(err.message).toContain(`(got "${bad}")`);
    }
  });
});

describe('Telegram webhook settings', () => {
  it('turns webhook mode on with the URL and secret', () => {
    expect(loadConfig(webhook).telegram).toEqual({
      token: TOKEN, pollingTimeoutSec: 30, webhook: { url: 'https://bot.example.com/tg/hook', secret: 's3cret_-X' },
    });
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN }).telegram?.webhook).toBeUndefined();
  });

  it('requires the secret, the HTTP server and the bot token', () => {
    expect(configErrorOf({ ...webhook, TELEGRAM_WEBHOOK_SECRET: '' }).variables).toEqual(['TELEGRAM_WEBHOOK_SECRET']);
    const noPort = configErrorOf({ ...webhook, HTTP_PORT: '' });
    expect(noPort.variables).toEqual(['HTTP_PORT', 'TELEGRAM_WEBHOOK_URL']);
    expect(noPort.message).toContain('set HTTP_PORT');
    expect(configErrorOf({ ...webhook, TELEGRAM_BOT_TOKEN: '' }).variables).toEqual(['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_BOT_TOKEN']);
  });

  it('refuses a secret Telegram would refuse, and a secret without a URL', () => {
    expect(configErrorOf({ ...webhook, TELEGRAM_WEBHOOK_SECRET: 'has spaces' }).variables).toEqual(['TELEGRAM_WEBHOOK_SECRET']);
    expect(configErrorOf({ ...webhook, TELEGRAM_WEBHOOK_SECRET: 'x'.repeat(257) }).variables).toEqual(['TELEGRAM_WEBHOOK_SECRET']);
    expect(configErrorOf({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: 'abc' }).variables).toEqual(['TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_WEBHOOK_URL']);
  });

  it('needs https, unless a local Bot API server (which also posts to http) is used', () => {
    expect(configErrorOf({ ...webhook, TELEGRAM_WEBHOOK_URL: 'not a url' }).variables).toEqual(['TELEGRAM_WEBHOOK_URL']);
    const plain = configErrorOf({ ...webhook, TELEGRAM_WEBHOOK_URL: 'http://bot.example.com/tg' });
    expect(plain.message).toContain('must be https');
    const local = loadConfig({ ...webhook, TELEGRAM_WEBHOOK_URL: 'http://10.0.0.2:8081/tg', TELEGRAM_API_ROOT: 'http://10.0.0.3:8081' });
    expect(local.telegram?.webhook?.url).toBe('http://10.0.0.2:8081/tg');
  });
});
