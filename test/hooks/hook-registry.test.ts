import { describe, expect, it } from 'vitest';
import { HookRegistry, MessageEvent, Priority, type ExceptionEvent } from '../../core/hooks/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage } from '../support/messages.js';

function setup(): { hooks: HookRegistry; lines: Record<string, unknown>[]; metrics: Metrics } {
  const { log, lines, metrics } = testDeps();
  return { hooks: new HookRegistry(log, metrics), lines, metrics };
}

const reset = (chatKey = 'test-group_g1') => ({ chatKey, by: 'command' });

/** Lets every pending promise callback run, so an unawaited emit gets as far as it can. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function errorLines(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((l) => l.level === 50);
}

describe('HookRegistry order', () => {
  it('runs handlers from the highest priority to the lowest, whatever the registration order', async () => {
    const { hooks } = setup();
    const ran: number[] = [];
    for (const p of [0, -100, 7, 100, -3]) hooks.on('channel_reset', () => void ran.push(p), { priority: p });
    await hooks.emit('channel_reset', reset());
    expect(ran).toEqual([100, 7, 0, -3, -100]);
  });

  it('keeps registration order among equal priorities', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    hooks.on('channel_reset', () => void ran.push('a0'), { priority: 0 });
    hooks.on('channel_reset', () => void ran.push('b5'), { priority: 5 });
    hooks.on('channel_reset', () => void ran.push('c0'), { priority: 0 });
    hooks.on('channel_reset', () => void ran.push('d5'), { priority: 5 });
    hooks.on('channel_reset', () => void ran.push('e0'));
    hooks.on('channel_reset', () => void ran.push('f-1'), { priority: -1 });
    hooks.on('channel_reset', () => void ran.push('g5'), { priority: 5 });
    await hooks.emit('channel_reset', reset());
    expect(ran).toEqual(['b5', 'd5', 'g5', 'a0', 'c0', 'e0', 'f-1']);
  });

  it('uses the named priorities in their documented order', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    for (const name of ['LOW', 'SYS_HIGH', 'MEDIUM', 'SYS_LOW', 'HIGH'] as const) {
      hooks.on('channel_reset', () => void ran.push(name), { priority: Priority[name] });
    }
    await hooks.emit('channel_reset', reset());
    expect(ran).toEqual(['SYS_HIGH', 'HIGH', 'MEDIUM', 'LOW', 'SYS_LOW']);
  });

  it.each([1.5, -0.1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the non-integer priority %s', (priority) => {
    const { hooks } = setup();
    expect(() => hooks.on('channel_reset', () => {}, { priority })).toThrow(expect.objectContaining({ code: 'HOOK_PRIORITY_INVALID', message: expect.stringMatching(/priority must be an integer/) }));
    expect(hooks.count('channel_reset')).toBe(0);
  });

  it('passes every handler the same arguments', async () => {
    const { hooks } = setup();
    const seen: unknown[] = [];
    hooks.on('channel_reset', (e) => void seen.push(e), { priority: 1 });
    hooks.on('channel_reset', (e) => void seen.push(e));
    const event = reset();
    await hooks.emit('channel_reset', event);
    expect(seen).toEqual([event, event]);
    expect(seen[0]).toBe(event);
  });

  it('does nothing when an event has no handlers', async () => {
    const { hooks, lines } = setup();
    await expect(hooks.emit('channel_reset', reset())).resolves.toBeUndefined();
    expect(lines).toEqual([]);
  });
});

describe('HookRegistry async handlers', () => {
  it('awaits each handler before starting the next', async () => {
    const { hooks } = setup();
    const steps: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    hooks.on('channel_reset', async () => {
      steps.push('first start');
      await gate;
      steps.push('first end');
    }, { priority: 2 });
    hooks.on('channel_reset', async () => {
      steps.push('second start');
      await settle();
      steps.push('second end');
    }, { priority: 1 });
    hooks.on('channel_reset', () => void steps.push('third (sync)'));

    const done = hooks.emit('channel_reset', reset());
    await settle();
    expect(steps).toEqual(['first start']);
    release();
    await done;
    expect(steps).toEqual(['first start', 'first end', 'second start', 'second end', 'third (sync)']);
  });

  it('does not resolve emit until the last handler has finished', async () => {
    const { hooks } = setup();
    let finished = false;
    hooks.on('channel_reset', async () => {
      await settle();
      finished = true;
    });
    await hooks.emit('channel_reset', reset());
    expect(finished).toBe(true);
  });
});

describe('HookRegistry errors', () => {
  it.each([
    ['a synchronous throw', () => {
      throw new Error('boom');
    }],
    ['an async rejection', async () => {
      await Promise.resolve();
      throw new Error('boom');
    }],
  ])('isolates %s: logged with its owner, counted, reported, and the chain goes on', async (_name, bad) => {
    const { hooks, lines, metrics } = setup();
    const ran: string[] = [];
    const exceptions: ExceptionEvent[] = [];
    hooks.on('exception', (e) => void exceptions.push(e));
    hooks.on('channel_reset', () => void ran.push('before'), { priority: 10 });
    hooks.on('channel_reset', bad, { owner: 'plugin.bad' });
    hooks.on('channel_reset', () => void ran.push('after'), { priority: -10, owner: 'plugin.good' });

    await expect(hooks.emit('channel_reset', reset('test-group_g9'))).resolves.toBeUndefined();

    expect(ran).toEqual(['before', 'after']);
    const errors = errorLines(lines);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ plugin: 'plugin.bad', hook: 'channel_reset', chatKey: 'test-group_g9' });
    expect(errors[0]!.err).toMatchObject({ message: 'boom' });
    expect(metrics.get('hook_errors_total', { event: 'channel_reset', owner: 'plugin.bad' })).toBe(1);
    expect(metrics.total('hook_errors_total')).toBe(1);
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]).toMatchObject({ stage: 'channel_reset', owner: 'plugin.bad', chatKey: 'test-group_g9' });
    expect(exceptions[0]!.error).toBeInstanceOf(Error);
    expect(exceptions[0]!.error.message).toBe('boom');
  });

  it('names the owner core when none was given', async () => {
    const { hooks, lines, metrics } = setup();
    hooks.on('channel_reset', () => {
      throw new Error('x');
    });
    await hooks.emit('channel_reset', reset());
    expect(errorLines(lines)[0]).toMatchObject({ plugin: 'core', hook: 'channel_reset' });
    expect(metrics.get('hook_errors_total', { event: 'channel_reset', owner: 'core' })).toBe(1);
  });

  it('counts each failure under its own event and owner', async () => {
    const { hooks, metrics } = setup();
    const fail = (): never => {
      throw new Error('x');
    };
    hooks.on('channel_reset', fail, { owner: 'a' });
    hooks.on('channel_reset', fail, { owner: 'b' });
    hooks.on('message_buffered', fail, { owner: 'a' });
    await hooks.emit('channel_reset', reset());
    await hooks.emit('channel_reset', reset());
    await hooks.emit('message_buffered', { chatKey: 'test-private_c1', message: makeMessage('x'), seq: 1, pending: 1 });
    expect(metrics.get('hook_errors_total', { event: 'channel_reset', owner: 'a' })).toBe(2);
    expect(metrics.get('hook_errors_total', { event: 'channel_reset', owner: 'b' })).toBe(2);
    expect(metrics.get('hook_errors_total', { event: 'message_buffered', owner: 'a' })).toBe(1);
  });

  it('turns a thrown non-Error into an Error for the exception hook', async () => {
    const { hooks } = setup();
    const exceptions: ExceptionEvent[] = [];
    hooks.on('exception', (e) => void exceptions.push(e));
    hooks.on('channel_reset', () => {
      throw 'just a string';
    });
    await hooks.emit('channel_reset', reset());
    expect(exceptions[0]!.error).toBeInstanceOf(Error);
    expect(exceptions[0]!.error.message).toBe('just a string');
  });

  it('reports the chat of an im_message event to exception hooks', async () => {
    const { hooks, lines } = setup();
    const exceptions: ExceptionEvent[] = [];
    hooks.on('exception', (e) => void exceptions.push(e));
    hooks.on('im_message', () => {
      throw new Error('bad hook');
    }, { owner: 'plugin.x' });
    const message = makeMessage('hi', { chatType: 'group', chat: 'g42' });
    await hooks.emit('im_message', new MessageEvent(message));
    expect(exceptions).toEqual([{ error: expect.any(Error), stage: 'im_message', owner: 'plugin.x', chatKey: 'test-group_g42' }]);
    expect(errorLines(lines)[0]).toMatchObject({ chatKey: 'test-group_g42', hook: 'im_message', plugin: 'plugin.x' });
  });

  it('keeps the choice a handler made before throwing, and a later handler still sees and changes it', async () => {
    const { hooks } = setup();
    let seenByLater: string | undefined;
    hooks.on('im_message', (e) => {
      e.buffer();
      throw new Error('after choosing');
    }, { priority: 1 });
    hooks.on('im_message', (e) => {
      seenByLater = e.strategy;
      e.flush();
    });
    const event = new MessageEvent(makeMessage('x'));
    await hooks.emit('im_message', event);
    expect(seenByLater).toBe('buffer');
    expect(event.strategy).toBe('flush');
  });

  it('stops the chain when a handler calls stop() and then throws', async () => {
    const { hooks, metrics } = setup();
    const ran: string[] = [];
    hooks.on('im_message', (e) => {
      e.stop();
      throw new Error('stopped then failed');
    }, { priority: 1 });
    hooks.on('im_message', () => void ran.push('later'));
    await hooks.emit('im_message', new MessageEvent(makeMessage('x')));
    expect(ran).toEqual([]);
    expect(metrics.total('hook_errors_total')).toBe(1);
  });

  it('logs and counts an exception handler that throws, without reporting it again', async () => {
    const { hooks, lines, metrics } = setup();
    let exceptionCalls = 0;
    const ran: string[] = [];
    hooks.on('exception', () => {
      exceptionCalls++;
      throw new Error('exception handler broke');
    }, { owner: 'plugin.reporter', priority: 1 });
    hooks.on('exception', () => void ran.push('second exception handler'));
    hooks.on('channel_reset', () => {
      throw new Error('first failure');
    }, { owner: 'plugin.bad' });
    hooks.on('channel_reset', () => void ran.push('after'), { priority: -1 });

    await expect(hooks.emit('channel_reset', reset())).resolves.toBeUndefined();

    expect(exceptionCalls).toBe(1);
    expect(ran).toEqual(['second exception handler', 'after']);
    const errors = errorLines(lines);
    expect(errors.map((l) => [l.hook, l.plugin])).toEqual([
      ['channel_reset', 'plugin.bad'],
      ['exception', 'plugin.reporter'],
    ]);
    expect(metrics.get('hook_errors_total', { event: 'exception', owner: 'plugin.reporter' })).toBe(1);
    expect(metrics.get('hook_errors_total', { event: 'channel_reset', owner: 'plugin.bad' })).toBe(1);
  });
});

describe('HookRegistry disposers', () => {
  it('removes the handler', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    const dispose = hooks.on('channel_reset', () => void ran.push('removed'));
    hooks.on('channel_reset', () => void ran.push('kept'));
    dispose();
    await hooks.emit('channel_reset', reset());
    expect(ran).toEqual(['kept']);
    expect(hooks.count('channel_reset')).toBe(1);
  });

  it('is idempotent: a second call removes nothing else', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    const handler = (): void => void ran.push('same function');
    const dispose = hooks.on('channel_reset', handler);
    hooks.on('channel_reset', handler);
    dispose();
    dispose();
    expect(hooks.count('channel_reset')).toBe(1);
    await hooks.emit('channel_reset', reset());
    expect(ran).toEqual(['same function']);
  });

  it('removes only from its own event', () => {
    const { hooks } = setup();
    const handler = (): void => {};
    const dispose = hooks.on('channel_reset', handler);
    hooks.on('message_buffered', handler);
    dispose();
    expect(hooks.has('channel_reset')).toBe(false);
    expect(hooks.has('message_buffered')).toBe(true);
  });
});

describe('HookRegistry during an emit', () => {
  it('does not run a handler registered while the emit is in progress', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    hooks.on('channel_reset', () => {
      ran.push('registrar');
      hooks.on('channel_reset', () => void ran.push('late, low'), { priority: -10 });
      hooks.on('channel_reset', () => void ran.push('late, high'), { priority: 10 });
    });
    hooks.on('channel_reset', () => void ran.push('existing'), { priority: -1 });
    await hooks.emit('channel_reset', reset());
    expect(ran).toEqual(['registrar', 'existing']);
  });

  it('runs a handler registered during an emit in the next emit', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    let registered = false;
    hooks.on('channel_reset', () => {
      ran.push('registrar');
      if (!registered) hooks.on('channel_reset', () => void ran.push('late'), { priority: -1 });
      registered = true;
    });
    await hooks.emit('channel_reset', reset());
    await hooks.emit('channel_reset', reset());
    expect(ran).toEqual(['registrar', 'registrar', 'late']);
  });

  it('finishes the emit in progress with the list it started with when a handler is disposed mid-emit', async () => {
    const { hooks } = setup();
    const ran: string[] = [];
    let disposeLater = (): void => {};
    hooks.on('channel_reset', () => {
      ran.push('first');
      disposeLater();
    }, { priority: 1 });
    disposeLater = hooks.on('channel_reset', () => void ran.push('second'));
    await hooks.emit('channel_reset', reset());
    await hooks.emit('channel_reset', reset());
    expect(ran).toEqual(['first', 'second', 'first']);
  });
});

describe('HookRegistry has() and count()', () => {
  it('reflect registrations and disposals per event', () => {
    const { hooks } = setup();
    expect(hooks.has('im_message')).toBe(false);
    expect(hooks.count('im_message')).toBe(0);
    const a = hooks.on('im_message', () => {});
    const b = hooks.on('im_message', () => {}, { priority: 5 });
    expect(hooks.has('im_message')).toBe(true);
    expect(hooks.count('im_message')).toBe(2);
    expect(hooks.has('exception')).toBe(false);
    expect(hooks.count('exception')).toBe(0);
    a();
    expect(hooks.count('im_message')).toBe(1);
    b();
    expect(hooks.has('im_message')).toBe(false);
    expect(hooks.count('im_message')).toBe(0);
  });
});
