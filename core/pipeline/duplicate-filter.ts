/**
 * Remembers recently seen message ids for at least `ttlMs`. Two generations of sets rotate every `ttlMs`:
 * O(1) per message, no timers, and memory bounded by the traffic of two windows.
 */
export class DuplicateFilter {
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotatedAt: number;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.rotatedAt = now();
  }

  /** Returns true when `id` was first seen less than a window ago (at most two); otherwise records it. */
  seen(id: string): boolean {
    const now = this.now();
    if (now - this.rotatedAt >= this.ttlMs) {
      // Two windows passed with nothing: both generations are stale.
      this.previous = now - this.rotatedAt >= 2 * this.ttlMs ? new Set() : this.current;
      this.current = new Set();
      this.rotatedAt = now;
    }
    // Add first and look at the size: one probe of the (large) current set instead of a lookup and an add.
    const size = this.current.size;
    this.current.add(id);
    if (this.current.size === size) return true;
    if (this.previous.has(id)) {
      this.current.delete(id);
      return true;
    }
    return false;
  }

  /** Forgets `id`: its message was not taken after all (ingest failed), so a redelivery must get through. */
  forget(id: string): void {
    this.current.delete(id);
    this.previous.delete(id);
  }
}
