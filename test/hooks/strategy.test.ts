import { describe, expect, it } from 'vitest';
import { HookRegistry, MessageEvent, Priority, type Strategy } from '../../core/hooks/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage } from '../support/messages.js';

const strategies: readonly Strategy[] = ['discard', 'record', 'buffer', 'flush', 'trigger'];

function newEvent(): MessageEvent {
  return new MessageEvent(makeMessage('hello'));
}

function choose(event: MessageEvent, strategy: Strategy, force = false): boolean {
  return event[strategy](force ? { force: true } : undefined);
}

describe('MessageEvent strategy', () => {
  it('starts as record, unforced and not stopped', () => {
    const event = newEvent();
    expect(event.strategy).toBe('record');
    expect(event.forced).toBe(false);
    expect(event.stopped).toBe(false);
  });

  it('starts with the strategy given to the constructor', () => {
    expect(new MessageEvent(makeMessage('x'), 'discard').strategy).toBe('discard');
  });

  it('keeps the message it was built with', () => {
    const message = makeMessage('the text');
    expect(new MessageEvent(message).message).toBe(message);
  });

  describe.each(strategies)('%s()', (strategy) => {
    it(`sets the strategy to ${strategy} and reports that it took effect`, () => {
      // Start from a strategy other than the one chosen, so the change is observable.
      const event = new MessageEvent(makeMessage('x'), strategy === 'record' ? 'discard' : 'record');
      expect(choose(event, strategy)).toBe(true);
      expect(event.strategy).toBe(strategy);
      expect(event.forced).toBe(false);
    });

    it(`with force sets ${strategy} and locks it`, () => {
      const event = new MessageEvent(makeMessage('x'), strategy === 'record' ? 'discard' : 'record');
      expect(choose(event, strategy, true)).toBe(true);
      expect(event.strategy).toBe(strategy);
      expect(event.forced).toBe(true);
    });

    it(`cannot replace a forced choice`, () => {
      const locked: Strategy = strategy === 'discard' ? 'trigger' : 'discard';
      const event = newEvent();
      event[locked]({ force: true });
      expect(choose(event, strategy)).toBe(false);
      expect(choose(event, strategy, true)).toBe(false);
      expect(event.strategy).toBe(locked);
      expect(event.forced).toBe(true);
    });
  });

  it.each<[string, Strategy[], Strategy]>([
    ['one call', ['buffer'], 'buffer'],
    ['two calls', ['trigger', 'discard'], 'discard'],
    ['three calls', ['buffer', 'flush', 'record'], 'record'],
    ['every setter in turn', ['discard', 'record', 'buffer', 'flush', 'trigger'], 'trigger'],
    ['going back to an earlier choice', ['buffer', 'trigger', 'buffer'], 'buffer'],
  ])('before any force the last call wins (%s)', (_name, calls, expected) => {
    const event = newEvent();
    for (const s of calls) expect(choose(event, s)).toBe(true);
    expect(event.strategy).toBe(expected);
    expect(event.forced).toBe(false);
  });

  it('takes unforced calls up to the first forced one, then locks', () => {
    const event = newEvent();
    expect(event.trigger()).toBe(true);
    expect(event.discard()).toBe(true);
    expect(event.buffer({ force: true })).toBe(true);
    expect(event.flush({ force: true })).toBe(false);
    expect(event.trigger()).toBe(false);
    expect(event.record()).toBe(false);
    expect(event.discard({ force: true })).toBe(false);
    expect(event.strategy).toBe('buffer');
    expect(event.forced).toBe(true);
  });

  it('treats force: false as an ordinary call', () => {
    const event = newEvent();
    expect(event.buffer({ force: false })).toBe(true);
    expect(event.forced).toBe(false);
    expect(event.trigger()).toBe(true);
    expect(event.strategy).toBe('trigger');
  });

  it('stop() marks the event stopped without touching the strategy', () => {
    const event = newEvent();
    event.buffer({ force: true });
    event.stop();
    expect(event.stopped).toBe(true);
    expect(event.strategy).toBe('buffer');
    expect(event.forced).toBe(true);
  });

  it('stop() works even after a forced choice, and calling it twice is harmless', () => {
    const event = newEvent();
    event.discard({ force: true });
    event.stop();
    event.stop();
    expect(event.stopped).toBe(true);
  });
});

describe('strategy across im_message hooks', () => {
  function registry(): HookRegistry {
    const { log, metrics } = testDeps();
    return new HookRegistry(log, metrics);
  }

  it('a HIGH hook forcing buffer is not overridden by a later MEDIUM trigger()', async () => {
    const hooks = registry();
    let mediumResult: boolean | undefined;
    // Registered first so that order comes from priority, not registration.
    hooks.on('im_message', (e) => {
      mediumResult = e.trigger();
    }, { priority: Priority.MEDIUM });
    hooks.on('im_message', (e) => void e.buffer({ force: true }), { priority: Priority.HIGH });
    const event = newEvent();
    await hooks.emit('im_message', event);
    expect(mediumResult).toBe(false);
    expect(event.strategy).toBe('buffer');
    expect(event.forced).toBe(true);
  });

  it("a MEDIUM hook's unforced call overrides a HIGH hook's unforced call", async () => {
    const hooks = registry();
    hooks.on('im_message', (e) => void e.trigger(), { priority: Priority.MEDIUM });
    hooks.on('im_message', (e) => void e.buffer(), { priority: Priority.HIGH });
    const event = newEvent();
    await hooks.emit('im_message', event);
    expect(event.strategy).toBe('trigger');
    expect(event.forced).toBe(false);
  });

  it('a MEDIUM forced call overrides a HIGH unforced call and then holds against LOW', async () => {
    const hooks = registry();
    hooks.on('im_message', (e) => void e.buffer(), { priority: Priority.HIGH });
    hooks.on('im_message', (e) => void e.discard({ force: true }), { priority: Priority.MEDIUM });
    hooks.on('im_message', (e) => void e.trigger({ force: true }), { priority: Priority.LOW });
    const event = newEvent();
    await hooks.emit('im_message', event);
    expect(event.strategy).toBe('discard');
  });

  it('stop() ends the chain: later handlers are not called', async () => {
    const hooks = registry();
    const called: string[] = [];
    hooks.on('im_message', (e) => {
      called.push('high');
      e.stop();
    }, { priority: Priority.HIGH });
    hooks.on('im_message', (e) => {
      called.push('medium');
      e.trigger({ force: true });
    }, { priority: Priority.MEDIUM });
    hooks.on('im_message', () => void called.push('low'), { priority: Priority.LOW });
    const event = newEvent();
    await hooks.emit('im_message', event);
    expect(called).toEqual(['high']);
    expect(event.stopped).toBe(true);
    expect(event.strategy).toBe('record');
  });

  it('an async handler that stops ends the chain once it settles', async () => {
    const hooks = registry();
    const called: string[] = [];
    hooks.on('im_message', async (e) => {
      await Promise.resolve();
      called.push('first');
      e.stop();
    }, { priority: 1 });
    hooks.on('im_message', () => void called.push('second'), { priority: 0 });
    await hooks.emit('im_message', newEvent());
    expect(called).toEqual(['first']);
  });
});
