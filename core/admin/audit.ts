import type { Logger } from 'pino';
import type { BusTopic } from '../bus/index.js';
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
 * The record of every change made through the admin API. Each is logged once, at info, counted by action, kept
 * in a bounded list the API shows, and published on the bus's `lifecycle` topic as type `admin` (the bus's
 * topics are a fixed set that plugins read; an admin change is a change to the bot's life like a plugin's
 * startup), so a plugin or another process sees it. This is the one place that writes it.
 */
export class AuditTrail {
  private readonly records: AuditRecord[] = [];

  constructor(private readonly deps: { log: Logger; metrics: Metrics; lifecycle?: BusTopic }) {}

  record(entry: Omit<AuditRecord, 'time'>): AuditRecord {
    const record: AuditRecord = { time: Date.now(), ...entry };
    this.records.push(record);
    if (this.records.length > KEPT) this.records.shift();
    this.deps.metrics.count('admin_actions_total', { action: entry.action });
    const who = entry.actor.via === 'session' ? `session ${entry.actor.session}` : entry.actor.via;
    const text = `${entry.action} ${entry.target} by ${who} from ${entry.actor.ip}${entry.ok ? '' : ' (failed)'}`;
    this.deps.log.info({ audit: record }, `admin ${text}`);
    const plugin = entry.action.startsWith('plugin.') ? entry.target : undefined;
    this.deps.lifecycle?.publish({ type: 'admin', ts: record.time, ...(plugin ? { plugin } : {}), text, payload: record });
    return record;
  }

  /** The newest `limit` records, newest first. */
  recent(limit = 100): AuditRecord[] {
    return this.records.slice(-limit).reverse();
  }
}
