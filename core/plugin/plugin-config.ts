import type { Logger } from 'pino';
import { z } from 'zod';
import { NekomataError, toError } from '../errors/index.js';
import { convert, schemaKind, type Kind } from './config-strings.js';
import type { Disposer } from '../hooks/index.js';
import type { KVKey, KVStore } from '../store/index.js';

/** One field that does not validate: `path` is dotted (`limits.max`, `tags.2`), `''` for the whole config. */
export interface PluginConfigIssue {
  path: string;
  message: string;
}

/** Settings that do not fit the plugin's schema; `issues` names each offending field. Nothing was persisted. */
export class PluginConfigError extends NekomataError {
  constructor(
    readonly pluginKey: string,
    readonly issues: readonly PluginConfigIssue[],
    problem: string,
  ) {
    super('PLUGIN_CONFIG_INVALID', `config of plugin ${pluginKey} ${problem}: ${issues.map((i) => `${i.path || '(config)'}: ${i.message}`).join('; ')}`);
  }
}

export interface PluginConfigOptions<S extends z.ZodObject> {
  kv: KVStore;
  pluginKey: string;
  /** Every field should have a default so that a first load succeeds; values are stored as JSON and re-parsed. */
  schema: S;
  log: Logger;
  /** Called after each change made here (`update`) was stored; not after `load`. */
  persisted?: () => void;
}

export type PluginConfigListener<S extends z.ZodObject> = (value: z.output<S>, previous: z.output<S>) => void;

type Data = Record<string, unknown>;

/** Reserved KV plugin key under which every plugin's config is stored, keyed by the plugin's key. */
const CONFIG_NAMESPACE = '__config__';

/**
 * A plugin's settings: a zod object schema, values persisted in the KV store, validated at every change
 * (Nekro's `ConfigBase`, reference §1.3).
 *
 * @example
 * const config = new PluginConfig({ kv, pluginKey: 'me.weather', log, schema: z.object({ city: z.string().default('London') }) });
 * await config.load();
 * config.onChange((now, before) => log.info({ city: now.city, was: before.city }, 'city changed'));
 * await config.update({ city: 'Paris' });
 */
