import fs from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TelegramAdapter } from '../../../adapters/telegram/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { startCli } from '../../support/cli.js';
import { until } from '../../support/messages.js';
import { FakeBotApi } from '../../peers/telegram/fake-bot-api.js';

const TOKEN = '123456:TEST-token';
let app: App | undefined;
let api: FakeBotApi | undefined;
let silent: Server | undefined;
let lines: Record<string, unknown>[] = [];
afterEach(async () => {
  await app?.stop();
  await api?.stop();
  silent?.closeAllConnections();
  silent?.close();
  app = api = silent = undefined;
});

/** A port nothing listens on: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const warnings = () => lines.filter((l) => l.level === 40 && String(l.msg).startsWith('Telegram'));

describe('Telegram adapter: Telegram unreachable', () => {
  it('says so at warn with the cause and the next wait, and app.stop() ends the start that was retrying', async () => {
    const adapter = new TelegramAdapter({ token: TOKEN, apiRoot: `http://127.0.0.1:${await closedPort()}`, pollingTimeoutSec: 1 });
    ({ app, lines } = makeTestApp({ SHUTDOWN_TIMEOUT_MS: '2000' }, { adapters: [adapter] }));
    const started = app.start();
    await until(() => warnings().length > 0, 'a warning that Telegram is unreachable');
    expect(warnings()[0]).toMatchObject({ method: 'getMe', retryInSeconds: 3, cause: expect.stringContaining('ECONNREFUSED') });
    expect(String(warnings()[0]!.msg)).toMatch(/^Telegram unreachable: getMe failed \(.*ECONNREFUSED.*\); auto-retry tries again in 3 s/);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(app.metrics.get('telegram_network_errors_total', { method: 'getMe' })).toBeGreaterThanOrEqual(1);
    await app.stop();
    // The app stopped while the adapter was starting: start settles instead of retrying forever.
    await started;
    expect(lines.at(-1)?.msg).toBe('stopped');
  });

  it('ends a call Telegram never answers when the app stops', async () => {
    const requests: IncomingMessage[] = [];
    silent = createServer((req) => void requests.push(req));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const adapter = new TelegramAdapter({ token: TOKEN, apiRoot: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    ({ app, lines } = makeTestApp({ SHUTDOWN_TIMEOUT_MS: '2000' }, { adapters: [adapter] }));
    const started = app.start();
    await until(() => requests.length === 1, 'the getMe request');
    await app.stop();
    await started;
    // The client gave the request up: its connection closed, nothing was asked again.
    await until(() => requests[0]!.socket.destroyed, 'the getMe connection to close');
    expect(requests.map((r) => r.url)).toEqual([`/bot${TOKEN}/getMe`]);
  });

  it('warns when polling loses Telegram, and stops without waiting out the retries', async () => {
    api = new FakeBotApi();
    await api.start();
    const adapter = new TelegramAdapter({ token: api.token, apiRoot: api.apiRoot, pollingTimeoutSec: 1 });
    ({ app, lines } = makeTestApp({ SHUTDOWN_TIMEOUT_MS: '2000' }, { adapters: [adapter] }));
    await app.start();
    await api.waitForCall('getUpdates');
    await api.stop();
    await until(() => warnings().length > 0, 'a warning that Telegram is unreachable');
    expect(warnings()[0]).toMatchObject({ method: 'getUpdates' });
    const adapterStop = vi.spyOn(adapter, 'stop');
    await app.stop();
    expect(lines.at(-1)?.msg).toBe('stopped');
    // The adapter's stop itself finished: grammY's last getUpdates is not left retrying in the background.
    await adapterStop.mock.results[0]!.value;
  });
});

describe('command line: Telegram unreachable', () => {
  it('exits after one SIGINT', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-tg-'));
    try {
      const cli = startCli({ DATA_DIR: dataDir, CONSOLE: '0', TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: `http://127.0.0.1:${await closedPort()}` });
      await cli.waitFor('Telegram unreachable');
      cli.child.kill('SIGINT');
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      const logs = cli.stderr().trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
      expect(logs.at(-1)?.msg).toBe('stopped');
      expect(logs.some((l) => l.msg.includes('again: exiting now'))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
