import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { NekomataError } from '../errors/index.js';
import type { InboundMessage } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { PushMode } from './driver.js';

/** A push refused because Redis is unreachable and the process's spool is full (`BUFFER_SPOOL_MAX`). */
export class BufferSpoolFullError extends NekomataError {
  constructor(readonly max: number) {
    super(
      'BUFFER_SPOOL_FULL',
      `Redis is unreachable and this process already holds ${max} messages for it (BUFFER_SPOOL_MAX): the message was refused; bring Redis back, or raise BUFFER_SPOOL_MAX`,
    );
  }
}

/**
 * The pushes of one Lua call. `caller` and `n` (the call's number on its connection) make the call idempotent:
 * Redis remembers each caller's last call, and a call it already ran is not stored again (PUSH_MANY).
 */
export interface SpooledCall {
  caller: string;
  n: number;
  pushes: { mode: PushMode; ts: number; message: InboundMessage }[];
}

interface SpoolFile {
  /** The Redis prefix the messages belong to: another prefix's file is left alone. */
  prefix: string;
  calls: SpooledCall[];
}

const FILE = /^buffer-spool-[\w-]+\.json$/;

/**
 * Writes the calls a shutdown could not store (Redis was away) to `<dir>/buffer-spool-<caller>.json`, for
 * the next start on this DATA_DIR to store (`readSpools`). Written whole, then renamed into place.
 */
export function saveSpool(dir: string, prefix: string, caller: string, calls: SpooledCall[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `buffer-spool-${caller}.json`);
  const body: SpoolFile = { prefix, calls };
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(body));
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

/** The spool files in `dir` for `prefix`, oldest first. */
export function readSpools(dir: string, prefix: string): { file: string; calls: SpooledCall[] }[] {
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir)
    .filter((name) => FILE.test(name))
    .map((name) => path.join(dir, name))
    .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
  const found: { file: string; calls: SpooledCall[] }[] = [];
  for (const file of files) {
    let body: SpoolFile;
    try {
      body = JSON.parse(fs.readFileSync(file, 'utf8')) as SpoolFile;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new NekomataError('BUFFER_SPOOL_UNREADABLE', `the buffer spool ${file} could not be read (${why}): move it out of DATA_DIR to start without it (its messages are then lost)`);
    }
    if (body.prefix === prefix) found.push({ file, calls: body.calls });
  }
  return found;
}

/** Where a process keeps its spool across a restart (DATA_DIR; none: lost, and said so) and whom it tells. */
export interface SpoolPlace {
  dir: string | undefined;
  prefix: string;
  caller: string;
  log: Logger;
  metrics: Metrics;
}

/** Saves the calls left at shutdown (Redis still away), or, with no folder, reports them lost. */
export function keepSpool(place: SpoolPlace, left: SpooledCall[]): void {
  const count = left.reduce((n, c) => n + c.pushes.length, 0);
  if (!place.dir) {
    place.metrics.count('buffer_spool_lost_total', {}, count);
    place.log.error({ count }, `redis is still unreachable at shutdown: ${count} messages held for it are lost (set a spool directory to keep them)`);
    return;
  }
  const file = saveSpool(place.dir, place.prefix, place.caller, left);
  place.metrics.count('buffer_spool_saved_total', {}, count);
  place.log.warn({ file, count }, `redis is still unreachable at shutdown: ${count} messages saved to ${file}, stored at the next start`);
}

/** Stores (through `store`) the spools saved in the folder by earlier processes, then deletes them; → messages restored. */
export async function restoreSpools(place: SpoolPlace, store: (calls: SpooledCall[]) => Promise<void>): Promise<number> {
  if (!place.dir) return 0;
  let restored = 0;
  for (const { file, calls } of readSpools(place.dir, place.prefix)) {
    await store(calls);
    fs.rmSync(file, { force: true });
    const count = calls.reduce((n, c) => n + c.pushes.length, 0);
    restored += count;
    place.metrics.count('buffer_spool_restored_total', {}, count);
    place.log.info({ file, count }, `stored ${count} messages the last shutdown held for an unreachable Redis`);
  }
  return restored;
}
