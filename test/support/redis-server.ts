import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A private `redis-server` started by the tests. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Kills the server, waits for it to exit and removes its data directory. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the server and starts it again on the same port and data directory, like an operator's restart:
   * what was not saved (`SAVE`) is lost unless the server is `persistent`. `crash` kills it with SIGKILL
   * (else SIGTERM, which Redis handles as `SHUTDOWN`: the append-only file is written and synced first);
   * `downMs` keeps it down that long before it starts again. `onDown` is called once the old process has exited,
   * so every client's connection is closed (a closed port alone is not that: Redis closes its listening socket
   * just before it exits).
   */
  restart(opts?: { crash?: boolean; downMs?: number; onDown?: () => void }): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
/**
 * How long a stopped server may take to exit before it is killed. A graceful stop (SIGTERM) writes and syncs the
 * append-only file first; killing it sooner turns a test's graceful restart into a crash that loses the last
 * second of writes (with `everysec`), which a test of graceful restarts then reports as its own failure.
 */
const STOP_TIMEOUT_MS = 20_000;

/**
 * Spawns `redis-server` on 127.0.0.1 in a fresh temp directory, with persistence off and `noeviction`
 * (the policy production needs, reference queue.md §4), and resolves once it answers PING.
 * Throws when `redis-server` is not installed (the run leaves the Redis suites out first, saying so: test/setup/redis.ts).
 *
 * @example
 * const server = await startRedisServer();
 * const redis = new Redis(server.url);
 * await server.restart();
 * await server.stop();
 */
/**
 * `persistent`: an append-only file, synced on every write (`fsync: 'always'`, the default: a restart keeps
 * everything) or once a second (`'everysec'`, Redis's default: a crash may lose the last second).
 */
export async function startRedisServer(opts: { port?: number; persistent?: boolean; fsync?: 'always' | 'everysec' } = {}): Promise<RedisServer> {
  const mode = { persistent: opts.persistent ?? false, fsync: opts.fsync ?? 'always' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-redis-'));
  let port = opts.port ?? (await freePort());
  let child: ChildProcess | undefined;
  try {
    // A port picked by listening on 0 may be taken again before redis binds it: try a few before giving up.
    for (let attempt = 1; ; attempt++) {
      try {
        child = await spawnServer(port, dir, mode);
        break;
      } catch (err) {
        if (opts.port !== undefined || attempt >= 3 || (err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
        port = await freePort();
      }
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill(child);
      child = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async restart(how = {}) {
      if (stopped) throw new Error(`redis-server on port ${port} was stopped: start a new one instead of restarting it`);
      await kill(child, how.crash ? 'SIGKILL' : 'SIGTERM');
      child = undefined;
      how.onDown?.();
      if (how.downMs) await new Promise((resolve) => setTimeout(resolve, how.downMs));
      child = await spawnServer(port, dir, mode);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Spawns the server and resolves once it answers PING; rejects (and kills it) if it exits or stays silent. */
async function spawnServer(port: number, dir: string, mode: { persistent: boolean; fsync: string }): Promise<ChildProcess> {
  const args = [
    '--save', '',
    '--appendonly', mode.persistent ? 'yes' : 'no',
    '--appendfsync', mode.fsync,
    '--maxmemory-policy', 'noeviction',
    '--bind', '127.0.0.1',
    '--port', String(port),
    '--dir', dir,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        const missing = new Error(
          'redis-server is not on PATH: the Redis tests start their own server, so install it ' +
            '(apt-get install -y redis-server) and run the tests again',
        ) as NodeJS.ErrnoException;
        missing.code = 'ENOENT';
        reject(missing);
      } else {
        reject(err);
      }
    });
    child.once('exit', (code, signal) => {
      reject(new Error(`redis-server on port ${port} exited during start-up (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  try {
    await Promise.race([failed, waitForPong(port, child)]);
  } catch (err) {
    await kill(child);
    throw err;
  }
  // From now on an exit is expected (stop, restart) or shows up as failing tests: no unhandled rejection.
  failed.catch(() => undefined);
  // A runner that exits without stopping the server (a crash, a benchmark's process.exit) must not leave it behind.
  const onExit = (): void => void child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  return child;
}

async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (child.exitCode === null && child.signalCode === null) {
    if (await answersPing(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The `exit` handler rejects with the server's output; wait for it rather than racing it.
  await new Promise(() => undefined);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      // "-LOADING ..." while a dump is read back: not ready yet.
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function kill(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  // No pid: the spawn itself failed (ENOENT) and there is no process to wait for.
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => {
    if (signal !== 'SIGKILL') console.warn(`redis-server (pid ${child.pid}) did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}: killed; writes not yet synced are lost`);
    child.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
