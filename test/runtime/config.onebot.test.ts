import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors/index.js';
import { isLoopbackHost } from '../../core/http/index.js';
import { loadConfig } from '../../app/config.js';

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

describe('OneBot reverse WS: the token rule', () => {
  it('refuses a reverse server beyond loopback without a token, naming ONEBOT_ACCESS_TOKEN and ONEBOT_ALLOW_NO_TOKEN', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'bot.example.com']) {
      const err = configErrorOf({ ONEBOT_REVERSE_PORT: '8080', ONEBOT_REVERSE_HOST: host });
      expect(err.variables).toEqual(expect.arrayContaining(['ONEBOT_ACCESS_TOKEN', 'ONEBOT_ALLOW_NO_TOKEN']));
      expect(err.message).toContain('ONEBOT_ACCESS_TOKEN');
      expect(err.message).toContain('ONEBOT_ALLOW_NO_TOKEN=1');
    }
  });

  it('starts beyond loopback with a token, or with ONEBOT_ALLOW_NO_TOKEN=1; on loopback without either', () => {
    const reverse = { ONEBOT_REVERSE_PORT: '8080', ONEBOT_REVERSE_HOST: '0.0.0.0' };
    expect(loadConfig({ ...reverse, ONEBOT_ACCESS_TOKEN: 's3cret' }).onebot).toMatchObject({ accessToken: 's3cret', allowNoToken: false });
    expect(loadConfig({ ...reverse, ONEBOT_ALLOW_NO_TOKEN: '1' }).onebot).toMatchObject({ accessToken: '', allowNoToken: true });
    expect(loadConfig({ ONEBOT_REVERSE_PORT: '8080' }).onebot).toMatchObject({ reverse: { host: '127.0.0.1', port: 8080 }, accessToken: '' });
    // Forward links only: the rule is about who may dial in.
    expect(loadConfig({ ONEBOT_WS_URLS: 'ws://10.0.0.2:3001', ONEBOT_REVERSE_HOST: '0.0.0.0' }).onebot?.reverse).toBeUndefined();
  });

  it('keeps a departed account 10 minutes by default (ONEBOT_ACCOUNT_GRACE_MS)', () => {
    expect(loadConfig({ ONEBOT_REVERSE_PORT: '8080' }).onebot?.accountGraceMs).toBe(600_000);
    expect(loadConfig({ ONEBOT_REVERSE_PORT: '8080', ONEBOT_ACCOUNT_GRACE_MS: '5000' }).onebot?.accountGraceMs).toBe(5000);
    expect(configErrorOf({ ONEBOT_ACCOUNT_GRACE_MS: 'soon' }).variables).toEqual(['ONEBOT_ACCOUNT_GRACE_MS']);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopbackHost(host)).toBe(false);
  });
});
