import { describe, expect, it } from 'vitest';
import { MessageEvent, MsgSignal, applySignal, combineSignals, type Strategy } from '../../core/hooks/index.js';
import { makeMessage } from '../support/messages.js';

const { FORCE_TRIGGER, CONTINUE, BLOCK_TRIGGER, BLOCK_ALL } = MsgSignal;
const noOpinion = (): void => {};

describe('MsgSignal values', () => {
  it('match Nekro Agent (seed-systems §1.5)', () => {
    expect(MsgSignal).toEqual({ FORCE_TRIGGER: -1, CONTINUE: 0, BLOCK_TRIGGER: 1, BLOCK_ALL: 2 });
  });
});

describe('combineSignals', () => {
  it.each<[string, (MsgSignal | null | undefined | void)[], MsgSignal]>([
    ['nothing returned', [], CONTINUE],
    ['one undefined', [undefined], CONTINUE],
    ['one null', [null], CONTINUE],
    ['a void callback result', [noOpinion()], CONTINUE],
    ['all no-opinion kinds', [undefined, null, noOpinion(), CONTINUE], CONTINUE],
    ['one CONTINUE', [CONTINUE], CONTINUE],
    ['one BLOCK_TRIGGER', [BLOCK_TRIGGER], BLOCK_TRIGGER],
    ['BLOCK_TRIGGER among CONTINUE and undefined', [CONTINUE, undefined, BLOCK_TRIGGER, null, CONTINUE], BLOCK_TRIGGER],
    ['BLOCK_TRIGGER before CONTINUE', [BLOCK_TRIGGER, CONTINUE], BLOCK_TRIGGER],
    ['one FORCE_TRIGGER', [FORCE_TRIGGER], FORCE_TRIGGER],
    ['FORCE_TRIGGER with CONTINUE', [CONTINUE, FORCE_TRIGGER, CONTINUE], FORCE_TRIGGER],
    ['FORCE_TRIGGER after BLOCK_TRIGGER', [BLOCK_TRIGGER, FORCE_TRIGGER], FORCE_TRIGGER],
    ['FORCE_TRIGGER before BLOCK_TRIGGER', [FORCE_TRIGGER, BLOCK_TRIGGER], FORCE_TRIGGER],
    ['FORCE_TRIGGER among no-opinion values', [undefined, FORCE_TRIGGER, null], FORCE_TRIGGER],
    ['one BLOCK_ALL', [BLOCK_ALL], BLOCK_ALL],
    ['BLOCK_ALL first', [BLOCK_ALL, FORCE_TRIGGER, BLOCK_TRIGGER], BLOCK_ALL],
    ['BLOCK_ALL in the middle', [FORCE_TRIGGER, BLOCK_ALL, CONTINUE], BLOCK_ALL],
    ['BLOCK_ALL last', [CONTINUE, BLOCK_TRIGGER, FORCE_TRIGGER, undefined, BLOCK_ALL], BLOCK_ALL],
    ['BLOCK_ALL twice', [BLOCK_ALL, BLOCK_ALL], BLOCK_ALL],
  ])('%s → the combined signal', (_name, signals, expected) => {
    expect(combineSignals(signals)).toBe(expected);
  });

  it('accepts any iterable, such as a generator or a Set', () => {
    function* results(): Generator<MsgSignal | undefined> {
      yield undefined;
      yield BLOCK_TRIGGER;
      yield CONTINUE;
    }
    expect(combineSignals(results())).toBe(BLOCK_TRIGGER);
    expect(combineSignals(new Set([CONTINUE, FORCE_TRIGGER]))).toBe(FORCE_TRIGGER);
  });

  it('does not depend on order', () => {
    const signals = [CONTINUE, BLOCK_TRIGGER, FORCE_TRIGGER];
    expect(combineSignals([...signals].reverse())).toBe(combineSignals(signals));
  });
});

