import fs from 'node:fs';
import path from 'node:path';
import { NekomataError } from '../errors/index.js';

/** The lock's file name inside `DATA_DIR`. */
export const DATA_DIR_LOCK_FILE = 'nekomata.lock';

/** Lock files this process holds (two apps of one process on one directory conflict as two processes do). */
const heldHere = new Set<string>();

/** Raised when another live process (or another app of this one) holds the data directory. */
export class DataDirLockedError extends NekomataError {
  constructor(
    readonly dir: string,
    readonly holderPid: number,
  ) {
    super(
      'DATA_DIR_LOCKED',
      `DATA_DIR ${dir} is in use by process ${holderPid}${holderPid === process.pid ? ' (another app in this process)' : ''}: ` +
        'its SQLite store and pending list have one owner. Stop that process, give this one its own DATA_DIR, ' +
        'or run several processes on one Redis (REDIS_URL), which needs no lock',
    );
  }
}

export interface DataDirLock {
  /** Deletes the lock file (idempotent). */
  release(): void;
}

/**
 * Takes `DATA_DIR/nekomata.lock` for this process: the file is created exclusively (O_EXCL) and holds the
 * pid. A lock whose pid no longer runs (a process killed without its shutdown) is taken over; one whose
 * process runs is refused with `DataDirLockedError`. Released at `release()` or when the process exits.
 */
export function lockDataDir(dir: string): DataDirLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(path.resolve(dir), DATA_DIR_LOCK_FILE);
  if (!create(file)) {
    const holder = readPid(file);
    const ours = holder === process.pid && !heldHere.has(file);
    if (holder !== undefined && !ours && isRunning(holder)) throw new DataDirLockedError(dir, holder);
    // Stale: its holder is gone (or wrote nothing readable). Taken over once; a racing process that wins wins.
    fs.rmSync(file, { force: true });
    if (!create(file)) throw new DataDirLockedError(dir, readPid(file) ?? 0);
  }
  heldHere.add(file);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    heldHere.delete(file);
    process.off('exit', release);
    if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { release };
}

function create(file: string): boolean {
  try {
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
