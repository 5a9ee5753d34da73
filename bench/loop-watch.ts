import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/**
 * What held up this process's event loop over a measured run: the young-generation collections (scavenges,
 * each a pause of the main thread) and the event-loop delay (how late a 1 ms timer ran: pauses, and long
 * stretches of work). A push's reply waits behind both, and a producer with a fixed number of pushes in flight
 * goes no faster than that number over the push's round trip (DESIGN-NOTES, issue 20).
 */
export interface LoopStall {
  scavenges: number;
  scavengeMs: number;
  scavengeMaxMs: number;
  /** Event-loop delay beyond the 1 ms sampling interval, ms. */
  delayP99Ms: number;
  delayMaxMs: number;
}

export function watchLoop(): { stop(): LoopStall } {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const pauses: number[] = [];
  const take = (entries: readonly PerformanceEntry[]): void => {
    for (const entry of entries) if (isScavenge(entry)) pauses.push(entry.duration);
  };
  const observer = new PerformanceObserver((list) => take(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      // Entries not handed to the callback yet.
      take(observer.takeRecords());
      observer.disconnect();
      delay.disable();
      const beyond = (ns: number): number => Math.max(0, ns / 1e6 - 1);
      return {
        scavenges: pauses.length,
        scavengeMs: pauses.reduce((a, b) => a + b, 0),
        scavengeMaxMs: pauses.length > 0 ? Math.max(...pauses) : 0,
        delayP99Ms: beyond(delay.percentile(99)),
        delayMaxMs: beyond(delay.max),
      };
    },
  };
}

const isScavenge = (entry: PerformanceEntry): boolean => (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR;
