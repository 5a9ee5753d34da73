import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../../adapters/telegram/index.js';
import { OutboundHttp } from '../../../core/net/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { startCli } from '../../support/cli.js';
import { CountingProxy } from '../../support/counting-proxy.js';
import { FakeBotApi, privateText } from '../../peers/telegram/fake-bot-api.js';

const CREDENTIALS = { user: 'neko', password: 's3cret' };
let app: App | undefined;
let api: FakeBotApi | undefined;
let proxy: CountingProxy | undefined;
let http: OutboundHttp | undefined;
let lines: Record<string, unknown>[] = [];
afterEach(async () => {
  await app?.stop();
  await http?.close();
  await api?.stop();
  await proxy?.close();
  app = api = proxy = http = undefined;
});

async function connectThrough(settings: (proxyUrl: string) => ConstructorParameters<typeof OutboundHttp>[0]) {
  proxy = await new CountingProxy(CREDENTIALS).start();
  api = new FakeBotApi();
  await api.start();
  http = new OutboundHttp(settings(proxy.url(CREDENTIALS)));
  const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1, http });
  ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '30' }, { adapters: [adapter] }));
  await app.start();
  api.pushMessage(privateText(42, '/echo through the proxy'));
  return api.waitForCall('sendMessage');
}

describe('Telegram adapter behind a proxy', () => {
  it('sends every Bot API call through the proxy, with its credentials, and logs the proxy without them', async () => {
    const sent = await connectThrough((url) => ({ httpProxy: url }));
    expect(sent.params).toMatchObject({ chat_id: 42, text: 'through the proxy' });
    const methods = proxy!.requests.map((u) => new URL(u).pathname.split('/').at(-1));
    expect(methods).toEqual(expect.arrayContaining(['getMe', 'deleteWebhook', 'getUpdates', 'sendMessage']));
    expect(proxy!.requests.every((u) => u.startsWith(api!.apiRoot))).toBe(true);
    const said = lines.find((l) => String(l.msg).startsWith('Telegram Bot API requests use the proxy settings'));
    expect(said?.msg).toContain(`http via http://***@127.0.0.1:${new URL(proxy!.url()).port}`);
    expect(JSON.stringify(lines)).not.toContain(CREDENTIALS.password);
  });

  it('goes directly to a NO_PROXY host', async () => {
    const sent = await connectThrough((url) => ({ httpProxy: url, noProxy: '127.0.0.1' }));
    expect(sent.params).toMatchObject({ text: 'through the proxy' });
    expect(proxy!.requests).toEqual([]);
  });

  it('npm start with http_proxy sends Telegram calls through it, and SUPER_USERS get their menu', async () => {
    proxy = await new CountingProxy(CREDENTIALS).start();
    api = new FakeBotApi();
    await api.start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-proxy-'));
    try {
      const cli = startCli({
        DATA_DIR: dataDir, CONSOLE: '0', TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.apiRoot, TELEGRAM_POLLING_TIMEOUT_SEC: '1',
        http_proxy: proxy.url(CREDENTIALS), SUPER_USERS: 'telegram:42',
      });
      await cli.waitFor('polling');
      expect(proxy.requests.map((u) => new URL(u).pathname.split('/').at(-1))).toContain('getMe');
      // The super user's private chat gets its own menu.
      expect(api.callsOf('setMyCommands').some((c) => (c.params.scope as { chat_id?: number }).chat_id === 42)).toBe(true);
      expect(cli.stderr()).toContain('Telegram Bot API requests use the proxy settings');
      cli.child.kill('SIGINT');
      expect((await cli.exited).code).toBe(0);
      expect(cli.stderr()).not.toContain(CREDENTIALS.password);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
