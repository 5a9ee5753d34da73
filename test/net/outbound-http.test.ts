import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors/index.js';
import { OutboundHttp } from '../../core/net/index.js';
import { loadConfig } from '../../core/runtime/index.js';
import { startAgentChat } from '../support/agent.js';
import { CountingProxy } from '../support/counting-proxy.js';

let proxy: CountingProxy | undefined;
let target: Server | TcpServer | undefined;
let http: OutboundHttp | undefined;
afterEach(async () => {
  await http?.close();
  await proxy?.close();
  if (target && 'closeAllConnections' in target) target.closeAllConnections();
  await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
  proxy = target = http = undefined;
});

async function listen<S extends Server | TcpServer>(server: S): Promise<number> {
  target = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('proxy settings', () => {
  it('reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY, and their lower-case names', () => {
    expect(loadConfig({ HTTPS_PROXY: 'http://127.0.0.1:7890', NO_PROXY: 'localhost,127.0.0.1' }).proxy).toEqual({ httpsProxy: 'http://127.0.0.1:7890', httpProxy: undefined, noProxy: 'localhost,127.0.0.1' });
    expect(loadConfig({ http_proxy: 'http://10.0.0.1:3128', no_proxy: '*' }).proxy).toEqual({ httpsProxy: undefined, httpProxy: 'http://10.0.0.1:3128', noProxy: '*' });
    expect(loadConfig({ HTTP_PROXY: 'http://upper:1', http_proxy: 'http://lower:1' }).proxy?.httpProxy).toBe('http://upper:1');
    expect(loadConfig({ NO_PROXY: 'localhost' }).proxy).toBeUndefined();
  });

  it('refuses a proxy that is not an http(s) URL, naming the variable', () => {
    let caught: unknown;
    try {
      loadConfig({ HTTPS_PROXY: 'socks5://127.0.0.1:1080' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variables).toEqual(['HTTPS_PROXY']);
    expect((caught as ConfigError).message).toContain('SOCKS proxies are not supported');
  });
});

describe('OutboundHttp', () => {
  it('sends http requests through HTTP_PROXY, and NO_PROXY hosts directly', async () => {
    proxy = await new CountingProxy().start();
    const port = await listen(createServer((_req, res) => res.end('hello')));
    http = new OutboundHttp({ httpProxy: proxy.url() });
    expect(await (await http.fetch(`http://127.0.0.1:${port}/a`)).text()).toBe('hello');
    expect(proxy.requests).toEqual([`http://127.0.0.1:${port}/a`]);
    await http.close();
    http = new OutboundHttp({ httpProxy: proxy.url(), noProxy: 'example.org, 127.0.0.1' });
    expect(await (await http.fetch(`http://127.0.0.1:${port}/b`)).text()).toBe('hello');
    expect(proxy.requests).toHaveLength(1);
  });

  it('tunnels https through HTTPS_PROXY with CONNECT', async () => {
    proxy = await new CountingProxy().start();
    // Not a TLS server: the handshake fails, but only after the tunnel reached it.
    let reached = 0;
    const port = await listen(createTcpServer((socket) => (reached++, socket.destroy())));
    http = new OutboundHttp({ httpsProxy: proxy.url() });
    await expect(http.fetch(`https://127.0.0.1:${port}/`)).rejects.toThrow();
    expect(proxy.tunnels).toEqual([`127.0.0.1:${port}`]);
    expect(reached).toBe(1);
  });

  it('tells which proxy serves what, without credentials', () => {
    expect(new OutboundHttp({ httpsProxy: 'http://neko:s3cret@proxy.example:3128', noProxy: 'localhost' }).describe()).toBe(
      'https via http://***@proxy.example:3128, http via direct, direct to localhost',
    );
    expect(new OutboundHttp({ httpProxy: 'http://proxy.example:8080' }).describe()).toBe('https via http://proxy.example:8080, http via http://proxy.example:8080');
    expect(new OutboundHttp().describe()).toBe('direct (no proxy)');
  });
});

describe('the LLM provider behind a proxy', () => {
  it('sends its requests through HTTP_PROXY, or directly to a NO_PROXY host', async () => {
    proxy = await new CountingProxy().start();
    const chat = await startAgentChat({ HTTP_PROXY: proxy.url() });
    try {
      expect(await chat.ask('hi')).toEqual(['ok']);
      expect(proxy.requests).toEqual([`${chat.fake.url}/chat/completions`]);
      expect(chat.lines.some((l) => String(l.msg).startsWith(`LLM requests to ${chat.fake.url} use the proxy settings: https via ${proxy!.url()}`))).toBe(true);
    } finally {
      await chat.stop();
    }
    const direct = await startAgentChat({ HTTP_PROXY: proxy.url(), NO_PROXY: '127.0.0.1' });
    try {
      expect(await direct.ask('hi')).toEqual(['ok']);
      expect(proxy.requests).toHaveLength(1);
    } finally {
      await direct.stop();
    }
  });
});
