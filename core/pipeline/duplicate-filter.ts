/**
 * Remembers recently seen message ids for at least `ttlMs`, or, under traffic heavier than `maxIds` per
 * `ttlMs`, for at least the last `maxIds` ids. Two generations of sets rotate every `ttlMs` or when the newer
 * holds `maxIds`: O(1) per message, no timers, and memory bounded by `2 × maxIds` ids whatever the traffic
 * (a 10-minute window at 1,000 msg/s would otherwise hold over a million; adding to a set that large was
 * measured at 0.3–1.2 µs per id, against 0.1–0.2 µs at 10,000).
 */
export class DuplicateFilter {
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotatedAt: number;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxIds = 200_000,
  ) {
    this.rotatedAt = now();
  }

  /** Returns true when `id` was first seen less than a window ago (at most two); otherwise records it. */
  seen(id: string): boolean {
    const now = this.now();
    if (now - this.rotatedAt >= this.ttlMs || this.current.size >= this.maxIds) {
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
