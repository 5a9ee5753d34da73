import { describe, expect, it } from 'vitest';
import { InterceptorChain } from '../../core/pipeline/interceptors.js';
import type { Metrics } from '../../core/metrics/index.js';
import type { InboundMessage } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage } from '../support/messages.js';

/** No work deferred past the interceptor in these tests. */
const after = { defer: () => undefined };

function setup(): { chain: InterceptorChain; lines: Record<string, unknown>[]; metrics: Metrics } {
  const deps = testDeps();
  return { chain: new InterceptorChain(deps), lines: deps.lines, metrics: deps.metrics };
}

describe('InterceptorChain', () => {
  it('offers the message from the highest priority to the lowest, ties in registration order', async () => {
    const { chain } = setup();
    const ran: string[] = [];
    const add = (name: string, priority?: number): void => {
      chain.add(() => {
        ran.push(name);
        return false;
      }, priority === undefined ? {} : { priority });
    };
    add('a0', 0);
    add('b-5', -5);
    add('c10', 10);
    add('d0');
    add('e10', 10);
    add('f100', 100);
    const owner = await chain.offer(makeMessage('hi'), after);
    expect(owner).toBeUndefined();
    expect(ran).toEqual(['f100', 'c10', 'e10', 'a0', 'd0', 'b-5']);
  });

  it('stops at the first interceptor that takes the message and returns its owner', async () => {
    const { chain } = setup();
    const ran: string[] = [];
    chain.add(() => (ran.push('commands'), true), { owner: 'builtin.commands' });
    chain.add(() => (ran.push('wait'), false), { owner: 'builtin.wait', priority: 10 });
    chain.add(() => (ran.push('low'), true), { owner: 'plugin.low', priority: -10 });
    expect(await chain.offer(makeMessage('/help'), after)).toBe('builtin.commands');
    expect(ran).toEqual(['wait', 'commands']);
  });

  it('names the owner core when none was given', async () => {
    const { chain } = setup();
    chain.add(() => true);
    expect(await chain.offer(makeMessage('x'), after)).toBe('core');
  });

  it('awaits async interceptors', async () => {
    const { chain } = setup();
    const ran: string[] = [];
    chain.add(async () => {
      await Promise.resolve();
      ran.push('async no');
      return false;
    }, { priority: 1 });
    chain.add(async () => {
      ran.push('async yes');
      return true;
    }, { owner: 'taker' });
    expect(await chain.offer(makeMessage('x'), after)).toBe('taker');
    expect(ran).toEqual(['async no', 'async yes']);
  });

  it('hands each interceptor the message offered', async () => {
    const { chain } = setup();
    const seen: InboundMessage[] = [];
    chain.add((m) => (seen.push(m), false));
    const message = makeMessage('x');
    await chain.offer(message, after);
    expect(seen).toEqual([message]);
    expect(seen[0]).toBe(message);
  });

  it('returns undefined when there are no interceptors', async () => {
    const { chain } = setup();
    expect(await chain.offer(makeMessage('x'), after)).toBeUndefined();
    expect(chain.size).toBe(0);
  });

  it.each([
    ['a synchronous throw', () => {
      throw new Error('broken');
    }],
    ['an async rejection', async () => {
      await Promise.resolve();
      throw new Error('broken');
    }],
  ])('logs and counts %s, and offers the message to the next interceptor', async (_name, bad) => {
    const { chain, lines, metrics } = setup();
    chain.add(bad, { owner: 'plugin.bad', priority: 5 });
    chain.add(() => true, { owner: 'plugin.next' });
    const message = makeMessage('x', { chatType: 'group', chat: 'g7' });
    expect(await chain.offer(message, after)).toBe('plugin.next');
    expect(metrics.get('interceptor_errors_total', { owner: 'plugin.bad' })).toBe(1);
    expect(metrics.total('interceptor_errors_total')).toBe(1);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ plugin: 'plugin.bad', chatKey: 'test-group_g7' });
    expect(errors[0]!.err).toMatchObject({ message: 'broken' });
  });

  it('treats a throwing interceptor as not having taken the message', async () => {
    const { chain, metrics } = setup();
    chain.add(() => {
      throw new Error('broken');
    }, { owner: 'plugin.bad' });
    expect(await chain.offer(makeMessage('x'), after)).toBeUndefined();
    expect(await chain.offer(makeMessage('y'), after)).toBeUndefined();
    expect(metrics.get('interceptor_errors_total', { owner: 'plugin.bad' })).toBe(2);
  });

  it('removes an interceptor with its disposer, and a second call is harmless', async () => {
    const { chain } = setup();
    const dispose = chain.add(() => true, { owner: 'plugin.gone', priority: 10 });
    chain.add(() => true, { owner: 'plugin.stays' });
    expect(chain.size).toBe(2);
    expect(await chain.offer(makeMessage('x'), after)).toBe('plugin.gone');
    dispose();
    dispose();
    expect(chain.size).toBe(1);
    expect(await chain.offer(makeMessage('y'), after)).toBe('plugin.stays');
  });

  it('removes only the registration the disposer belongs to when one function is added twice', async () => {
    const { chain } = setup();
    let calls = 0;
    const count = (): boolean => (calls++, false);
    const dispose = chain.add(count);
    chain.add(count);
    dispose();
    await chain.offer(makeMessage('x'), after);
    expect(calls).toBe(1);
  });
});
