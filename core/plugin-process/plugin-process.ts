import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import type { Logger } from 'pino';
import type { Histogram, Metrics } from '../metrics/index.js';
import type { ProcessLimits, ProcessState, ProcessStatus } from '../plugin/index.js';
import { PluginCommunicationError, PluginNotRunningError, PluginTimeoutError } from '../plugin/index.js';
import { remoteError } from './remote-error.js';
import { RpcChannel, type CallOptions, type RpcHandler, type RpcMessage } from './rpc.js';
import type { StartRequest } from './child-runtime.js';
import type { PluginDescription } from './plugin-description.js';

export interface PluginProcessOptions {
  /** The plugin's key as its manifest gives it: logs and errors name it before the module is read. */
  pluginKey: string;
  start: StartRequest;
  limits: ProcessLimits;
  log: Logger;
  metrics: Metrics;
  /** The app's side of the channel: what the plugin's process may ask. */
  handlers: Readonly<Record<string, RpcHandler>>;
  notes: Readonly<Record<string, (payload: any) => void>>;
  /** After a restart: run init again, re-enable. */
  onRestarted(): Promise<void>;
}

const CHILD_MAIN = fileURLToPath(new URL(`./child-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
const STDERR_TAIL = 12;

/**
 * One isolated plugin's process (N.E.K.O's process host, reference seed-systems §3.2): forked with an IPC channel
 * and a heap cap, pinged for health, restarted with exponential backoff after it dies, and stopped for good after
 * a crash loop, keeping its status and last error. Calls in flight when it dies fail at once; a call past its
 * time limit fails alone.
 */
export class PluginProcess {
  private child: ChildProcess | undefined;
  private rpc: RpcChannel | undefined;
  private state: ProcessState = 'starting';
  private restarts = 0;
  private crashes: number[] = [];
  private lastError: ProcessStatus['lastError'];
  private stderr: string[] = [];
  /** V8's own verdict (out of memory), which comes before its native stack and says more than the last lines. */
  private fatal: string | undefined;
  private health: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** A ping is out. */
  private pinging = false;
  /** A call ran past its limit and no ping has been answered since: new calls fail at once. */
  private probing = false;
  /** Why the app killed the current process, when it did. */
  private killedBecause: string | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly key: string;

  /** The round trip of each call into the process, for operators judging what isolation costs. */
  private readonly calls: Histogram<'plugin' | 'kind' | 'outcome'>;

  constructor(private readonly o: PluginProcessOptions) {
    this.calls = o.metrics.histogram('plugin_process_call_seconds', {
      help: 'Time of one call into an isolated plugin process (IPC round trip included), by plugin, kind (declaration, callback, …) and outcome.',
      labelNames: ['plugin', 'kind', 'outcome'], buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5, 30],
    });
    this.key = o.pluginKey;
  }

  /** Starts the process and imports the plugin there; rejects (with the process ended) when either fails. */
  async start(): Promise<PluginDescription> {
    try {
      const description = await this.spawn();
      this.state = 'running';
      this.watchHealth();
      return description;
    } catch (err) {
      this.state = 'stopped';
      await this.kill();
      throw err;
    }
  }

  status(): ProcessStatus {
    return { state: this.state, pid: this.child?.pid, restarts: this.restarts, lastError: this.lastError, memoryMb: this.o.limits.memoryMb };
  }

  /**
   * Calls `kind` in the process. Fails at once with `PluginNotRunningError` when it is not running or dies during
   * the call, with `PluginTimeoutError` past the time limit, with `PluginExecutionError` when the plugin threw.
   */
  call(kind: string, payload: unknown, opts: CallOptions = {}): Promise<unknown> {
    const what = opts.label ?? kind;
    if (this.state !== 'running' || !this.rpc) {
      return Promise.reject(new PluginNotRunningError(this.key, what, `its process is ${this.state}${this.lastError ? ` (last error: ${this.lastError.message})` : ''}`));
    }
    // A call just ran past its limit and the process has not answered since: do not queue more behind it.
    if (this.probing) return Promise.reject(new PluginNotRunningError(this.key, what, 'its process let a call run past its time limit and is being checked'));
    const rpc = this.rpc;
    const started = process.hrtime.bigint();
    const took = (outcome: string) => this.calls.labels({ plugin: this.key, kind, outcome }).observe(Number(process.hrtime.bigint() - started) / 1e9);
    return rpc.call(kind, payload, { timeoutMs: opts.timeoutMs ?? this.o.limits.callTimeoutMs, onItem: opts.onItem, label: what }).then(
      (value) => {
        took('ok');
        return value;
      },
      (err: unknown) => {
        took(err instanceof PluginTimeoutError ? 'timeout' : 'error');
        // A call past its limit may be a plugin stuck in a loop: ask now rather than at the next health ping.
        if (err instanceof PluginTimeoutError) this.probe(rpc, true);
        throw err;
      },
    );
  }

  /** A one-way message to the process; dropped when it is not running (what it carried belonged to the old one). */
  note(kind: string, payload: unknown): void {
    if (this.state !== 'running' || !this.rpc) return;
    try {
      this.rpc.note(kind, payload);
    } catch {
      // The pipe just closed: the exit handler restarts the process.
    }
  }

  /** Graceful stop: calls in flight may finish (within the stop timeout), then `stop`, then SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.stopHealth();
    if (this.state === 'stopped' || this.state === 'crashed' || !this.child) {
      this.state = this.state === 'crashed' ? 'crashed' : 'stopped';
      return;
    }
    this.state = 'stopping';
    const rpc = this.rpc!;
    const deadline = Date.now() + this.o.limits.stopTimeoutMs;
    while (rpc.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    rpc.call('stop', null, { timeoutMs: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
    if (!(await this.exitWithin(Math.max(1, deadline - Date.now())))) {
      this.child?.kill('SIGTERM');
      if (!(await this.exitWithin(this.o.limits.stopTimeoutMs))) {
        this.child?.kill('SIGKILL');
        await this.exited;
      }
    }
    this.state = 'stopped';
  }

  private spawn(): Promise<PluginDescription> {
    const limits = this.o.limits;
    // JSON rather than the structured clone: half the cost of a round trip (bench/isolation), and every value that
    // crosses is plain data already (errors travel as WireError, exception events rebuild theirs).
    const child = fork(CHILD_MAIN, [], {
      execArgv: ['--import', 'tsx', `--max-old-space-size=${limits.memoryMb}`],
      serialization: 'json',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NEKOMATA_PLUGIN_PROCESS: this.key },
    });
    this.child = child;
    this.stderr = [];
    this.fatal = undefined;
    this.killedBecause = undefined;
    const log = this.o.log;
    readline.createInterface({ input: child.stdout! }).on('line', (line) => log.info({ plugin: this.key, stream: 'stdout' }, line));
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      if (this.fatal === undefined && /FATAL ERROR|out of memory/i.test(line)) this.fatal = line.trim();
      this.stderr.push(line);
      if (this.stderr.length > STDERR_TAIL) this.stderr.shift();
      log.warn({ plugin: this.key, stream: 'stderr' }, line);
    });
    const rpc = new RpcChannel({
      send: (message) => {
        if (!child.connected) throw new Error('the IPC channel is closed');
        child.send(message);
      },
      handlers: this.o.handlers,
      notes: this.o.notes,
      noteError: (kind, err) => {
        this.o.metrics.count('plugin_errors_total', { plugin: this.key, stage: `process note ${kind}` });
        log.warn({ err, plugin: this.key, note: kind }, `a "${kind}" note from the process of plugin ${this.key} could not be handled: ${err instanceof Error ? err.message : String(err)}`);
      },
      remoteError: (e, kind) => remoteError(this.key, kind, e),
      timeoutError: (kind, ms) => new PluginTimeoutError(this.key, kind, ms, 'raise plugin.runtime.call_timeout_ms if it needs longer'),
      sendError: (reason, kind) => new PluginCommunicationError(this.key, `${kind} could not be sent: ${reason}`),
    });
    this.rpc = rpc;
    let hello: () => void = () => undefined;
    const greeted = new Promise<void>((resolve) => (hello = resolve));
    child.on('message', (message: RpcMessage) => {
      if (message.t === 'note' && message.kind === 'hello') hello();
      else rpc.receive(message);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.onExit(child, rpc, code, signal);
      resolve();
    }));
    child.on('error', (err) => log.error({ err, plugin: this.key }, `the process of plugin ${this.key} reported an error`));
    const limit = limits.startTimeoutMs;
    const started = greeted.then(() => rpc.call('start', this.o.start, { timeoutMs: limit }) as Promise<PluginDescription>);
    // The process may die before it answers: that is a failed start, with its own words as the reason.
    const died = this.exited.then(() => {
      throw new PluginNotRunningError(this.key, 'start', `its process exited before it was ready: ${this.lastError?.message ?? 'no reason given'}`);
    });
    const late = new Promise<never>((_, reject) => setTimeout(() => reject(new PluginTimeoutError(this.key, 'start', limit)), limit).unref());
    return Promise.race([started, died, late]);
  }

  private onExit(child: ChildProcess, rpc: RpcChannel, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    const tail = this.fatal ?? this.stderr.filter((l) => l.trim() !== '').slice(-4).join(' | ');
    rpc.failAll((kind) => new PluginNotRunningError(this.key, kind, `its process ${how} during the call`));
    this.child = undefined;
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.lastError = { message: this.killedBecause ?? (tail ? `${how}: ${tail}` : how), at: Date.now() };
    if (this.state === 'starting') return;
    this.crashed();
  }

  private crashed(): void {
    this.stopHealth();
    const now = Date.now();
    const windowMs = this.o.limits.crashLoopWindowMs;
    this.crashes = [...this.crashes.filter((t) => now - t < windowMs), now];
    this.o.metrics.count('plugin_process_crashes_total', { plugin: this.key });
    if (this.crashes.length >= this.o.limits.crashLoopCount) {
      this.state = 'crashed';
      this.o.log.error(
        { plugin: this.key, crashes: this.crashes.length, lastError: this.lastError?.message },
        `plugin ${this.key} crashed ${this.crashes.length} times within ${windowMs} ms: its process stays stopped until the plugin is reloaded (/plugins.reload ${this.key}); last error: ${this.lastError?.message}`,
      );
      return;
    }
    const delay = Math.min(this.o.limits.restartBaseMs * 2 ** (this.crashes.length - 1), this.o.limits.restartMaxMs);
    this.state = 'restarting';
    this.o.log.warn({ plugin: this.key, delayMs: delay, lastError: this.lastError?.message }, `the process of plugin ${this.key} ended (${this.lastError?.message}); restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.state !== 'restarting') return;
    this.restarts++;
    this.o.metrics.count('plugin_process_restarts_total', { plugin: this.key });
    try {
      this.state = 'starting';
      await this.spawn();
      if ((this.state as ProcessState) !== 'starting') return;
      this.state = 'running';
      this.watchHealth();
      await this.o.onRestarted();
      this.o.log.info({ plugin: this.key, restarts: this.restarts }, `the process of plugin ${this.key} is running again`);
    } catch (err) {
      if ((this.state as ProcessState) === 'stopping' || (this.state as ProcessState) === 'stopped') return;
      // The process died while its init or onEnabled ran: its exit already counted that crash, once.
      if ((this.state as ProcessState) === 'restarting' || (this.state as ProcessState) === 'crashed') return;
      this.lastError = { message: err instanceof Error ? err.message : String(err), at: Date.now() };
      await this.kill();
      this.crashed();
    }
  }

  private watchHealth(): void {
    this.health = setInterval(() => this.rpc && this.probe(this.rpc, false), this.o.limits.healthIntervalMs);
    this.health.unref();
  }

  /**
   * Pings the process; no answer within the health timeout kills it (and the exit restarts it). One ping at a time;
   * `suspect` (a call ran past its limit) refuses new calls until the ping is answered.
   */
  private probe(rpc: RpcChannel, suspect: boolean): void {
    if (suspect) this.probing = true;
    if (this.pinging || this.state !== 'running' || this.rpc !== rpc) return;
    this.pinging = true;
    const ms = this.o.limits.healthTimeoutMs;
    const answered = (): void => {
      this.pinging = false;
      this.probing = false;
    };
    rpc.call('ping', null, { timeoutMs: ms }).then(
      answered,
      () => {
        answered();
        if (this.state !== 'running' || this.rpc !== rpc) return;
        this.killedBecause = `no answer to a health ping within ${ms} ms (a blocked event loop?): killed`;
        this.o.log.error({ plugin: this.key }, `plugin ${this.key}: ${this.killedBecause}`);
        this.child?.kill('SIGKILL');
      },
    );
  }

  private stopHealth(): void {
    clearInterval(this.health);
    this.health = undefined;
  }

  private async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  private exitWithin(ms: number): Promise<boolean> {
    return Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  }
}
