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
 * Turns a combined signal into the strategy API. Signals are decisions, so they are applied with `force`:
 * BLOCK_ALL stops the message outright (a stop outranks any forced strategy), BLOCK_TRIGGER records it,
 * FORCE_TRIGGER releases the chat's buffer together with this message at once.
 */
export function applySignal(event: MessageEvent, signal: MsgSignal): void {
  switch (signal) {
    case MsgSignal.BLOCK_ALL:
      event.stop();
      return;
    case MsgSignal.BLOCK_TRIGGER:
      event.record({ force: true });
      return;
    case MsgSignal.FORCE_TRIGGER:
      event.flush({ force: true });
      return;
    case MsgSignal.CONTINUE:
      return;
  }
}