export class PluginConfig<S extends z.ZodObject> {
  readonly pluginKey: string;
  readonly schema: S;
  private readonly kv: KVStore;
  private readonly log: Logger;
  private readonly persisted: (() => void) | undefined;
  private readonly address: KVKey;
  private current: z.output<S> | undefined;
  private readonly listeners = new Set<{ fn: PluginConfigListener<S> }>();
  // Changes run one at a time so that each merges into the values the previous one left.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: PluginConfigOptions<S>) {
    this.kv = options.kv;
    this.pluginKey = options.pluginKey;
    this.schema = options.schema;
    this.log = options.log.child({ component: 'plugin-config', plugin: options.pluginKey });
    this.persisted = options.persisted;
    this.address = { pluginKey: CONFIG_NAMESPACE, key: options.pluginKey };
  }

  /**
   * Reads the stored values, fills defaults for missing fields and writes the result back (so new defaults
   * are back-filled, as Nekro does). A stored field that no longer validates is reset to its default with a
   * warning; without a default the load fails with a `PluginConfigError`.
   */
  load(): Promise<z.output<S>> {
    return this.exclusive(async () => {
      const raw = await this.kv.get(this.address);
      const value = this.repair(this.parseStored(raw));
      const text = JSON.stringify(value);
      if (text !== raw) await this.kv.set(this.address, text);
      const previous = this.current;
      this.current = value;
      if (previous !== undefined && JSON.stringify(previous) !== text) this.notify(value, previous);
      return value;
    });
  }

  /** The validated values. Throws `PLUGIN_CONFIG_NOT_LOADED` before `load()`. */
  get value(): z.output<S> {
    if (this.current === undefined) {
      throw new NekomataError('PLUGIN_CONFIG_NOT_LOADED', `config of plugin ${this.pluginKey} is not loaded yet: await load() first`);
    }
    return this.current;
  }

  /**
   * Shallow-merges `patch` into the current values, validates the whole config, persists it and notifies
   * listeners. A field given as `undefined` goes back to its default. Invalid values are refused with a
   * `PluginConfigError` naming each field, and nothing is persisted.
   */
  update(patch: Partial<z.input<S>>): Promise<z.output<S>> {
    return this.exclusive(() => this.apply(patch));
  }

  /**
   * `update` from the strings a web form sends, converted by the type of each field's current value
   * (reference §1.3): booleans from true/1/yes/t/y or false/0/no/f/n, numbers with `Number()`, arrays and
   * objects as JSON, strings as they are. One bad value refuses the whole batch.
   */
  updateFromStrings(patch: Record<string, string>): Promise<z.output<S>> {
    return this.exclusive(async () => {
      const current = this.value as Data;
      const input = asRecord(patch);
      if (!input) throw new PluginConfigError(this.pluginKey, [{ path: '', message: 'expected an object of field names to strings' }], 'update refused');
      const converted: Data = {};
      const issues: PluginConfigIssue[] = [...this.unknownFields(input)];
      for (const [field, text] of Object.entries(input)) {
        if (!this.hasField(field)) continue;
        const result = typeof text === 'string' ? convert(text, this.kindOf(field, current[field])) : { error: `expected a string, got ${typeof text}` };
        if ('error' in result) issues.push({ path: field, message: result.error });
        else converted[field] = result.value;
      }
      if (issues.length > 0) throw new PluginConfigError(this.pluginKey, issues, 'update refused');
      return this.apply(converted);
    });
  }

  /** Calls `listener(value, previous)` after every change that was persisted. */
  onChange(listener: PluginConfigListener<S>): Disposer {
    const entry = { fn: listener };
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** The schema of the accepted input as JSON Schema (draft 2020-12), for forms and documentation. */
  jsonSchema(): Record<string, unknown> {
    return z.toJSONSchema(this.schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  }

  private async apply(patch: unknown): Promise<z.output<S>> {
    const previous = this.value;
    const input = asRecord(patch);
    if (!input) throw new PluginConfigError(this.pluginKey, [{ path: '', message: 'expected an object of field values' }], 'update refused');
    const unknown = this.unknownFields(input);
    if (unknown.length > 0) throw new PluginConfigError(this.pluginKey, unknown, 'update refused');
    const parsed = this.schema.safeParse({ ...(previous as Data), ...input });
    if (!parsed.success) throw new PluginConfigError(this.pluginKey, issuesOf(parsed.error), 'update refused');
    await this.kv.set(this.address, JSON.stringify(parsed.data));
    this.current = parsed.data;
    this.persisted?.();
    this.notify(parsed.data, previous);
    return parsed.data;
  }

  private parseStored(raw: string | undefined): Data {
    if (raw === undefined) return {};
    try {
      const data = asRecord(JSON.parse(raw));
      if (data) return data;
      this.log.warn('stored config is not a JSON object; starting from the defaults');
    } catch (err) {
      this.log.warn({ err: toError(err) }, 'stored config is not valid JSON; starting from the defaults');
    }
    return {};
  }

  /**
   * Validates stored data, resetting each field that fails to its default: the deepest object property on
   * the failing path is removed, and when that leaves a required value missing, its parent goes next.
   */
  private repair(data: Data): z.output<S> {
    for (;;) {
      const parsed = this.schema.safeParse(data);
      if (parsed.success) return parsed.data;
      const unrecoverable: PluginConfigIssue[] = [];
      for (const issue of parsed.error.issues) {
        const at = storedPrefix(data, issue.path);
        if (!at) {
          unrecoverable.push({ path: dotted(issue.path), message: issue.message });
          continue;
        }
        deleteAt(data, at);
        this.log.warn({ path: dotted(at), issuePath: dotted(issue.path), issue: issue.message }, `stored config field ${dotted(at)} no longer validates (${issue.message}); reset to its default`);
      }
      // Every round without a failure removes at least one stored property, so this ends.
      if (unrecoverable.length > 0) {
        throw new PluginConfigError(this.pluginKey, unrecoverable, 'cannot be loaded: these fields have no valid value and no default; give them defaults or store valid values');
      }
    }
  }

  private hasField(field: string): boolean {
    return Object.hasOwn(this.schema.shape, field);
  }

  private unknownFields(input: Data): PluginConfigIssue[] {
    return Object.keys(input)
      .filter((field) => !this.hasField(field))
      .map((field) => ({ path: field, message: 'is not a field of this config' }));
  }

  private kindOf(field: string, current: unknown): Kind {
    if (typeof current === 'boolean' || typeof current === 'number' || typeof current === 'string') return typeof current as Kind;
    if (Array.isArray(current)) return 'array';
    if (typeof current === 'object' && current !== null) return 'object';
    // No current value (an optional field): the schema says what it holds.
    return schemaKind((this.schema.shape as Record<string, z.ZodType>)[field]);
  }

  private notify(value: z.output<S>, previous: z.output<S>): void {
    for (const { fn } of [...this.listeners]) {
      try {
        const result: unknown = fn(value, previous);
        if (result instanceof Promise) result.catch((err: unknown) => this.listenerFailed(err));
      } catch (err) {
        this.listenerFailed(err);
      }
    }
  }

  private listenerFailed(err: unknown): void {
    this.log.error({ err: toError(err) }, 'a config change listener threw; the other listeners still ran');
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function issuesOf(error: z.ZodError): PluginConfigIssue[] {
  return error.issues.map((i) => ({ path: dotted(i.path), message: i.message }));
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function asRecord(value: unknown): Data | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : undefined;
}

/** The longest prefix of `path` that names a property stored in a plain object (array items are not removed one by one). */
function storedPrefix(data: Data, path: readonly PropertyKey[]): PropertyKey[] | undefined {
  const parents: Array<Data | undefined> = [];
  let node: unknown = data;
  for (const key of path) {
    const record = asRecord(node);
    parents.push(record);
    node = record ? record[key as string] : Array.isArray(node) ? node[key as number] : undefined;
  }
  for (let length = path.length; length > 0; length--) {
    const parent = parents[length - 1];
    if (parent && Object.hasOwn(parent, path[length - 1] as string)) return path.slice(0, length);
  }
  return undefined;
}

function deleteAt(data: Data, path: readonly PropertyKey[]): void {
  let node: unknown = data;
  for (const key of path.slice(0, -1)) node = (node as Data)[key as string];
  delete (node as Data)[path[path.length - 1] as string];
}
