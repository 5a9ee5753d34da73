import { NekomataError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';

/**
 * Named definitions with their owners: the global tool and tag registries, and the per-request `ToolSet`
 * and `TagSet`. Adding a name that exists replaces it (KiraAI's rule: the later registration wins).
 */
export class NamedSet<T extends { name: string }> {
  private readonly items = new Map<string, { item: T; owner: string }>();

  constructor(private readonly kind: string) {}

  add(item: T, owner = 'core'): Disposer {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(item.name)) {
      throw new NekomataError('NAME_INVALID', `${this.kind} name "${item.name}" must be 1-64 letters, digits, "_", "." or "-", starting with a letter or "_"`);
    }
    const entry = { item, owner };
    this.items.set(item.name, entry);
    return () => {
      if (this.items.get(item.name) === entry) this.items.delete(item.name);
    };
  }

  remove(name: string): boolean {
    return this.items.delete(name);
  }

  get(name: string): T | undefined {
    return this.items.get(name)?.item;
  }

  ownerOf(name: string): string | undefined {
    return this.items.get(name)?.owner;
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  list(): T[] {
    return [...this.items.values()].map((e) => e.item);
  }

  get size(): number {
    return this.items.size;
  }

  /** A shallow copy: what a request starts from, so per-request changes do not touch the global set. */
  copy(): NamedSet<T> {
    const c = new NamedSet<T>(this.kind);
    for (const [name, e] of this.items) c.items.set(name, e);
    return c;
  }
}
