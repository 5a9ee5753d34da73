import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { configuredAdapters } from '../../app/adapters.js';
import { loadConfig } from '../../app/config.js';
import { createApp, LogFeed, REDACTED_FIELDS, type App, type AppOptions } from '../../core/runtime/index.js';
import { openSqliteStore } from '../../core/store/index.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface AdminTestApp {
  app: App;
  url: string;
  /** Every log line as written (after redaction), to check that no secret reaches the log. */
  logText: () => string;
  /** `fetch` on the app's server; `token: false` sends no Authorization header. */
  api(pathname: string, init?: RequestInit & { token?: string | false }): Promise<Response>;
  /** `api`, then the body as JSON (the shape is the test's to check). */
  json(pathname: string, init?: RequestInit & { token?: string | false }): Promise<any>;
  stop(): Promise<void>;
}

/**
 * An app with the admin API on (`HTTP_PORT=0`, `ADMIN_TOKEN`), the web chat, and the config example plugin
 * enabled, on an in-memory store, logging at trace into a buffer and the admin API's log feed.
 */
export async function startAdminApp(env: Record<string, string> = {}, options: AppOptions = {}): Promise<AdminTestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-admin-'));
  const config = loadConfig({
    HTTP_PORT: '0', ADMIN_TOKEN, DEBOUNCE_MS: '40', MAX_WAIT_MS: '1000', SHUTDOWN_TIMEOUT_MS: '2000', DATA_DIR: dataDir,
    PLUGIN_DIRS: path.resolve('plugins/examples/config'), PLUGINS_ENABLED: 'nekomata.example_config', ...env,
  });
  const written: string[] = [];
  const logFeed = new LogFeed();
  const log = pino(
    { level: 'trace', redact: { paths: REDACTED_FIELDS, censor: '[redacted]' } },
    pino.multistream([{ stream: { write: (s: string) => void written.push(s) }, level: 'trace' }, { stream: logFeed, level: 'trace' }]),
  );
  const app = createApp(config, { log, logFeed, store: openSqliteStore({ path: ':memory:', log }), ...options });
  for (const adapter of configuredAdapters(app, config)) app.addAdapter(adapter);
  await app.start();
  const url = app.http.url!;
  const api: AdminTestApp['api'] = (pathname, init = {}) => {
    const { token = ADMIN_TOKEN, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== false) headers.set('authorization', `Bearer ${token}`);
    if (typeof rest.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(`${url}${pathname}`, { ...rest, headers });
  };
  return {
    app,
    url,
    logText: () => written.join(''),
    api,
    json: async (pathname, init) => jsonOf(await api(pathname, init)),
    stop: async () => {
      await app.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A response's body as JSON, untyped: the test checks its shape. */
export const jsonOf = (res: Response): Promise<any> => res.json();

/** Reads a Server-Sent Events response until `until` returns true for the events so far (or the stream ends). */
export async function readEvents(res: Response, until: (events: { event: string; data: any }[]) => boolean): Promise<{ event: string; data: any }[]> {
  const events: { event: string; data: any }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}
