import type { ChatKey } from '../message/index.js';
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

/**
 * At most one wait per (chat, user): a new one replaces the old. Waits live in memory, like Nekro's; a
 * restart drops them. On timeout `onTimeout` is called once, after the session is gone.
 */
export class WaitSessions {
  private readonly sessions = new Map<string, { session: WaitSession; timer: NodeJS.Timeout }>();

  constructor(private readonly onTimeout: (session: WaitSession) => void) {}

  start(session: WaitSession): void {
    const key = keyOf(session.chatKey, session.userId);
    this.cancel(session.chatKey, session.userId);
    const timer = setTimeout(() => {
      if (this.sessions.get(key)?.session !== session) return;
      this.sessions.delete(key);
      this.onTimeout(session);
    }, Math.max(0, session.timeoutSec * 1000));
    timer.unref();
    this.sessions.set(key, { session, timer });
  }

  /** Removes and returns the user's wait in this chat, if any. */
  take(chatKey: ChatKey, userId: string): WaitSession | undefined {
    const key = keyOf(chatKey, userId);
    const entry = this.sessions.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.sessions.delete(key);
    return entry.session;
  }

  has(chatKey: ChatKey, userId: string): boolean {
    return this.sessions.has(keyOf(chatKey, userId));
  }

  cancel(chatKey: ChatKey, userId: string): boolean {
    return this.take(chatKey, userId) !== undefined;
  }

  /** Drops every wait of a chat (channel reset); resolves how many. */
  clearChat(chatKey: ChatKey): number {
    let n = 0;
    for (const [key, entry] of this.sessions) {
      if (entry.session.chatKey !== chatKey) continue;
      clearTimeout(entry.timer);
      this.sessions.delete(key);
      n++;
    }
    return n;
  }

  get size(): number {
    return this.sessions.size;
  }

  close(): void {
    for (const entry of this.sessions.values()) clearTimeout(entry.timer);
    this.sessions.clear();
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
