import { createHash, randomBytes } from 'node:crypto';

/** At most this many live sessions; the oldest goes first (a login flood cannot grow memory). */
const MAX_SESSIONS = 1000;

/**
 * The Web UI's login sessions: a random id in an HttpOnly cookie, known to this process only, each expiring
 * `ttlMs` after login. A restart (or a new `ADMIN_TOKEN`) logs everyone out, which is what an operator expects.
 */
export class SessionStore {
  private readonly sessions = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  /** Opens a session: its id (for the cookie) and when it expires. */
  open(now = Date.now()): { id: string; expiresAt: number } {
    const id = randomBytes(32).toString('base64url');
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const expiresAt = now + this.ttlMs;
    this.sessions.set(id, expiresAt);
    return { id, expiresAt };
  }

  /** When the session expires, or undefined when it is unknown or expired (and then forgotten). */
  check(id: string | undefined, now = Date.now()): number | undefined {
    if (id === undefined) return undefined;
    const expiresAt = this.sessions.get(id);
    if (expiresAt === undefined) return undefined;
    if (expiresAt <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    return expiresAt;
  }

  close(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }
}

/** A short name for a session in audit records and logs, from which the cookie cannot be recovered. */
export function sessionTag(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 8);
}
