import os from 'node:os';
import type { Logger } from 'pino';
import { NekomataError, toError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { ChatKey } from '../message/index.js';

/**
 * What one process tells every process about chat-wide state. The state itself lives in the store; a message
 * says what changed, so that each process applies it (and a process that missed it reads it from the store):
 * - `reset`: a chat was reset: abort its batch in hand, drop its waits, run the plugins' reset callbacks;
 * - `plugin`: a plugin was enabled, disabled or reconfigured: read its state and config again;
 * - `command-overrides`: a command's permission or enabled override changed: read them again;
 * - `wait`: a `CmdCtl.wait` started (`deadline`, ms since the epoch) or ended (`null`) for a user in a chat;
 * - `resync`: this process may have missed messages (it was cut off longer than the log keeps): read all again.
 */
export type ControlMessage =
  | { kind: 'reset'; chatKey: ChatKey; by: string }
  | { kind: 'plugin'; pluginKey: string }
  | { kind: 'command-overrides' }
  | { kind: 'wait'; chatKey: ChatKey; userId: string; deadline: number | null }
  | { kind: 'resync' };

export type ControlKind = ControlMessage['kind'];
export type ControlMessageOf<K extends ControlKind> = Extract<ControlMessage, { kind: K }>;

/** How a message reached this process. */
export interface Delivery {
  /** False when it is applied late, caught up from the log after this process was cut off. */
  live: boolean;
}

/** What a process does with a kind of message; its result goes back to a `request`er. */
export type ControlHandler<K extends ControlKind> = (message: ControlMessageOf<K>, delivery: Delivery) => unknown;

/** One process's answer to a `request`: its handlers' results, or the first error. */
export interface ControlReply {
  /** `<role>@<host>:<pid>` */
  process: string;
  results: unknown[];
  error?: string;
}

/** Raised when not every process that heard a request answered it in time, or one failed. */
export class ControlIncompleteError extends NekomataError {
  constructor(
    readonly what: string,
    readonly replies: ControlReply[],
    readonly expected: number,
    timeoutMs: number,
  ) {
    const failed = replies.filter((r) => r.error !== undefined);
    const missing = expected - replies.length;
    const parts = [
      ...(missing > 0 ? [`${missing} of ${expected} processes did not confirm within ${timeoutMs} ms (confirmed: ${replies.map((r) => r.process).join(', ') || 'none'})`] : []),
      ...failed.map((r) => `${r.process} failed: ${r.error}`),
    ];
    super('CONTROL_INCOMPLETE', `${what} did not finish everywhere: ${parts.join('; ')}. What finished stays done; run it again once the processes are back`);
  }
}

/**
 * Chat-wide operations across every process of a bot (DESIGN-NOTES "The control plane"). `publish` tells every
 * process, this one included; `request` does the same and waits until each process that heard it has run its
 * handlers. With Redis the signal is pub/sub and every message is also kept in a short log, so a process that
 * was cut off catches up; embedded, the only process is this one.
 */
export interface ControlPlane {
  /** This process's name in replies and errors: `<role>@<host>:<pid>`. */
  readonly process: string;
  on<K extends ControlKind>(kind: K, handler: ControlHandler<K>): Disposer;
  publish(message: ControlMessage): Promise<void>;
  /** Rejects with `ControlIncompleteError` when a process fails or not every process answers within `timeoutMs`. */
  request(message: ControlMessage, timeoutMs: number): Promise<ControlReply[]>;
  /** Starts listening (before the app reads its state from the store, so that nothing falls between the two). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The name of this process in control replies. */
export function processName(role: string): string {
  return `${role}@${os.hostname()}:${process.pid}`;
}

type AnyHandler = (message: ControlMessage, delivery: Delivery) => unknown;

/** The handlers of one process, by kind, and how they answer a message. */
export class ControlHandlers {
  /** Stored without their kind's narrowing: `on` keys each by the kind it handles. */
  private readonly byKind = new Map<ControlKind, AnyHandler[]>();

  constructor(
    readonly process: string,
    private readonly log: Logger,
  ) {}

  on<K extends ControlKind>(kind: K, handler: ControlHandler<K>): Disposer {
    const entry = handler as unknown as AnyHandler;
    this.byKind.set(kind, [...(this.byKind.get(kind) ?? []), entry]);
    return () => this.byKind.set(kind, (this.byKind.get(kind) ?? []).filter((h) => h !== entry));
  }

  /** Runs every handler of the message's kind, one after another; a failure is logged and named in the reply. */
  async run(message: ControlMessage, delivery: Delivery): Promise<ControlReply> {
    const results: unknown[] = [];
    for (const handler of this.byKind.get(message.kind) ?? []) {
      try {
        results.push(await handler(message, delivery));
      } catch (thrown) {
        const err = toError(thrown);
        this.log.error({ err, control: message.kind }, `control message ${message.kind} failed in this process: ${err.message}`);
        return { process: this.process, results, error: err.message };
      }
    }
    return { process: this.process, results };
  }
}

/** The control plane of a bot that runs in one process (no Redis): every message is handled here, at once. */
export class LocalControlPlane implements ControlPlane {
  private readonly handlers: ControlHandlers;

  constructor(log: Logger, role = 'all') {
    this.handlers = new ControlHandlers(processName(role), log);
  }

  get process(): string {
    return this.handlers.process;
  }

  on<K extends ControlKind>(kind: K, handler: ControlHandler<K>): Disposer {
    return this.handlers.on(kind, handler);
  }

  async publish(message: ControlMessage): Promise<void> {
    await this.handlers.run(message, { live: true });
  }

  async request(message: ControlMessage, timeoutMs: number): Promise<ControlReply[]> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const reply = await Promise.race([this.handlers.run(message, { live: true }), timedOut]).finally(() => clearTimeout(timer));
    const replies = reply ? [reply] : [];
    if (!reply || reply.error !== undefined) throw new ControlIncompleteError(describeMessage(message), replies, 1, timeoutMs);
    return replies;
  }

  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

/** A message as the errors name it: `reset of test-private_c1`. */
export function describeMessage(message: ControlMessage): string {
  switch (message.kind) {
    case 'reset':
      return `reset of ${message.chatKey}`;
    case 'plugin':
      return `change of plugin ${message.pluginKey}`;
    case 'wait':
      return `wait of ${message.userId} in ${message.chatKey}`;
    default:
      return message.kind;
  }
}