describe('applySignal', () => {
  function event(): MessageEvent {
    return new MessageEvent(makeMessage('hi'));
  }

  it.each<[string, MsgSignal, { strategy: Strategy; forced: boolean; stopped: boolean }]>([
    ['BLOCK_ALL stops the message', BLOCK_ALL, { strategy: 'record', forced: false, stopped: true }],
    ['BLOCK_TRIGGER records it with force', BLOCK_TRIGGER, { strategy: 'record', forced: true, stopped: false }],
    ['FORCE_TRIGGER flushes it with force', FORCE_TRIGGER, { strategy: 'flush', forced: true, stopped: false }],
    ['CONTINUE changes nothing', CONTINUE, { strategy: 'record', forced: false, stopped: false }],
  ])('on a fresh event: %s', (_name, signal, expected) => {
    const e = event();
    applySignal(e, signal);
    expect({ strategy: e.strategy, forced: e.forced, stopped: e.stopped }).toEqual(expected);
  });

  it.each<[string, MsgSignal, { strategy: Strategy; forced: boolean; stopped: boolean }]>([
    ['BLOCK_TRIGGER replaces an unforced buffer with a locked record', BLOCK_TRIGGER, { strategy: 'record', forced: true, stopped: false }],
    ['FORCE_TRIGGER replaces an unforced buffer with a locked flush', FORCE_TRIGGER, { strategy: 'flush', forced: true, stopped: false }],
    ['CONTINUE keeps the unforced buffer', CONTINUE, { strategy: 'buffer', forced: false, stopped: false }],
    ['BLOCK_ALL stops and leaves the strategy', BLOCK_ALL, { strategy: 'buffer', forced: false, stopped: true }],
  ])('after an unforced choice: %s', (_name, signal, expected) => {
    const e = event();
    e.buffer();
    applySignal(e, signal);
    expect({ strategy: e.strategy, forced: e.forced, stopped: e.stopped }).toEqual(expected);
  });

  it.each<[string, MsgSignal, { strategy: Strategy; forced: boolean; stopped: boolean }]>([
    ['BLOCK_TRIGGER replaces a forced trigger: a signal wins, as in Nekro', BLOCK_TRIGGER, { strategy: 'record', forced: true, stopped: false }],
    ['FORCE_TRIGGER replaces a forced trigger with a flush', FORCE_TRIGGER, { strategy: 'flush', forced: true, stopped: false }],
    ['CONTINUE leaves the forced trigger', CONTINUE, { strategy: 'trigger', forced: true, stopped: false }],
    ['BLOCK_ALL still stops: a stop outranks a forced strategy', BLOCK_ALL, { strategy: 'trigger', forced: true, stopped: true }],
  ])('after a forced choice: %s', (_name, signal, expected) => {
    const e = event();
    e.trigger({ force: true });
    applySignal(e, signal);
    expect({ strategy: e.strategy, forced: e.forced, stopped: e.stopped }).toEqual(expected);
  });

  it.each<[string, MsgSignal]>([
    ['BLOCK_TRIGGER', BLOCK_TRIGGER],
    ['FORCE_TRIGGER', FORCE_TRIGGER],
    ['BLOCK_ALL', BLOCK_ALL],
  ])('a choice forced with outrankSignals holds against %s, and the refusal is noted', (_name, signal) => {
    const e = event();
    e.hookOwner = 'me.gate';
    e.trigger({ outrankSignals: true });
    applySignal(e, signal, 'me.nekro');
    expect({ strategy: e.strategy, forced: e.forced, stopped: e.stopped }).toEqual({ strategy: 'trigger', forced: true, stopped: false });
    expect(e.overrides).toEqual([expect.objectContaining({ by: 'me.nekro', over: 'trigger', overBy: 'me.gate', taken: false })]);
  });

  it('an outranking hook after the signal replaces it', () => {
    const e = event();
    applySignal(e, BLOCK_TRIGGER, 'me.nekro');
    e.hookOwner = 'me.gate';
    expect(e.discard({ force: true })).toBe(false);
    expect(e.discard({ outrankSignals: true })).toBe(true);
    expect(e.strategy).toBe('discard');
    expect(e.overrides.map((o) => [o.by, o.strategy, o.overBy, o.over, o.taken])).toEqual([
      ['me.gate', 'discard', 'me.nekro', 'record', false],
      ['me.gate', 'discard', 'me.nekro', 'record', true],
    ]);
  });

  it('locks the signal’s decision against later unforced hooks', () => {
    const e = event();
    applySignal(e, BLOCK_TRIGGER);
    expect(e.trigger()).toBe(false);
    expect(e.strategy).toBe('record');
  });
});
