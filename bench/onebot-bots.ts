/**
 * The bots the OneBot benchmark (bench/onebot.ts) measures, each dialing the peer at its own path:
 *
 * - nekomata: the real app (createApp, built-in plugins, so the built-in `/echo` command answers) with
 *   `new OneBotAdapter({ wsUrls: [url] })`. Its SQLite store is in memory, or with BENCH_ONEBOT_STORE=file in a
 *   file (WAL) as `npm start` has it; BENCH_LOG_LEVEL (silent) sets its log level (logs go to stderr).
 *   Built from this checkout, or, for BENCH_ONEBOT_BASE, from another one (a git worktree of the commit before
 *   a change, its node_modules linked): two versions compared under the same host, in one run.
 * - bare: a plain `ws` client that parses each frame and answers `/echo x` with a `send_group_msg` frame, the
 *   least any bot does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import WebSocket, { type RawData } from 'ws';
import { OneBotAdapter } from '../adapters/onebot/index.js';
import { createApp, loadConfig } from '../core/runtime/index.js';
import { openSqliteStore } from '../core/store/index.js';
import { SELF_ID } from './onebot-peer.js';

/** A bot under test, dialing the peer. */
export interface Bot {
  /** Resolves once the bot can answer (nekomata: the account is identified). */
  ready(): Promise<void>;
  /** Errors the bot counted itself, or undefined when none. */
  errors(): string | undefined;
  stop(): Promise<void>;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`onebot: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What nekomata is built from: this checkout's modules, or another checkout's (BENCH_ONEBOT_BASE). */
interface NekomataModules {
  OneBotAdapter: typeof OneBotAdapter;
  createApp: typeof createApp;
  loadConfig: typeof loadConfig;
  openSqliteStore: typeof openSqliteStore;
}

export const THIS_CHECKOUT: NekomataModules = { OneBotAdapter, createApp, loadConfig, openSqliteStore };

/** The same modules from the checkout at `dir` (its node_modules installed or linked): two versions in one run. */
export async function nekomataAt(dir: string): Promise<NekomataModules> {
  const at = (file: string) => import(pathToFileURL(path.resolve(dir, file)).href) as Promise<Record<string, unknown>>;
  const [onebot, runtime, store] = await Promise.all([at('adapters/onebot/index.ts'), at('core/runtime/index.ts'), at('core/store/index.ts')]);
  return { OneBotAdapter: onebot.OneBotAdapter, createApp: runtime.createApp, loadConfig: runtime.loadConfig, openSqliteStore: store.openSqliteStore } as NekomataModules;
}

/** The real app with the OneBot adapter in forward mode, built from `m`. */
export const startNekomata = (m: NekomataModules) => async (url: string): Promise<Bot> => {
  const { OneBotAdapter, createApp, loadConfig, openSqliteStore } = m;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-onebot-'));
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
  // Flood limits off: the load comes from a few synthetic users at rates the limits exist to refuse.
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0' });
  const adapter = new OneBotAdapter({ wsUrls: [url] });
  // The default store is a file under DATA_DIR; in memory by default here so that figures stay comparable.
  const storePath = process.env.BENCH_ONEBOT_STORE === 'file' ? path.join(dir, 'nekomata.db') : ':memory:';
  const app = createApp(config, { log, store: openSqliteStore({ path: storePath, log }), adapters: [adapter] });
  await app.start();
  return {
    ready: () => until(() => adapter.accountIds.includes(String(SELF_ID)), 'the OneBot account to identify'),
    errors: () => {
      const counted = [
        'command_errors_total', 'interceptor_errors_total', 'hook_errors_total', 'batch_errors_total', 'plugin_errors_total',
        'onebot_bad_frames_total', 'onebot_malformed_frames_total', 'onebot_link_down_total',
      ].map((name) => [name, app.metrics.total(name)] as const).filter(([, n]) => n > 0);
      return counted.length > 0 ? counted.map(([name, n]) => `${name} ${n}`).join(', ') : undefined;
    },
    stop: async () => {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** A bot with no framework: parse the frame, answer `/echo x` in a group with `send_group_msg`. */
export async function startBare(url: string): Promise<Bot> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let seq = 0;
  let failed = 0;
  ws.on('message', (data: RawData) => {
    let frame: { post_type?: unknown; message_type?: unknown; group_id?: unknown; message?: unknown };
    try {
      frame = JSON.parse(data.toString()) as typeof frame;
    } catch {
      failed++;
      return;
    }
    if (frame.post_type !== 'message' || frame.message_type !== 'group' || !Array.isArray(frame.message)) return;
    let text = '';
    for (const s of frame.message as { type: string; data: { text?: string } }[]) if (s.type === 'text') text += s.data.text ?? '';
    if (!text.startsWith('/echo ')) return;
    const message = [{ type: 'text', data: { text: text.slice(6) } }];
    ws.send(JSON.stringify({ action: 'send_group_msg', params: { group_id: frame.group_id, message }, echo: String(++seq) }));
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ready: () => opened,
    errors: () => (failed > 0 ? `${failed} frames not JSON` : undefined),
    stop: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(1000);
      }),
  };
}
