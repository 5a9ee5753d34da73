import { NekomataError } from '../errors/index.js';
import { BatchEvent, MessageEvent, type ExceptionEvent, type HookEventName } from '../hooks/index.js';
import type { Batch, InboundMessage } from '../message/index.js';
import type { Strategy } from '../hooks/index.js';

/**
 * How one hook event crosses to an isolated plugin and back: `encode` the arguments in the app, `decode` them
 * into live objects in the plugin's process, read back what the handler changed (`outcome`) and `apply` it to
 * the app's objects. Events whose arguments are plain data need nothing back.
 */
interface HookCodec {
  encode(args: readonly unknown[]): unknown;
  decode(wire: unknown): unknown[];
  outcome(args: readonly unknown[]): unknown;
  apply(args: readonly unknown[], outcome: unknown): void;
}

interface MessageState {
  strategy: Strategy;
  forced: boolean;
  stopped: boolean;
}

const messageEvent: HookCodec = {
  encode: ([e]) => {
    const event = e as MessageEvent;
    return { message: event.message, strategy: event.strategy, forced: event.forced, stopped: event.stopped };
  },
  decode: (wire) => {
    const w = wire as MessageState & { message: InboundMessage };
    const event = new MessageEvent(w.message, w.strategy);
    if (w.forced) event[w.strategy]({ force: true });
    if (w.stopped) event.stop();
    return [event];
  },
  outcome: ([e]) => {
    const event = e as MessageEvent;
    return { strategy: event.strategy, forced: event.forced, stopped: event.stopped } satisfies MessageState;
  },
  apply: ([e], outcome) => {
    const event = e as MessageEvent;
    const o = outcome as MessageState;
    if (o.strategy !== event.strategy || (o.forced && !event.forced)) event[o.strategy]({ force: o.forced });
    if (o.stopped) event.stop();
  },
};

const batchEvent: HookCodec = {
  encode: ([e]) => ({ batch: (e as BatchEvent).batch, stopped: (e as BatchEvent).stopped }),
  decode: (wire) => {
    const w = wire as { batch: Batch; stopped: boolean };
    const event = new BatchEvent(w.batch);
    if (w.stopped) event.stop();
    return [event];
  },
  outcome: ([e]) => (e as BatchEvent).stopped,
  apply: ([e], stopped) => {
    if (stopped) (e as BatchEvent).stop();
  },
};

/** An event that is data only: what the handler does with it stays in its process. */
const plain: HookCodec = { encode: ([e]) => e, decode: (wire) => [wire], outcome: () => undefined, apply: () => undefined };

/** JSON carries no Error: its name, message and stack cross, and an Error is made again on the other side. */
const exceptionEvent: HookCodec = {
  encode: ([e]) => {
    const { error, ...rest } = e as ExceptionEvent;
    return { ...rest, error: { name: error.name, message: error.message, stack: error.stack } };
  },
  decode: (wire) => {
    const { error, ...rest } = wire as Omit<ExceptionEvent, 'error'> & { error: { name: string; message: string; stack?: string } };
    return [{ ...rest, error: Object.assign(new Error(error.message), { name: error.name, stack: error.stack }) }];
  },
  outcome: () => undefined,
  apply: () => undefined,
};

const CODECS: Partial<Record<HookEventName, HookCodec>> = {
  im_message: messageEvent,
  im_batch_message: batchEvent,
  message_buffered: plain,
  message_sent: plain,
  platform_event: plain,
  channel_reset: plain,
  custom_event: plain,
  exception: exceptionEvent,
};

/** The codec of `event`; the agent's hooks (`llm_request`, …) hand live objects of the running agent, which cannot cross. */
export function hookCodec(event: string, pluginKey: string): HookCodec {
  const codec = CODECS[event as HookEventName];
  if (!codec) {
    throw new NekomataError(
      'PLUGIN_LOAD_FAILED',
      `plugin ${pluginKey} registers a "${event}" hook, which cannot run in a plugin process (its arguments are live objects of the agent): ` +
        `isolated plugins may hook ${Object.keys(CODECS).join(', ')}; run this plugin inline (plugin.runtime.isolation = "inline")`,
    );
  }
  return codec;
}
