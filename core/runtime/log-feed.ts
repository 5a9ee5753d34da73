import { pino } from 'pino';

/** One log line as the admin API shows it. */
export interface LogRecord {
  /** Increasing number of the line in this process: a live stream resumes after the last one it showed. */
  seq: number;
  time: number;
  /** pino's number (10 trace … 60 fatal) and its name. */
  level: number;
  levelName: string;
  msg: string;
  /** The line's other fields (chatKey, plugin, adapter, err, …). */
  fields: Record<string, unknown>;
}

export type LogListener = (record: LogRecord) => void;

/** The pino level number of a level name (`info` → 30). */
export function levelNumber(name: string): number {
  return pino.levels.values[name] ?? 30;
}

/**
 * The app's recent log lines, kept for the admin API: a bounded ring (the oldest line goes first) and live
 * listeners, each with a lowest level. It is a pino destination (`createLogger(config, { feed })`), so it sees
 * exactly the lines the log does, after redaction.
 */
export class LogFeed {
  private readonly ring: (LogRecord | undefined)[];
  private next = 0;
  private seq = 0;
  private readonly listeners = new Set<{ fn: LogListener; minLevel: number }>();

  constructor(readonly capacity = 1000) {
    this.ring = new Array<LogRecord | undefined>(capacity);
  }

  /** pino's destination interface: one JSON line per call. */
  write(line: string): void {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = { level: 30, msg: line.trim() };
    }
    const { level, time, msg, ...fields } = parsed;
    const n = typeof level === 'number' ? level : 30;
    const record: LogRecord = {
      seq: ++this.seq, time: typeof time === 'number' ? time : Date.now(), level: n, levelName: pino.levels.labels[n] ?? String(n),
      msg: typeof msg === 'string' ? msg : '', fields,
    };
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
    for (const l of this.listeners) {
      if (n < l.minLevel) continue;
      try {
        l.fn(record);
      } catch {
        // A listener is a client's stream: its failure must not reach the logger (which would log it, here).
      }
    }
  }

  /** The newest `limit` lines at `minLevel` or above, oldest first; only those after `afterSeq` when given. */
  recent(opts: { limit?: number; minLevel?: number; afterSeq?: number } = {}): LogRecord[] {
    const { limit = 200, minLevel = 0, afterSeq = 0 } = opts;
    const out: LogRecord[] = [];
    for (let i = 1; i <= this.capacity && out.length < limit; i++) {
      const r = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!r || r.seq <= afterSeq) break;
      if (r.level >= minLevel) out.push(r);
    }
    return out.reverse();
  }

  /** Calls `fn` with every new line at `minLevel` or above until the returned function is called. */
  subscribe(fn: LogListener, minLevel = 0): () => void {
    const entry = { fn, minLevel };
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
