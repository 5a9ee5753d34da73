import { describe, expect, it } from 'vitest';
import { isWireSafe, WireNames } from '../../core/agent/index.js';

describe('WireNames', () => {
  it('keeps safe names and replaces characters OpenAI refuses with "_"', () => {
    const names = new WireNames(['search', 'alice.weather.now', 'héllo wörld']);
    expect(names.toWire('search')).toBe('search');
    expect(names.toWire('alice.weather.now')).toBe('alice_weather_now');
    expect(names.toWire('héllo wörld')).toBe('h_llo_w_rld');
    expect(names.fromWire('alice_weather_now')).toBe('alice.weather.now');
    expect(names.fromWire('h_llo_w_rld')).toBe('héllo wörld');
  });

  it('gives a colliding name a hash suffix, whatever the order, and the safe name keeps its own', () => {
    for (const order of [['a.b', 'a_b'], ['a_b', 'a.b']]) {
      const names = new WireNames(order);
      expect(names.toWire('a_b')).toBe('a_b');
      expect(names.toWire('a.b')).toMatch(/^a_b_[0-9a-f]{6}$/);
      expect(names.fromWire(names.toWire('a.b'))).toBe('a.b');
      expect(names.fromWire('a_b')).toBe('a_b');
    }
  });

  it('gives two dotted names with the same sanitised form different wire names', () => {
    const names = new WireNames(['x.y', 'x-y', 'x y']);
    const wires = ['x.y', 'x-y', 'x y'].map((n) => names.toWire(n));
    expect(new Set(wires).size).toBe(3);
    for (const w of wires) expect(isWireSafe(w)).toBe(true);
  });

  it('cuts long names to 64 characters, suffix included', () => {
    const long = `${'p'.repeat(40)}.${'m'.repeat(40)}`;
    const other = `${'p'.repeat(40)}_${'m'.repeat(40)}`;
    const names = new WireNames([long, other]);
    expect(names.toWire(other)).toHaveLength(64);
    expect(names.toWire(long)).toHaveLength(64);
    expect(names.toWire(long)).not.toBe(names.toWire(other));
    expect(names.fromWire(names.toWire(long))).toBe(long);
  });

  it('is the same for the same names, so a history keeps its names across calls', () => {
    expect(new WireNames(['a.b', 'a_b']).toWire('a.b')).toBe(new WireNames(['a_b', 'a.b']).toWire('a.b'));
  });

  it('passes an unknown wire name through and assigns late names on demand', () => {
    const names = new WireNames(['a.b']);
    expect(names.fromWire('made_up')).toBe('made_up');
    expect(names.toWire('c.d')).toBe('c_d');
    expect(names.fromWire('c_d')).toBe('c.d');
  });
});
