/**
 * One request/response channel over a process's IPC pipe, used the same way on both sides: calls carry an id,
 * an optional deadline, and may stream items before their answer; one-way notes need no answer. What a call
 * does is looked up by its `kind` in the side's handler table, so a new kind of registration is one more row.
 */

/** An error as it crosses the pipe. */
export interface WireError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
  /** The error's own plain fields (a refused call's `chain`), so the other side can rebuild a typed error. */
  details?: Record<string, unknown> | undefined;
}

export type RpcMessage =
  | { t: 'req'; id: number; kind: string; payload: unknown }
  | { t: 'res'; id: number; ok: true; value: unknown }
  | { t: 'res'; id: number; ok: false; error: WireError }
  | { t: 'item'; id: number; value: unknown }
  | { t: 'note'; kind: string; payload: unknown };

/** What a handler gets besides the payload: a way to stream items before it answers. */
export interface CallScope {
  item(value: unknown): void;
}

export type RpcHandler = (payload: any, scope: CallScope) => unknown;

export interface CallOptions {
  /** Rejects with `onTimeout()` after this many ms; the other side's work is abandoned, not stopped. */
  timeoutMs?: number | undefined;
  /** Items the other side streams before its answer. */
  onItem?: ((value: unknown) => void) | undefined;
  /** What the call is for, in errors (`hook im_message`); default its kind. */
  label?: string | undefined;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  onItem: ((value: unknown) => void) | undefined;
  label: string;
}

export interface RpcOptions {
  /** Sends one message; throws when it cannot (the pipe is closed, a value cannot be cloned). */
  send(message: RpcMessage): void;
  /** Handlers for the other side's calls, by kind. */
  handlers: Readonly<Record<string, RpcHandler>>;
  /** Handlers for the other side's notes, by kind. */
  notes?: Readonly<Record<string, (payload: any) => void>>;
  /**
   * A note's handler threw. A note has no caller to answer, and a throw here would escape the pipe's `message`
   * event and end the process, so each side says where the error goes (log and count it).
   */
  noteError(kind: string, error: unknown): void;
  /** The error a failed remote call becomes on this side; `label` names the call. */
  remoteError(error: WireError, label: string): Error;
  /** The error a call past its deadline becomes. */
  timeoutError(label: string, ms: number): Error;
  /** The error a message that cannot be sent becomes. */
  sendError(reason: string, label: string): Error;
}

export function toWireError(thrown: unknown): WireError {
  const e = thrown instanceof Error ? thrown : new Error(String(thrown));
  const code = (e as { code?: unknown }).code;
  const details: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'code' && k !== 'cause' && (typeof v !== 'object' || Array.isArray(v))) details[k] = v;
  return { name: e.name, message: e.message, stack: e.stack, code: typeof code === 'string' ? code : undefined, ...(Object.keys(details).length > 0 ? { details } : {}) };
}

export class RpcChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly options: RpcOptions) {}

  /** Calls in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  call(kind: string, payload: unknown, opts: CallOptions = {}): Promise<unknown> {
    const id = this.nextId++;
    const label = opts.label ?? kind;
    return new Promise((resolve, reject) => {
      const ms = opts.timeoutMs;
      const timer = ms !== undefined && ms > 0 && Number.isFinite(ms)
        ? setTimeout(() => this.settle(id, (p) => p.reject(this.options.timeoutError(label, ms))), ms)
        : undefined;
      this.pending.set(id, { resolve, reject, timer, onItem: opts.onItem, label });
      try {
        this.options.send({ t: 'req', id, kind, payload });
      } catch (err) {
        this.settle(id, (p) => p.reject(this.options.sendError(err instanceof Error ? err.message : String(err), label)));
      }
    });
  }

  /** A one-way message; throws like `send` when it cannot go. */
  note(kind: string, payload: unknown): void {
    this.options.send({ t: 'note', kind, payload });
  }

  /** Fails every call in flight at once with `error(label)`: the other side is gone. */
  failAll(error: (label: string) => Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(error(p.label)));
  }

  /** Feeds one message that came from the other side. */
  receive(message: RpcMessage): void {
    switch (message.t) {
      case 'res':
        if (message.ok) this.settle(message.id, (p) => p.resolve(message.value));
        else this.settle(message.id, (p) => p.reject(this.options.remoteError(message.error, p.label)));
        return;
      case 'item':
        this.pending.get(message.id)?.onItem?.(message.value);
        return;
      case 'note':
        try {
          this.options.notes?.[message.kind]?.(message.payload);
        } catch (err) {
          this.options.noteError(message.kind, err);
        }
        return;
      case 'req':
        void this.serve(message);
    }
  }

  private async serve(message: Extract<RpcMessage, { t: 'req' }>): Promise<void> {
    const handler = this.options.handlers[message.kind];
    const scope: CallScope = { item: (value) => this.options.send({ t: 'item', id: message.id, value }) };
    let reply: RpcMessage;
    try {
      if (!handler) throw Object.assign(new Error(`no handler for "${message.kind}" on this side`), { code: 'PLUGIN_COMMUNICATION' });
      reply = { t: 'res', id: message.id, ok: true, value: await handler(message.payload, scope) };
    } catch (err) {
      reply = { t: 'res', id: message.id, ok: false, error: toWireError(err) };
    }
    try {
      this.options.send(reply);
    } catch (err) {
      // The answer itself could not go (a value that cannot be cloned): say so instead, or the caller waits out its deadline.
      const reason = `the answer to "${message.kind}" could not be sent: ${err instanceof Error ? err.message : String(err)}`;
      try {
        this.options.send({ t: 'res', id: message.id, ok: false, error: { name: 'Error', message: reason, code: 'PLUGIN_COMMUNICATION' } });
      } catch {
        // The pipe is closed: the caller learns it from the process's exit.
      }
    }
  }

  private settle(id: number, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    fn(p);
  }
}
