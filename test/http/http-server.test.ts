import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors/index.js';
import { HttpListenError, HttpRouteConflictError, HttpServer } from '../../core/http/index.js';
import { Metrics } from '../../core/metrics/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { captureLogger } from '../support/logger.js';

let server: HttpServer | undefined;
let app: App | undefined;
afterEach(async () => {
  await server?.stop();
  await app?.stop();
  server = undefined;
  app = undefined;
});

async function startServer(): Promise<{ server: HttpServer; metrics: Metrics; lines: Record<string, unknown>[] }> {
  const metrics = new Metrics();
  const { log, lines } = captureLogger();
  server = new HttpServer({ host: '127.0.0.1', port: 0 }, { log, metrics });
  await server.start();
  return { server, metrics, lines };
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (request line and headers, without the blank line) and `body` as they are, on a fresh socket. */
function rawRequest(url: string, head: string, body = ''): Promise<RawResponse> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(`${head}\r\nConnection: close\r\n\r\n${body}`));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('end', () => resolve(parseResponse(text)));
  });
}

function parseResponse(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) };
}

const chunked = (...parts: string[]): string => parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';

describe('HTTP server', () => {
  it('answers GET /healthz with ok while running', async () => {
    const { server: s } = await startServer();
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves a registered route until its disposer is called, then the path is free again', async () => {
    const { server: s, metrics } = await startServer();
    const unroute = s.route('POST', '/hook', async (c) => c.json({ got: await c.req.json() }));
    const post = () => fetch(`${s.url}/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await (await post()).json()).toEqual({ got: { a: 1 } });
    expect((await fetch(`${s.url}/hook`)).status).toBe(405);
    unroute();
    expect((await post()).status).toBe(404);
    expect(metrics.get('http_refused_total', { reason: 'not_found' })).toBe(1);
    s.route('POST', '/hook', (c) => c.body('again'));
    expect(await (await post()).text()).toBe('again');
  });

  it('refuses a second route on the same method and path, and /healthz', async () => {
    const { server: s } = await startServer();
    s.route('POST', '/hook', (c) => c.body(''));
    expect(() => s.route('POST', '/hook', (c) => c.body(''))).toThrow(HttpRouteConflictError);
    expect(() => s.route('GET', '/healthz', (c) => c.body(''))).toThrow(HttpRouteConflictError);
    expect(() => s.route('GET', 'no-slash', (c) => c.body(''))).toThrow(/must start with "\/"/);
  });

  it('answers 503 on routes and reports stopping once shutdown refuses input', async () => {
    const { server: s } = await startServer();
    s.route('POST', '/hook', (c) => c.body('handled'));
    s.refuse();
    const res = await fetch(`${s.url}/hook`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const health = await fetch(`${s.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([503, { status: 'stopping' }]);
  });

  it('answers 500 and counts a route that throws', async () => {
    const { server: s, metrics } = await startServer();
    s.route('GET', '/boom', () => {
      throw new Error('boom');
    });
    expect((await fetch(`${s.url}/boom`)).status).toBe(500);
    expect(metrics.get('http_errors_total', { route: 'GET /boom' })).toBe(1);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const { server: s } = await startServer();
    s.route('POST', '/hook', (c) => c.body('handled'));
    const res = await fetch(`${s.url}/hook`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
  });

  it('reads a chunked body (no Content-Length) on a registered POST route', async () => {
    const { server: s } = await startServer();
    s.route('POST', '/hook', async (c) => c.json({ got: await c.req.json() }));
    const head = 'POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked';
    const res = await rawRequest(s.url!, head, chunked('{"update_id":', '7,"message":{"text":"hi"}}'));
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { got: { update_id: 7, message: { text: 'hi' } } }]);
  });

  it('answers 413 to a chunked body over 1 MiB as soon as it passes the limit, and closes the connection', async () => {
    const { server: s, metrics } = await startServer();
    s.route('POST', '/hook', async (c) => c.json({ got: await c.req.json() }));
    const { port } = new URL(s.url!);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    let sent = 0;
    const chunk = `${(64 * 1024).toString(16)}\r\n${'x'.repeat(64 * 1024)}\r\n`;
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined); // the server may cut the socket while we write
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.write('POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n');
    // Up to 256 MiB, unless the server answers first: it must not wait for (or keep) the whole body.
    while (answer === '' && !socket.destroyed && sent < 256 * 1024 * 1024) {
      sent += 64 * 1024;
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
    }
    await ended;
    const res = parseResponse(answer);
    expect([res.status, res.headers.connection]).toEqual([413, 'close']);
    expect(sent).toBeLessThan(256 * 1024 * 1024);
    expect(metrics.get('http_refused_total', { reason: 'too_large' })).toBe(1);
  });

  it('answers 404 to unknown paths and 405 with Allow to other methods, whatever the method, never 500', async () => {
    const { server: s, metrics } = await startServer();
    s.route('POST', '/hook', (c) => c.body('handled'));
    const ask = (method: string, path: string) => rawRequest(s.url!, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1`);
    for (const method of ['GET', 'DELETE', 'OPTIONS', 'PROPFIND', 'PUT', 'PATCH', 'MKCOL']) {
      expect((await ask(method, '/nothing/here')).status).toBe(404);
      const wrong = await ask(method, '/hook');
      expect([wrong.status, wrong.headers.allow]).toEqual([405, 'POST']);
    }
    const health = await ask('DELETE', '/healthz');
    expect([health.status, health.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect((await ask('GET', '/%2e%2e/%00/odd;path?x=1')).status).toBe(404);
    expect(metrics.total('http_errors_total')).toBe(0);
  });

  it('keeps metric samples and log lines bounded under thousands of odd requests on random paths', async () => {
    const { server: s, metrics, lines } = await startServer();
    s.route('POST', '/hook', async (c) => c.json({ got: await c.req.json() }));
    const methods = ['GET', 'POST', 'DELETE', 'OPTIONS', 'PROPFIND'];
    const statuses = new Set<number>();
    const round = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const method = methods[i % methods.length]!;
        const path = `/${Math.random().toString(36).slice(2)}/${i}`;
        const body = method === 'POST' ? chunked('{"a":1}') : '';
        const res = await rawRequest(s.url!, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1${body ? '\r\nTransfer-Encoding: chunked' : ''}`, body);
        statuses.add(res.status);
      }
    };
    await round(methods.length);
    const samples = metrics.snapshot().length;
    const logged = lines.length;
    await round(2000);
    expect(metrics.snapshot().length).toBe(samples);
    expect(metrics.get('http_refused_total', { reason: 'not_found' })).toBe(2000 + methods.length);
    expect(lines.length).toBe(logged);
    expect([...statuses]).toEqual([404]);
  });

  it('says which port it could not open', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as AddressInfo;
    server = new HttpServer({ host: '127.0.0.1', port }, { log: captureLogger().log, metrics: new Metrics() });
    await expect(server.start()).rejects.toBeInstanceOf(HttpListenError);
    await expect(server.start()).rejects.toThrow(`127.0.0.1:${port}`);
    blocker.close();
  });

  it('has no server without HTTP_PORT, and registering a route says to set it', async () => {
    server = new HttpServer(undefined, { log: captureLogger().log, metrics: new Metrics() });
    await server.start();
    expect(server.url).toBeUndefined();
    const err = (() => {
      try {
        server.route('POST', '/hook', (c) => c.body(''));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variables).toEqual(['HTTP_PORT']);
  });
});

describe('the app and its HTTP server', () => {
  it('listens while the app runs when HTTP_PORT is set, and closes on stop', async () => {
    ({ app } = makeTestApp({ HTTP_PORT: '0' }));
    await app.start();
    const url = app.http.url!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    await app.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('runs no server without HTTP_PORT', async () => {
    ({ app } = makeTestApp());
    await app.start();
    expect(app.http.enabled).toBe(false);
    expect(app.http.url).toBeUndefined();
  });
});
