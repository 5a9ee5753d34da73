import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';

/** Sends one event of a stream: its name and a JSON body. */
export type SendEvent = (event: string, data: unknown) => Promise<void>;

/** Comment lines keep proxies (and browsers) from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/**
 * Answers with a Server-Sent Events stream: `start` sends what it has and subscribes, returning how to
 * unsubscribe, which runs when the client goes away. Events are written one after the other, in call order.
 */
export function sseStream(c: Context, start: (send: SendEvent, stream: SSEStreamingApi) => (() => void) | Promise<() => void>): Response {
  return streamSSE(c, async (stream) => {
    let tail = Promise.resolve();
    const send: SendEvent = (event, data) => {
      tail = tail.then(() => (stream.aborted ? undefined : stream.writeSSE({ event, data: JSON.stringify(data) }))).catch(() => undefined);
      return tail;
    };
    const stop = await start(send, stream);
    const keepalive = setInterval(() => void stream.write(': keepalive\n\n').catch(() => undefined), KEEPALIVE_MS);
    await new Promise<void>((resolve) => stream.onAbort(resolve));
    clearInterval(keepalive);
    stop();
  });
}

/** Streams an async sequence of events, then ends the response (a command's output). */
export function sseSequence(c: Context, events: AsyncIterable<{ event: string; data: unknown }>): Response {
  return streamSSE(c, async (stream) => {
    for await (const { event, data } of events) {
      if (stream.aborted) break;
      await stream.writeSSE({ event, data: JSON.stringify(data) });
    }
  });
}
