import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy, type ProxyServer } from 'proxy';

/**
 * A real HTTP proxy on 127.0.0.1 (TooTallNate's `proxy`: plain requests and CONNECT tunnels) that records
 * what it relays: `requests` holds the absolute URLs of plain http requests, `tunnels` the `host:port` of
 * each CONNECT. With `credentials`, requests without them get 407 and are not relayed.
 */
export class CountingProxy {
  readonly requests: string[] = [];
  readonly tunnels: string[] = [];
  private readonly server: ProxyServer;

  constructor(credentials?: { user: string; password: string }) {
    this.server = createProxy(createServer());
    if (credentials) {
      const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
      this.server.authenticate = (req: IncomingMessage) => req.headers['proxy-authorization'] === expected;
    }
    this.server.on('request', (req: IncomingMessage) => void this.requests.push(req.url ?? ''));
    this.server.on('connect', (req: IncomingMessage) => void this.tunnels.push(req.url ?? ''));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** `http://127.0.0.1:<port>`, with `user:password@` when given. */
  url(credentials?: { user: string; password: string }): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://${credentials ? `${credentials.user}:${credentials.password}@` : ''}127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
