import { createInboundMessage, type InboundMessage } from '../../core/message/index.js';

let counter = 0;

/** A private console message with a unique id: the plainest input the pipeline takes. */
export function makeMessage(text: string, opts: { chat?: string; chatType?: 'private' | 'group'; user?: string; toMe?: boolean; id?: string } = {}): InboundMessage {
  const chatType = opts.chatType ?? 'private';
  return createInboundMessage({
    adapter: 'test',
    botId: 'bot',
    chatType,
    chatId: opts.chat ?? 'c1',
    userId: opts.user ?? 'u1',
    userName: opts.user ?? 'u1',
    segments: [{ type: 'text', text }],
    messageId: opts.id ?? `m${++counter}`,
    ...(opts.toMe === undefined ? {} : { toMe: opts.toMe }),
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when `check` returns true, polling every few ms; rejects after `timeoutMs` with `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
