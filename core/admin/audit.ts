import type { Logger } from 'pino';
import type { Actor } from '../http/index.js';
import type { Metrics } from '../metrics/index.js';

/** One change made through the admin API: who, what, to what, and how it ended. */
export interface AuditRecord {
  time: number;
  actor: Actor;
  /** `plugin.disable`, `command.permission`, `chat.reset`, … */
  action: string;
  /** What it was done to: a plugin key, a command, a chat key. */
  target: string;
  ok: boolean;
  detail?: Record<string, unknown>;
}

const KEPT = 500;

/**
 * The record of every change made through the admin API (the issue's `admin` topic). Each is logged once, at
 * info, counted by action, and kept in a bounded list the API shows. When the message bus lands (issue 18) the
 * same record is published on its `admin` topic from here, the one place that writes it.
 */
export class AuditTrail {
  private readonly records: AuditRecord[] = [];

  constructor(private readonly deps: { log: Logger; metrics: Metrics }) {}

  record(entry: Omit<AuditRecord, 'time'>): AuditRecord {
    const record: AuditRecord = { time: Date.now(), ...entry };
    this.records.push(record);
    if (this.records.length > KEPT) this.records.shift();
    this.deps.metrics.count('admin_actions_total', { action: entry.action });
    const who = entry.actor.via === 'session' ? `session ${entry.actor.session}` : entry.actor.via;
    this.deps.log.info({ audit: record }, `admin ${entry.action} ${entry.target} by ${who} from ${entry.actor.ip}${entry.ok ? '' : ' (failed)'}`);
    return record;
  }

  /** The newest `limit` records, newest first. */
  recent(limit = 100): AuditRecord[] {
    return this.records.slice(-limit).reverse();
  }
}
