/**
 * Counters for what the framework does and drops (DESIGN §9: nothing is lost silently, everything is counted).
 * Kept in-process and cheap; the admin server exposes them as Prometheus text later.
 */
export { RepeatLog, type RepeatLogOptions } from './repeat-log.js';

export type Labels = Readonly<Record<string, string>>;

export interface CounterSample {
  name: string;
  labels: Labels;
  value: number;
}

/** A counter bound to one label set, for hot paths: no label hashing per increment. */
export interface Counter {
  inc(by?: number): void;
}

export class Metrics {
  private readonly counters = new Map<string, CounterSample>();

  /** Returns a handle on one counter; increments through it cost a property add. */
  counter(name: string, labels: Labels = {}): Counter {
    const id = sampleId(name, labels);
    let sample = this.counters.get(id);
    if (!sample) {
      sample = { name, labels, value: 0 };
      this.counters.set(id, sample);
    }
    const bound = sample;
    return { inc: (by = 1) => void (bound.value += by) };
  }

  /** Adds `by` (default 1) to the counter `name` with these labels. */
  count(name: string, labels: Labels = {}, by = 1): void {
    const id = sampleId(name, labels);
    const sample = this.counters.get(id);
    if (sample) sample.value += by;
    else this.counters.set(id, { name, labels, value: by });
  }

  /** Current value of one counter (0 when never counted). */
  get(name: string, labels: Labels = {}): number {
    return this.counters.get(sampleId(name, labels))?.value ?? 0;
  }

  /** Sum of a counter over every label set. */
  total(name: string): number {
    let sum = 0;
    for (const s of this.counters.values()) if (s.name === name) sum += s.value;
    return sum;
  }

  snapshot(): CounterSample[] {
    return [...this.counters.values()].map((s) => ({ ...s }));
  }
}

function sampleId(name: string, labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return name;
  keys.sort();
  let id = name;
  for (const k of keys) id += `|${k}=${labels[k]}`;
  return id;
}
