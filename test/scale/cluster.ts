import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFailed } from 'vitest';
import type { InboundMessageInput } from '../../core/message/index.js';
import { until } from '../support/messages.js';

export interface BatchReport {
  pid: number;
  chatKey: string;
  texts: string[];
}

type Report =
  | { type: 'ready'; role: string; pid: number }
  | { type: 'ingested'; id: number; ok: boolean; error?: string }
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
  /** Each process's counters, reported when it is asked to stop. */
  readonly metrics: { role: string; pid: number; counters: Record<string, number> }[] = [];
  private readonly procs = new Map<ChildProcess, string>();
  private readonly acks = new Map<number, (r: { ok: boolean; error?: string }) => void>();
  private nextId = 0;
  private readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-cluster-'));
  /** What the processes wrote (their error logs), the last OUTPUT_KEEP characters. */
  private output = '';
  gateway: ChildProcess | undefined;

  /** Made inside a test: the processes' output is printed if that test fails. */
  constructor(private readonly env: Record<string, string>) {
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
      else if (m.type === 'ingested') this.acks.get(m.id)?.(m);
      else if (m.type === 'sent') this.sent.push(m);
      else if (m.type === 'batch-start') this.started.push(m);
      else if (m.type === 'batch-done') this.done.push(m);
      else if (m.type === 'overlap') this.overlaps.push(m.chatKey);
      else if (m.type === 'metrics') this.metrics.push(m);
    });
    this.procs.set(child, role);
    if (role === 'gateway') this.gateway = child;
    await until(() => ready, `${role} process to start`, 30_000);
    return child;
  }

  /** Hands one message to the gateway; resolves whether it was taken. */
  ingest(message: InboundMessageInput): Promise<{ ok: boolean; error?: string }> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.acks.set(id, (r) => {
        this.acks.delete(id);
        resolve(r);
      });
      this.gateway!.send({ type: 'ingest', id, message });
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
    await Promise.all(
      [...this.procs.keys()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.send({ type: 'stop' });
          }),
      ),
    );
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function chatMessage(chat: number, n: number): InboundMessageInput {
  return {
    adapter: 'test', botId: 'bot', chatType: 'private', chatId: `chat${chat}`, userId: `user${chat}`,
    segments: [{ type: 'text', text: `c${chat}m${n}` }], messageId: `c${chat}m${n}`,
  };
}
