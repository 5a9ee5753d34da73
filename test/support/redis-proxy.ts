import net from 'node:net';

/**
 * A TCP proxy in front of a Redis server, to lose what a real network loses: `swallowReplies` lets requests
 * through but drops Redis's answers (a command runs, its reply never arrives), `cut` drops every connection
 * without a word, as a Redis restart or a network fault would. Clients reconnect through it as usual.
 */
export interface RedisProxy {
  /** `redis://127.0.0.1:<port>`, to give the client instead of the server's. */
  url: string;
  swallowReplies(): void;
  /** Cuts every connection; connections made afterwards get their replies again. */
  cut(): void;
  close(): Promise<void>;
}

export async function startRedisProxy(target: { port: number }): Promise<RedisProxy> {
  const pairs = new Set<{ client: net.Socket; server: net.Socket }>();
  let swallow = false;
  const proxy = net.createServer((client) => {
    const server = net.createConnection({ host: '127.0.0.1', port: target.port });
    const pair = { client, server };
    pairs.add(pair);
    client.on('data', (chunk) => server.write(chunk));
    server.on('data', (chunk) => {
      if (!swallow) client.write(chunk);
    });
    const close = (): void => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('close', close).on('error', close);
    server.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as net.AddressInfo;
  const cut = (): void => {
    for (const { client, server } of pairs) {
      client.destroy();
      server.destroy();
    }
    pairs.clear();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    swallowReplies: () => void (swallow = true),
    cut() {
      cut();
      swallow = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
