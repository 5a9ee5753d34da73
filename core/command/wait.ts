import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ControlPlane } from '../control/index.js';
import type { Disposer } from '../hooks/index.js';
import type { ChatKey } from '../message/index.js';
import type { WaitStore } from '../store/index.js';
import type { ArgSpecs } from './args.js';
import type { Lang } from './i18n.js';

/** A command waiting for one user's next message in one chat (Nekro's `CmdCtl.wait`). */
export interface WaitSession {
  chatKey: ChatKey;
  userId: string;
  callbackCmd: string;
  contextData: Record<string, unknown>;
  options: string[];
  timeoutSec: number;
  onTimeoutMessage: string | undefined;
  lang: Lang;
}

export interface WaitSessionsDeps {
  /** Where waits live (Redis when configured), so that an answer through any gateway finds its wait. */
  store: WaitStore;
  /** Tells every process when a wait starts or ends, so that each checks for one without asking the store. */
  control: ControlPlane;
  log: Logger;
  /** Called once per wait that expired unanswered, by the process that started it. */
  onTimeout(session: WaitSession): void;
}

/**
 * At most one wait per (chat, user): a new one replaces the old. Waits live in the store with their deadline,
 * so that the answer reaches the waiting command exactly once whichever gateway it comes through (the store's
 * `take` succeeds once). Every process keeps the (chat, user) pairs that have a wait, told by the control plane,
 * so that the message path checks for one without a store call. The process that started a wait tells its
 * timeout, once (the store's `expire` decides), if no answer took it first; if that process is gone, the wait
 * expires silently at its deadline.
 */
export class WaitSessions {
  /** Deadline of each (chat, user) known to have a wait. */
  private readonly known = new Map<string, number>();
  /** The waits this process started and times. */
  private readonly timers = new Map<string, { id: string; timer: NodeJS.Timeout }>();
  private readonly unsubscribe: Disposer[];

  constructor(private readonly deps: WaitSessionsDeps) {
    this.unsubscribe = [
      deps.control.on('wait', (m) => {
        const key = keyOf(m.chatKey, m.userId);
        if (m.deadline !== null) return void this.known.set(key, m.deadline);
        this.known.delete(key);
        this.stopTimer(key);
      }),
      deps.control.on('resync', () => this.load()),
    ];
  }

  /** Reads the waits every process started (at start-up, and after this process missed control messages). */
  async load(): Promise<void> {
    const waits = await this.deps.store.list();
    this.known.clear();
    for (const w of waits) this.known.set(keyOf(w.chatKey, w.userId), w.deadline);
  }

  async start(session: WaitSession): Promise<void> {
    const key = keyOf(session.chatKey, session.userId);
    const id = randomUUID();
    const ms = Math.max(0, session.timeoutSec * 1000);
    const deadline = Date.now() + ms;
    this.stopTimer(key);
    await this.deps.store.put({ chatKey: session.chatKey, userId: session.userId, id, deadline, data: JSON.stringify(session) });
    this.known.set(key, deadline);
    const timer = setTimeout(() => void this.expire(session, id), ms);
    timer.unref();
    this.timers.set(key, { id, timer });
    await this.deps.control.publish({ kind: 'wait', chatKey: session.chatKey, userId: session.userId, deadline });
  }

  /** Whether the user has a wait in this chat, as far as this process has been told (no store call). */
  has(chatKey: ChatKey, userId: string): boolean {
    // Every chat message asks, and almost always no wait is known at all: no key is built then.
    if (this.known.size === 0) return false;
    const key = keyOf(chatKey, userId);
    const deadline = this.known.get(key);
    if (deadline === undefined) return false;
    if (deadline > Date.now()) return true;
    this.known.delete(key);
    return false;
  }

  /** Removes and returns the user's wait in this chat, if any is still live: once across every process. */
  async take(chatKey: ChatKey, userId: string): Promise<WaitSession | undefined> {
    const key = keyOf(chatKey, userId);
    this.known.delete(key);
    this.stopTimer(key);
    const record = await this.deps.store.take(chatKey, userId);
    if (!record) return undefined;
    this.ended(chatKey, userId);
    return JSON.parse(record.data) as WaitSession;
  }

  async cancel(chatKey: ChatKey, userId: string): Promise<boolean> {
    return (await this.take(chatKey, userId)) !== undefined;
  }

  /** Forgets a chat's waits in this process (a channel reset; the reset clears the store's once). */
  forgetChat(chatKey: ChatKey): number {
    const prefix = `${chatKey}\u0000`;
    let n = 0;
    for (const key of [...this.known.keys()]) {
      if (!key.startsWith(prefix)) continue;
      this.known.delete(key);
      this.stopTimer(key);
      n++;
    }
    return n;
  }

  /** Waits this process knows of that have not expired. */
  get size(): number {
    const now = Date.now();
    let n = 0;
    for (const deadline of this.known.values()) if (deadline > now) n++;
    return n;
  }

  close(): void {
    for (const entry of this.timers.values()) clearTimeout(entry.timer);
    this.timers.clear();
    for (const off of this.unsubscribe) off();
  }

  private async expire(session: WaitSession, id: string): Promise<void> {
    const key = keyOf(session.chatKey, session.userId);
    if (this.timers.get(key)?.id === id) this.timers.delete(key);
    try {
      if (!(await this.deps.store.expire(session.chatKey, session.userId, id))) return;
    } catch (err) {
      this.deps.log.warn({ err, chatKey: session.chatKey }, 'a wait timed out but the store could not be asked whether it was answered: no timeout notice');
      return;
    }
    this.known.delete(key);
    this.ended(session.chatKey, session.userId);
    this.deps.onTimeout(session);
  }

  /** Tells the other processes a wait is gone; not awaited, as a missed "gone" only costs them a store call. */
  private ended(chatKey: ChatKey, userId: string): void {
    this.deps.control.publish({ kind: 'wait', chatKey, userId, deadline: null }).catch((err: unknown) => {
      this.deps.log.warn({ err, chatKey }, 'could not tell the other processes that a wait ended');
    });
  }

  private stopTimer(key: string): void {
    const entry = this.timers.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.timers.delete(key);
  }
}

function keyOf(chatKey: ChatKey, userId: string): string {
  return `${chatKey}\u0000${userId}`;
}

/**
 * The callback command's arguments: the user's answer as one quoted value, then each context value as
 * `key:"value"`. Everything is escaped (Decision §1.4.6: the reference did not, and a `"` in a value broke
 * the quoting), so an answer with spaces or quotes reaches the first positional argument whole.
 */
export function callbackArgs(text: string, contextData: Record<string, unknown>, args?: ArgSpecs): string {
  // A command with one positional (or greedy) argument takes the whole text as its value, untokenized:
  // quoting it would leave the quotes in the answer.
  const params = args ? Object.values(args) : [];
  if (params.length === 1 && (params[0]!.positional || params[0]!.greedy)) return text.trim();
  // The parser refuses words no argument takes: a callback that declares no place for the answer, or not a
  // context key, is not handed it (the reference dropped them while parsing).
  const takesAnswer = !args || params.some((p) => p.positional || p.greedy);
  const parts = takesAnswer ? [quote(text.trim())] : [];
  for (const [key, value] of Object.entries(contextData)) {
    if (args && !Object.hasOwn(args, key)) continue;
    parts.push(`${key}:${quote(typeof value === 'string' ? value : JSON.stringify(value))}`);
  }
  return parts.join(' ');
}

function quote(value: string): string {
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}
