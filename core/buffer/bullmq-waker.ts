import type { Redis } from 'ioredis';

/** Wake-ups falling in the same slot of this many ms are sent once. */
const SLOT_MS = 2;

/**
 * Wakes the queue's workers when a delayed job falls due. A BullMQ worker waits for the next delayed job
 * with a blocking pop whose timeout Redis resolves only on its next event-loop pass: up to 1000/hz ms late
 * (100 ms with the default `hz 10`) when Redis has nothing else to do, which is most of the time for a chat
 * bot. The process that sets a delay knows when it ends, so it writes BullMQ's "a job is waiting" marker
 * then (`ZADD <marker> 0 0`, what BullMQ itself writes when it adds a waiting job); a woken worker promotes
 * the due delayed jobs. A lost wake-up costs only the lateness it was meant to save.
 */
export class DelayWaker {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly markerKey: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Wakes the workers just after `due` (ms since the epoch). */
  at(due: number): void {
    if (this.closed) return;
    const slot = Math.ceil(due / SLOT_MS) * SLOT_MS;
    if (this.timers.has(slot)) return;
    // 1 ms past the slot: the worker promotes jobs due at or before its own clock.
    const timer = setTimeout(() => this.wake(slot), Math.max(0, slot + 1 - Date.now()));
    timer.unref();
    this.timers.set(slot, timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private wake(slot: number): void {
    this.timers.delete(slot);
    this.redis.zadd(this.markerKey, 0, '0').catch(this.onError);
  }
}
