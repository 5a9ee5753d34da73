import { describe, expect, it } from 'vitest';
import { DuplicateFilter } from '../../core/pipeline/duplicate-filter.js';

const TTL = 1000;

/** A filter on a clock the test moves by hand. */
function filterAt(start = 10_000): { filter: DuplicateFilter; at: (t: number) => void } {
  let now = start;
  const filter = new DuplicateFilter(TTL, () => now);
  return { filter, at: (t) => void (now = start + t) };
}

describe('DuplicateFilter', () => {
  it('reports an id as new the first time and as a duplicate the second', () => {
    const { filter } = filterAt();
    expect(filter.seen('a')).toBe(false);
    expect(filter.seen('a')).toBe(true);
    expect(filter.seen('a')).toBe(true);
  });

  it('tells different ids apart', () => {
    const { filter } = filterAt();
    expect(filter.seen('a')).toBe(false);
    expect(filter.seen('b')).toBe(false);
    expect(filter.seen('a')).toBe(true);
    expect(filter.seen('b')).toBe(true);
  });

  it.each([0, 1, TTL / 2, TTL - 1])('remembers an id seen %i ms ago, within the TTL', (later) => {
    const { filter, at } = filterAt();
    filter.seen('a');
    at(later);
    expect(filter.seen('a')).toBe(true);
  });

  it.each([TTL, TTL + 1, 2 * TTL - 1])('remembers an id across one rotation (asked again at %i ms)', (later) => {
    const { filter, at } = filterAt();
    filter.seen('a');
    at(later);
    expect(filter.seen('a')).toBe(true);
  });

  it('still treats an id seen just before the rotation as a duplicate just after it', () => {
    const { filter, at } = filterAt();
    filter.seen('early');
    at(TTL - 1);
    expect(filter.seen('late')).toBe(false);
    at(TTL);
    expect(filter.seen('other')).toBe(false); // rotates here
    expect(filter.seen('late')).toBe(true);
  });

  it('keeps an id for at least a full TTL even when a rotation happens right after it', () => {
    const { filter, at } = filterAt();
    at(TTL - 1);
    filter.seen('a');
    at(TTL);
    filter.seen('trigger rotation');
    at(2 * TTL - 2); // TTL - 1 ms after 'a' was first seen
    expect(filter.seen('a')).toBe(true);
  });

  it.each([2 * TTL, 2 * TTL + 1, 10 * TTL])('forgets an id after two TTLs with no traffic (asked at %i ms)', (later) => {
    const { filter, at } = filterAt();
    filter.seen('a');
    at(later);
    expect(filter.seen('a')).toBe(false);
  });

  it('forgets an id after two rotations', () => {
    const { filter, at } = filterAt();
    filter.seen('a');
    at(TTL);
    expect(filter.seen('x')).toBe(false); // first rotation: 'a' moves to the older generation
    at(2 * TTL);
    expect(filter.seen('y')).toBe(false); // second rotation: 'a' is dropped
    expect(filter.seen('a')).toBe(false);
  });

  it('remembers an id again once it has been forgotten and seen anew', () => {
    const { filter, at } = filterAt();
    filter.seen('a');
    at(3 * TTL);
    expect(filter.seen('a')).toBe(false);
    expect(filter.seen('a')).toBe(true);
  });

  it('under traffic above maxIds per TTL, keeps at least the last maxIds ids and at most twice as many', () => {
    const filter = new DuplicateFilter(TTL, () => 10_000, 3); // the clock never moves: only the count rotates
    for (const id of ['a', 'b', 'c']) expect(filter.seen(id)).toBe(false);
    for (const id of ['d', 'e']) expect(filter.seen(id)).toBe(false); // 'd' rotated: a, b, c are the older generation
    expect(filter.seen('a')).toBe(true);
    expect(filter.seen('e')).toBe(true);
    for (const id of ['f', 'g']) expect(filter.seen(id)).toBe(false); // 'g' rotated: d, e, f are the older generation
    expect(filter.seen('b')).toBe(false);
    expect(filter.seen('d')).toBe(true);
  });

  it('keeps the ids of each adapter and bot account apart, in both generations', () => {
    const { filter, at } = filterAt();
    expect(filter.seen('17', 'onebot', '1001')).toBe(false);
    expect(filter.seen('17', 'onebot', '1002')).toBe(false);
    expect(filter.seen('17', 'telegram', '1001')).toBe(false);
    at(TTL); // rotation: all three move to the older generation
    expect(filter.seen('17', 'onebot', '1001')).toBe(true);
    expect(filter.seen('17', 'onebot', '1002')).toBe(true);
    expect(filter.seen('17', 'telegram', '1001')).toBe(true);
    expect(filter.seen('17', 'telegram', '1002')).toBe(false);
  });

  it('counts maxIds over every account together', () => {
    const filter = new DuplicateFilter(TTL, () => 10_000, 2);
    expect(filter.seen('a', 'x', '1')).toBe(false);
    expect(filter.seen('a', 'x', '2')).toBe(false);
    expect(filter.seen('b', 'x', '1')).toBe(false); // rotated: the two 'a' are the older generation
    expect(filter.seen('c', 'x', '2')).toBe(false);
    expect(filter.seen('d', 'x', '1')).toBe(false); // rotated again: the two 'a' are dropped
    expect(filter.seen('c', 'x', '2')).toBe(true);
    expect(filter.seen('a', 'x', '1')).toBe(false);
  });

  it('forgets an id of one account only, in either generation', () => {
    const { filter, at } = filterAt();
    filter.seen('a', 'x', '1');
    filter.seen('a', 'x', '2');
    filter.forget('a', 'x', '1');
    expect(filter.seen('a', 'x', '1')).toBe(false);
    expect(filter.seen('a', 'x', '2')).toBe(true);
    at(TTL);
    filter.seen('z', 'x', '1'); // rotated: both 'a' are the older generation
    filter.forget('a', 'x', '2');
    expect(filter.seen('a', 'x', '2')).toBe(false);
    expect(filter.seen('a', 'x', '1')).toBe(true);
  });
});
