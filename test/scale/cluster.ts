import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFailed } from 'vitest';
import type { InboundMessageInput } from '../../core/message/index.js';
import { until } from '../support/messages.js';
import type { ProbeReport } from './probe-plugin.js';

export interface BatchReport {
  pid: number;
  chatKey: string;
  texts: string[];
}

/** What a probe plugin reported, with who reported it and when the test heard it. */
export type ProbeSeen = ProbeReport & { pid: number; role: string; at: number };

type Report =
  | { type: 'ready'; role: string; pid: number }
  | { type: 'ingested'; id: number; ok: boolean; outcome?: string; error?: string }
  | { type: 'called'; id: number; ok: boolean; result?: unknown; error?: string }
  | ({ type: 'probe'; pid: number; role: string } & ProbeReport)
  | { type: 'sent'; chatKey: string; text: string }
  | ({ type: 'batch-start' | 'batch-done' } & BatchReport)
  | { type: 'overlap'; chatKey: string }
  | { type: 'metrics'; role: string; pid: number; counters: Record<string, number> };

const entry = path.resolve(import.meta.dirname, 'node.ts');
const OUTPUT_KEEP = 64_000;

/** A gateway and workers as separate processes on one Redis, and what they report. */
export class Cluster {
  readonly started: BatchReport[] = [];
  readonly done: BatchReport[] = [];
  readonly sent: { chatKey: string; text: string }[] = [];
  readonly overlaps: string[] = [];
  /** What the processes' probe plugins reported (`PROBE=1`), in the order the test heard it. */
  readonly probes: ProbeSeen[] = [];
  readonly gateways: ChildProcess[] = [];
  /** Each process's counters, reported when it is asked to stop. */
  readonly metrics: { role: string; pid: number; counters: Record<string, number> }[] = [];
  private readonly procs = new Map<ChildProcess, string>();
  private readonly acks = new Map<number, (r: { ok: boolean; outcome?: string; result?: unknown; error?: string }) => void>();
  private nextId = 0;
  private readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-cluster-'));
  /** What the processes wrote (their error logs), the last OUTPUT_KEEP characters. */
  private output = '';
  gateway: ChildProcess | undefined;

  /**
   * Made inside a test, the processes' output is printed if that test fails; a cluster shared by several tests
   * (made in `beforeAll`, `inTest: false`) calls `printOnFailure` in each test's `beforeEach` instead.
   */
  constructor(
    private readonly env: Record<string, string>,
    opts: { inTest?: boolean } = {},
  ) {
    if (opts.inTest !== false) this.printOnFailure();
  }

  /** Prints what the processes wrote if the running test fails. */
  printOnFailure(): void {
    onTestFailed(() => {
      if (this.output) console.error(`what the cluster's processes wrote:\n${this.output}`);
    });
  }

  async spawn(role: 'gateway' | 'worker', extra: Record<string, string> = {}): Promise<ChildProcess> {
    const child = fork(entry, [], {
      execArgv: ['--import', 'tsx'],
      env: { PATH: process.env.PATH ?? '', DATA_DIR: this.dataDir, LOG_LEVEL: 'error', LOG_FORMAT: 'json', ROLE: role, ...this.env, ...extra },
      // These tests kill workers and restart Redis on purpose, and the processes log what that breaks: their
      // output is kept for a failing test rather than printed into every green run.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8').replace(/^(?=.)/gm, `[${role} ${child.pid}] `)).slice(-OUTPUT_KEEP);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let ready = false;
    child.on('message', (m: Report) => {
      if (m.type === 'ready') ready = true;
      else if (m.type === 'ingested' || m.type === 'called') this.acks.get(m.id)?.(m);
      else if (m.type === 'probe') this.probes.push({ ...m, at: Date.now() });
      else if (m.type === 'sent') this.sent.push(m);
      else if (m.type === 'batch-start') this.started.push(m);
      else if (m.type === 'batch-done') this.done.push(m);
      else if (m.type === 'overlap') this.overlaps.push(m.chatKey);
      else if (m.type === 'metrics') this.metrics.push(m);
    });
    this.procs.set(child, role);
    if (role === 'gateway') {
      this.gateway ??= child;
      this.gateways.push(child);
    }
    await until(() => ready, `${role} process to start`, 30_000);
    return child;
  }

  /** Hands one message to a gateway (the first one by default); resolves whether it was taken, and its outcome. */
  ingest(message: InboundMessageInput, via: ChildProcess = this.gateway!): Promise<{ ok: boolean; outcome?: string; error?: string }> {
    return this.ask(via, { type: 'ingest', message });
  }

  /** Runs an operation on one process's app (see node.ts); resolves its result, or rejects with its error. */
  async call(child: ChildProcess, op: 'reset' | 'enable' | 'disable' | 'has-wait', ...args: string[]): Promise<unknown> {
    const r = await this.ask(child, { type: 'call', op, args });
    if (!r.ok) throw new Error(`${op} failed in process ${child.pid}: ${r.error}`);
    return r.result;
  }

  /** Asks one process to stop as `nekomata start` would on SIGTERM; resolves once it has exited. */
  stopProcess(child: ChildProcess): Promise<void> {
    return new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        this.procs.delete(child);
        resolve();
      });
      child.send({ type: 'stop' });
    });
  }

  private ask(child: ChildProcess, message: Record<string, unknown>): Promise<{ ok: boolean; outcome?: string; result?: unknown; error?: string }> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.acks.set(id, (r) => {
        this.acks.delete(id);
        resolve(r);
      });
      child.send({ ...message, id });
    });
  }

  /** Texts handled per chat, in the order batches finished. */
  doneTexts(): Map<string, string[]> {
    const byChat = new Map<string, string[]>();
    for (const b of this.done) byChat.set(b.chatKey, [...(byChat.get(b.chatKey) ?? []), ...b.texts]);
    return byChat;
  }

  doneCount(): number {
    return this.done.reduce((n, b) => n + b.texts.length, 0);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((child) => this.stopProcess(child)));
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function chatMessage(chat: number, n: number): InboundMessageInput {
  return {
    adapter: 'test', botId: 'bot', chatType: 'private', chatId: `chat${chat}`, userId: `user${chat}`,
    segments: [{ type: 'text', text: `c${chat}m${n}` }], messageId: `c${chat}m${n}`,
  };
}
