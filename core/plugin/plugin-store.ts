import { ValidationError } from '../errors/index.js';
import type { KVEntry, KVKey, KVStore } from '../store/index.js';

/** The scope of a value: both omitted = global, one or both given = that exact scope (no fallback). */
export interface PluginStoreScope {
  chatKey?: string;
  userKey?: string;
}

export interface PluginStoreAddress extends PluginStoreScope {
  storeKey: string;
}

export interface PluginStoreWrite extends PluginStoreAddress {
  /** Strings only: encode structured data with `JSON.stringify`. */
  value: string;
}

export interface PluginStoreListQuery extends PluginStoreScope {
  /** Only keys starting with this, matched literally. */
  prefix?: string;
}

/** Nekro's `plugin.store` return codes, for code ported from Python. */
export interface LegacyPluginStore {
  get(address: PluginStoreAddress): Promise<string | undefined>;
  /** `1` when an existing value was updated, `0` when the key was created (Nekro's codes). */
  set(write: PluginStoreWrite): Promise<0 | 1>;
  /** `0` when deleted, `1` when there was nothing to delete (Nekro's codes). */
  delete(address: PluginStoreAddress): Promise<0 | 1>;
}

// Nekro's `plugin_data` column widths (reference §1.2).
const MAX_STORE_KEY = 128;
const MAX_SCOPE_KEY = 256;

/**
 * A plugin's own key-value store (Nekro's `plugin.store`): string values in four exact scopes (global,
 * per chat, per user, per user within a chat) with no fallback between them. Arguments are checked here
 * because plugins written in plain JavaScript reach this edge without a type checker.
 *
 * @example
 * await plugin.store.set({ chatKey: ctx.chatKey, storeKey: 'last_command', value: '/weather London' });
 * const prefs = await plugin.store.get({ userKey: ctx.userId, storeKey: 'preferences' });
 * if (prefs !== undefined) use(JSON.parse(prefs));
 */
export class PluginStore {
  /** The same store with Nekro's original return codes: see {@link LegacyPluginStore}. */
  readonly legacy: LegacyPluginStore;

  constructor(
    private readonly kv: KVStore,
    readonly pluginKey: string,
  ) {
    if (typeof pluginKey !== 'string' || pluginKey.length === 0 || pluginKey.length > MAX_STORE_KEY) {
      throw new ValidationError('plugin store', [`pluginKey must be a non-empty string of at most ${MAX_STORE_KEY} characters`]);
    }
    this.legacy = {
      get: (address) => this.get(address),
      set: async (write) => ((await this.set(write)) ? 0 : 1),
      delete: async (address) => ((await this.delete(address)) ? 0 : 1),
    };
  }

  /** The value at this exact scope and key, or `undefined` when there is none. */
  async get(address: PluginStoreAddress): Promise<string | undefined> {
    return this.kv.get(this.keyOf('get', address));
  }

  /** Creates or replaces a value; resolves `true` when it was created, `false` when it replaced one. */
  async set(write: PluginStoreWrite): Promise<boolean> {
    const key = this.keyOf('set', write);
    const value = (write as { value?: unknown }).value;
    if (typeof value !== 'string') {
      throw new ValidationError(`plugin store set for ${this.pluginKey}`, [
        `value must be a string, got ${describe(value)}: encode structured data with JSON.stringify(value) and read it back with JSON.parse`,
      ]);
    }
    return this.kv.set(key, value);
  }

  /** Resolves `true` when a value was deleted, `false` when there was none. */
  async delete(address: PluginStoreAddress): Promise<boolean> {
    return this.kv.delete(this.keyOf('delete', address));
  }

  /**
   * Entries ordered by chatKey, userKey, key. An omitted chatKey or userKey matches every value of that
   * part; `''` matches only values not scoped by it.
   */
  async list(query: PluginStoreListQuery = {}): Promise<KVEntry[]> {
    const q = asRecord(query);
    const issues = q ? scopeIssues(q) : [expectedObject];
    if (q && q.prefix !== undefined && typeof q.prefix !== 'string') issues.push(`prefix must be a string, got ${describe(q.prefix)}`);
    if (!q || issues.length > 0) throw new ValidationError(`plugin store list for ${this.pluginKey}`, issues);
    return this.kv.list({
      pluginKey: this.pluginKey,
      ...optional('chatKey', q.chatKey),
      ...optional('userKey', q.userKey),
      ...optional('prefix', q.prefix),
    });
  }

  /** Deletes every value of this plugin in every scope; resolves how many were removed. */
  async clear(): Promise<number> {
    return this.kv.clearPlugin(this.pluginKey);
  }

  private keyOf(op: string, address: PluginStoreAddress): KVKey {
    const a = asRecord(address);
    const issues = a ? scopeIssues(a) : [expectedObject];
    if (a) {
      const k = a.storeKey;
      if (typeof k !== 'string' || k.length === 0 || k.length > MAX_STORE_KEY) {
        issues.push(`storeKey must be a non-empty string of at most ${MAX_STORE_KEY} characters, got ${describe(k)}`);
      }
    }
    if (!a || issues.length > 0) throw new ValidationError(`plugin store ${op} for ${this.pluginKey}`, issues);
    return {
      pluginKey: this.pluginKey,
      key: a.storeKey as string,
      ...optional('chatKey', a.chatKey),
      ...optional('userKey', a.userKey),
    };
  }
}

const expectedObject = 'arguments must be an object such as { chatKey, userKey, storeKey }';

function asRecord(input: unknown): Record<string, unknown> | undefined {
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
}

function scopeIssues(input: Record<string, unknown>): string[] {
  const issues: string[] = [];
  for (const part of ['chatKey', 'userKey'] as const) {
    const v = input[part];
    if (v !== undefined && (typeof v !== 'string' || v.length > MAX_SCOPE_KEY)) {
      issues.push(`${part} must be a string of at most ${MAX_SCOPE_KEY} characters when given, got ${describe(v)}`);
    }
  }
  return issues;
}

function optional<K extends string>(name: K, value: unknown): { [P in K]?: string } {
  return (typeof value === 'string' ? { [name]: value } : {}) as { [P in K]?: string };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  return `${typeof value} ${String(value)}`;
}
