import type { KVEntry, KVKey, KVListQuery, KVStore } from './store.js';
import type { RedisStoreContext } from './redis-store.js';

const SEP = '\u0000';
const SCAN_COUNT = 1000;

/**
 * `KVStore` on one hash per plugin, `<prefix>:kv:<pluginKey>`, whose fields are `<chatKey>\0<userKey>\0<key>`.
 * One hash per plugin makes `clearPlugin` a single DEL and `list` a scan of that plugin's values only.
 * NUL separates the scope parts because chat and user keys never contain it; a store key may (the field is
 * split at the first two NULs).
 */
export class RedisKV implements KVStore {
  constructor(private readonly ctx: RedisStoreContext) {}

  async get(k: KVKey): Promise<string | undefined> {
    this.ctx.assertOpen();
    return (await this.ctx.redis.hget(this.hashKey(k.pluginKey), fieldOf(k))) ?? undefined;
  }

  async set(k: KVKey, value: string): Promise<boolean> {
    this.ctx.assertOpen();
    // HSET counts the fields it created, so one command tells created from replaced.
    return (await this.ctx.redis.hset(this.hashKey(k.pluginKey), fieldOf(k), value)) === 1;
  }

  async delete(k: KVKey): Promise<boolean> {
    this.ctx.assertOpen();
    return (await this.ctx.redis.hdel(this.hashKey(k.pluginKey), fieldOf(k))) > 0;
  }

  async list(q: KVListQuery): Promise<KVEntry[]> {
    this.ctx.assertOpen();
    const entries: SortableEntry[] = [];
    for (const [field, value] of await this.scan(this.hashKey(q.pluginKey), matchPattern(q))) {
      const e = parseField(field, value);
      if (q.chatKey !== undefined && e.chatKey !== q.chatKey) continue;
      if (q.userKey !== undefined && e.userKey !== q.userKey) continue;
      if (q.prefix !== undefined && !e.key.startsWith(q.prefix)) continue;
      entries.push({ entry: e, sortKey: [Buffer.from(e.chatKey), Buffer.from(e.userKey), Buffer.from(e.key)] });
    }
    // UTF-8 byte order, as SQLite's BINARY collation sorts: JS string order differs for characters past U+FFFF.
    entries.sort((a, b) => compareBytes(a.sortKey, b.sortKey));
    return entries.map((e) => e.entry);
  }

  async clearPlugin(pluginKey: string): Promise<number> {
    this.ctx.assertOpen();
    const key = this.hashKey(pluginKey);
    const [count] = await this.ctx.exec(this.ctx.redis.multi().hlen(key).del(key));
    return count as number;
  }

  /** `<prefix>:kv:<pluginKey>` */
  private hashKey(pluginKey: string): string {
    return `${this.ctx.prefix}:kv:${pluginKey}`;
  }

  // HSCAN rather than HGETALL: a plugin with many users' values must not block Redis for everyone else.
  // HSCAN may return a field twice (when the hash is rehashed mid-scan), hence the Map.
  private async scan(key: string, pattern: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, flat] = await this.ctx.redis.hscan(key, cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      for (let i = 0; i + 1 < flat.length; i += 2) found.set(flat[i]!, flat[i + 1]!);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }
}

interface SortableEntry {
  entry: KVEntry;
  sortKey: [Buffer, Buffer, Buffer];
}

function fieldOf(k: KVKey): string {
  return `${k.chatKey ?? ''}${SEP}${k.userKey ?? ''}${SEP}${k.key}`;
}

function parseField(field: string, value: string): KVEntry {
  const first = field.indexOf(SEP);
  const second = field.indexOf(SEP, first + 1);
  return { chatKey: field.slice(0, first), userKey: field.slice(first + 1, second), key: field.slice(second + 1), value };
}

/**
 * Narrows the scan on the server to the leading scope parts the query fixes. Only a narrowing: `list` still
 * filters every field exactly, so the glob need not be perfect.
 */
function matchPattern(q: KVListQuery): string {
  if (q.chatKey === undefined) return '*';
  if (q.userKey === undefined) return `${escapeGlob(q.chatKey)}${SEP}*`;
  return `${escapeGlob(q.chatKey)}${SEP}${escapeGlob(q.userKey)}${SEP}${escapeGlob(q.prefix ?? '')}*`;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

function compareBytes(a: readonly Buffer[], b: readonly Buffer[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = Buffer.compare(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}
