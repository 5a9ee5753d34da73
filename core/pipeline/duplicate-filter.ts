/** Message ids by adapter, then by bot account: the pipeline builds no key string a message. */
type Generation = Map<string, Map<string, Set<string>>>;

/**
 * Remembers recently seen message ids for at least `ttlMs`, or, under traffic heavier than `maxIds` per
 * `ttlMs`, for at least the last `maxIds` ids. Two generations rotate every `ttlMs` or when the newer holds
 * `maxIds`: O(1) per message, no timers, and memory bounded by `2 × maxIds` ids whatever the traffic (a
 * 10-minute window at 1,000 msg/s would otherwise hold over a million; adding to a set that large was measured at
 * 0.3–1.2 µs per id, against 0.1–0.2 µs at 10,000).
 *
 * Ids are kept by adapter and bot account (message ids are numbered per account), each as the adapter gave it:
 * a key joined from the three was a fresh string a message, ~0.2 µs to build and hash, and two objects kept for
 * the window (DESIGN-NOTES, issue 20, eleventh session).
 */
export class DuplicateFilter {
  private current: Generation = new Map();
  private previous: Generation = new Map();
  /** Ids in `current`. */
  private held = 0;
  private rotatedAt: number;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxIds = 200_000,
  ) {
    this.rotatedAt = now();
  }

  /** Returns true when `id` was first seen less than a window ago (at most two); otherwise records it. */
  seen(id: string, adapter = '', botId = ''): boolean {
    const now = this.now();
    if (now - this.rotatedAt >= this.ttlMs || this.held >= this.maxIds) {
      // Two windows passed with nothing: both generations are stale.
      this.previous = now - this.rotatedAt >= 2 * this.ttlMs ? new Map() : this.current;
      this.current = new Map();
      this.held = 0;
      this.rotatedAt = now;
    }
    // Add first and look at the size: one probe of the (large) current set instead of a lookup and an add.
    const ids = idsOf(this.current, adapter, botId, true);
    const size = ids.size;
    ids.add(id);
    if (ids.size === size) return true;
    if (idsOf(this.previous, adapter, botId, false)?.has(id)) {
      ids.delete(id);
      return true;
    }
    this.held++;
    return false;
  }

  /** Forgets `id`: its message was not taken after all (ingest failed), so a redelivery must get through. */
  forget(id: string, adapter = '', botId = ''): void {
    if (idsOf(this.current, adapter, botId, false)?.delete(id)) this.held--;
    idsOf(this.previous, adapter, botId, false)?.delete(id);
  }
}

function idsOf(generation: Generation, adapter: string, botId: string, create: true): Set<string>;
function idsOf(generation: Generation, adapter: string, botId: string, create: false): Set<string> | undefined;
function idsOf(generation: Generation, adapter: string, botId: string, create: boolean): Set<string> | undefined {
  let bots = generation.get(adapter);
  if (!bots) {
    if (!create) return undefined;
    generation.set(adapter, (bots = new Map()));
  }
  let ids = bots.get(botId);
  if (!ids && create) bots.set(botId, (ids = new Set()));
  return ids;
}
