import type { KVStore } from '../store/index.js';
import { isFinal, type RunExport, type RunRecord } from './run-types.js';

// Runs live in the app's KV store under a reserved key: SQLite by default, Redis with REDIS_URL, so a
// finished run outlasts a restart and every process of a cluster reads the same one.
const OWNER = '__runs__';
const runKey = (id: string) => ({ pluginKey: OWNER, key: `run:${id}` });
const exportsKey = (id: string) => ({ pluginKey: OWNER, key: `exports:${id}` });

/** Run records and their exports, one JSON value each. */
export class RunStore {
  constructor(private readonly kv: KVStore) {}

  async get(id: string): Promise<RunRecord | undefined> {
    const raw = await this.kv.get(runKey(id));
    return raw === undefined ? undefined : (JSON.parse(raw) as RunRecord);
  }

  async put(record: RunRecord): Promise<void> {
    await this.kv.set(runKey(record.id), JSON.stringify(record));
  }

  async list(): Promise<RunRecord[]> {
    const entries = await this.kv.list({ pluginKey: OWNER, prefix: 'run:' });
    return entries.map((e) => JSON.parse(e.value) as RunRecord).sort((a, b) => a.createdAt - b.createdAt);
  }

  async exports(id: string): Promise<RunExport[]> {
    const raw = await this.kv.get(exportsKey(id));
    return raw === undefined ? [] : (JSON.parse(raw) as RunExport[]);
  }

  async addExport(item: RunExport): Promise<void> {
    const list = await this.exports(item.runId);
    list.push(item);
    await this.kv.set(exportsKey(item.runId), JSON.stringify(list));
  }

  async delete(id: string): Promise<void> {
    await this.kv.delete(runKey(id));
    await this.kv.delete(exportsKey(id));
  }

  /** Finished runs beyond the newest `keep`, oldest first: what eviction removes. */
  async surplus(keep: number): Promise<RunRecord[]> {
    // Newest created first, then a stable sort by finish time: runs finished in one millisecond keep the newer first.
    const done = (await this.list()).filter((r) => isFinal(r.status)).reverse().sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
    return done.slice(keep).reverse();
  }
}
