import type { MessageEvent } from './message-event.js';

/**
 * What a Nekro-style `mountOnUserMessage` callback returns about a message. Nekro Agent has four values
 * (its docs name three); `undefined` counts as CONTINUE.
 */
export const MsgSignal = {
  /** Trigger the bot even if the chat policy would only record this message. */
  FORCE_TRIGGER: -1,
  /** No opinion. */
  CONTINUE: 0,
  /** Keep the message in history but do not trigger the bot. */
  BLOCK_TRIGGER: 1,
  /** Drop the message: not stored, not triggered. */
  BLOCK_ALL: 2,
} as const;
export type MsgSignal = (typeof MsgSignal)[keyof typeof MsgSignal];

/**
 * Nekro's combination rule (reference seed-systems §1.5): BLOCK_ALL if any callback said so; else
 * FORCE_TRIGGER if any did; else the highest value (BLOCK_TRIGGER beats CONTINUE).
 */
export function combineSignals(signals: Iterable<MsgSignal | null | undefined | void>): MsgSignal {
  let max: MsgSignal = MsgSignal.CONTINUE;
  let force = false;
  for (const s of signals) {
    if (s === MsgSignal.BLOCK_ALL) return MsgSignal.BLOCK_ALL;
    if (s === MsgSignal.FORCE_TRIGGER) force = true;
    else if (s !== null && s !== undefined && s > max) max = s;
  }
  return force ? MsgSignal.FORCE_TRIGGER : max;
}

/**
 * Turns a combined signal into the strategy API, on behalf of `by` (the plugins whose callbacks gave it).
 * Nekro's semantics: a signal wins. BLOCK_ALL stops the message, BLOCK_TRIGGER records it, FORCE_TRIGGER
 * releases the chat's buffer together with this message at once, each locked against later hooks, and each
 * replacing a strategy another hook forced, unless that hook forced it with `outrankSignals`
 * (docs/hooks.md "MsgSignal precedence"). Either way the override is noted on the event for the debug log.
 */
export function applySignal(event: MessageEvent, signal: MsgSignal, by = 'a MsgSignal'): void {
  switch (signal) {
    case MsgSignal.BLOCK_ALL:
      event.applySignalDecision('stop', by);
      return;
    case MsgSignal.BLOCK_TRIGGER:
      event.applySignalDecision('record', by);
      return;
    case MsgSignal.FORCE_TRIGGER:
      event.applySignalDecision('flush', by);
      return;
    case MsgSignal.CONTINUE:
      return;
  }
}
