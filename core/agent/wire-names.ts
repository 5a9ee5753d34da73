import { createHash } from 'node:crypto';

/** OpenAI function names must match this; our tool names may also hold `.` (`author.plugin.method`). */
const WIRE_SAFE = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX = 64;

export function isWireSafe(name: string): boolean {
  return WIRE_SAFE.test(name);
}

/**
 * The names one request sends to the model and how they map back. Built per call, so a name's wire form
 * depends only on the other names in that call: names already wire-safe keep themselves, others get
 * invalid characters replaced by `_` and are cut to 64; a name whose wire form is taken gets `_` + 6 hex
 * of its hash.
 *
 * @example
 * const names = new WireNames(['weather.now', 'weather_now']);
 * names.toWire('weather.now');     // 'weather_now_700b53' (the safe name kept its own)
 * names.fromWire('weather_now');   // 'weather_now'
 */
export class WireNames {
  private readonly wire = new Map<string, string>();
  private readonly original = new Map<string, string>();

  constructor(names: Iterable<string>) {
    const list = [...new Set(names)];
    // Safe names claim themselves first, so adding a dotted tool never renames an existing safe one.
    for (const name of list) if (isWireSafe(name)) this.assign(name, name);
    for (const name of list) this.toWire(name);
  }

  /** The wire form of `name`; a name not seen before is assigned one now. */
  toWire(name: string): string {
    const known = this.wire.get(name);
    if (known !== undefined) return known;
    const base = sanitize(name);
    const wire = this.original.has(base) ? this.withHash(name, base) : base;
    this.assign(name, wire);
    return wire;
  }

  /** The tool name behind a wire name; a name the model made up passes through unchanged. */
  fromWire(wire: string): string {
    return this.original.get(wire) ?? wire;
  }

  private withHash(name: string, base: string): string {
    for (let salt = 0; ; salt++) {
      const hex = createHash('sha256').update(salt === 0 ? name : `${name}#${salt}`).digest('hex').slice(0, 6);
      const wire = `${base.slice(0, MAX - 7)}_${hex}`;
      if (!this.original.has(wire)) return wire;
    }
  }

  private assign(name: string, wire: string): void {
    this.wire.set(name, wire);
    this.original.set(wire, name);
  }
}

function sanitize(name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, MAX);
  return safe === '' ? '_' : safe;
}
