import type { Logger } from 'pino';
import { NekomataError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import { isCommandName, type RegisteredCommand } from './command.js';
import { distance } from 'fastest-levenshtein';

export type Resolution =
  | { kind: 'found'; command: RegisteredCommand }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'not_found'; suggestions: string[] };

export class CommandNameError extends NekomataError {
  constructor(name: string, owner: string) {
    super('COMMAND_NAME_INVALID', `command name "${name}" of ${owner} is invalid: use letters, digits, "_", "-" or "." (no spaces or ":")`);
  }
}

/**
 * Commands keyed `namespace:name`. Resolution (Nekro §1.4.1): the full name, an alias's full name, a short
 * name or alias only one command claims, then the same with `-` read as `_`. A duplicate full name
 * replaces the older command with a warning.
 */
export class CommandRegistry {
  private readonly byFullName = new Map<string, RegisteredCommand>();
  private readonly aliasFullNames = new Map<string, RegisteredCommand>();
  private readonly shortNames = new Map<string, RegisteredCommand[]>();
  private listeners: (() => void)[] = [];

  constructor(private readonly log: Logger) {}

  add(command: RegisteredCommand): Disposer {
    for (const n of [command.name, ...command.aliases]) if (!isCommandName(n)) throw new CommandNameError(n, command.source);
    const old = this.byFullName.get(command.fullName);
    if (old) {
      this.log.warn({ command: command.fullName, plugin: command.source, replaced: old.source }, `command ${command.fullName} registered again: the newer one replaces the older`);
      this.remove(old);
    }
    this.byFullName.set(command.fullName, command);
    for (const alias of command.aliases) this.aliasFullNames.set(`${command.namespace}:${alias}`, command);
    for (const short of [command.name, ...command.aliases]) this.shortNames.set(short, [...(this.shortNames.get(short) ?? []), command]);
    this.changed();
    return () => {
      if (this.byFullName.get(command.fullName) === command) {
        this.remove(command);
        this.changed();
      }
    };
  }

  resolve(input: string): Resolution {
    const direct = this.lookup(input);
    if (direct.kind !== 'not_found') return direct;
    if (input.includes('-')) {
      const folded = input.replace(/-/g, '_');
      const again = this.lookup(folded);
      if (again.kind !== 'not_found') return again;
    }
    return { kind: 'not_found', suggestions: this.suggest(input) };
  }

  get(fullName: string): RegisteredCommand | undefined {
    return this.byFullName.get(fullName);
  }

  /** Registered commands, by full name; internal ones only when asked. */
  list(opts: { includeInternal?: boolean } = {}): RegisteredCommand[] {
    return [...this.byFullName.values()].filter((c) => opts.includeInternal || !c.internal).sort((a, b) => a.fullName.localeCompare(b.fullName));
  }

  /**
   * Tells listeners the visible command set changed without an add or remove: a plugin was enabled or
   * disabled, or an override changed.
   */
  notifyChanged(): void {
    this.changed();
  }

  /** Called after any change to what commands exist or may run: adapters re-publish their command menus. */
  onChange(listener: () => void): Disposer {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private lookup(input: string): Resolution {
    const exact = this.byFullName.get(input) ?? this.aliasFullNames.get(input);
    if (exact) return { kind: 'found', command: exact };
    const claims = this.shortNames.get(input);
    if (claims && claims.length === 1) return { kind: 'found', command: claims[0]! };
    if (claims && claims.length > 1) return { kind: 'ambiguous', candidates: claims.map((c) => c.fullName).sort() };
    return { kind: 'not_found', suggestions: [] };
  }

  /** Up to three visible names closest to `input` (edit distance at most a third of its length, min 2). */
  private suggest(input: string): string[] {
    const limit = Math.max(2, Math.floor(input.length / 3));
    const scored: { name: string; d: number }[] = [];
    for (const c of this.byFullName.values()) {
      if (c.internal) continue;
      for (const name of [c.name, ...c.aliases]) {
        const d = distance(input.toLowerCase(), name.toLowerCase());
        if (d <= limit) scored.push({ name, d });
      }
    }
    scored.sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
    return [...new Set(scored.map((s) => s.name))].slice(0, 3);
  }

  private remove(command: RegisteredCommand): void {
    this.byFullName.delete(command.fullName);
    for (const alias of command.aliases) {
      const key = `${command.namespace}:${alias}`;
      if (this.aliasFullNames.get(key) === command) this.aliasFullNames.delete(key);
    }
    for (const short of [command.name, ...command.aliases]) {
      const rest = (this.shortNames.get(short) ?? []).filter((c) => c !== command);
      if (rest.length > 0) this.shortNames.set(short, rest);
      else this.shortNames.delete(short);
    }
  }

  private changed(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.log.error({ err }, 'command menu listener failed');
      }
    }
  }
}

