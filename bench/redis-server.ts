/**
 * A private `redis-server` for the benchmarks: a free 127.0.0.1 port, a fresh temp directory, no
 * persistence, `noeviction` (what BullMQ needs, reference queue.md §4). Stopped by `stop()`, and killed
 * when the process exits without it (process.exit after a throw), so a benchmark never leaves one behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface BenchRedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** SIGTERM (SIGKILL after 5 s), waits for the exit, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startRedisServer(): Promise<BenchRedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bench-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  try {
    // A port found free may be taken before redis binds it: a few attempts.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        child = await spawnServer(port, dir);
        break;
      } catch (err) {
        if (attempt >= 3 || (err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
      }
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const running = child;
  const onExit = (): void => {
    // Synchronous: the only thing an 'exit' listener may do.
    if (running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: running.pid!,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      await kill(running);
      fs.rmSync(dir, { recursive: true, force: true });
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

async function spawnServer(port: number, dir: string): Promise<ChildProcess> {
  const args = ['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--bind', '127.0.0.1', '--port', String(port), '--dir', dir];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') err.message = `redis-server is not on PATH (${err.message}); the buffer benchmark starts its own`;
      reject(err);
    });
    child.once('exit', (code, signal) => reject(new Error(`redis-server on port ${port} exited during start-up (code ${code}, signal ${signal}):\n${output}`)));
  });
  try {
    await Promise.race([failed, waitForPong(port, child)]);
  } catch (err) {
    await kill(child);
    throw err;
  }
  failed.catch(() => undefined);
  return child;
}

async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (child.exitCode === null && child.signalCode === null) {
    if (await answersPing(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Exited: the `exit` listener rejects with the server's output.
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
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
