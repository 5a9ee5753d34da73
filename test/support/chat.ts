import type { Adapter, AdapterHost } from '../../core/adapter/index.js';
import { createInboundMessage, describeSegments, type Segment } from '../../core/message/index.js';
import type { App, AppOptions } from '../../core/runtime/index.js';
import { makeTestApp } from './app.js';

/** An adapter named `test` that records what the app sends. */
export class RecordingAdapter implements Adapter {
  readonly name = 'test';
  host: AdapterHost | undefined;
  readonly sent: { chatKey: string; text: string; segments: Segment[] }[] = [];
  async start(host: AdapterHost) {
    this.host = host;
  }
  async stop() {}
  async send(chatKey: string, segments: Segment[]) {
    this.sent.push({ chatKey, text: describeSegments(segments), segments });
    return { messageId: `out${this.sent.length}` };
  }
}

export interface SayOptions {
  user?: string;
  chat?: string;
  chatType?: 'private' | 'group';
  role?: 'owner' | 'admin' | 'member';
  language?: string;
}

let n = 0;

/**
 * A conversation with the app, read like one: `await chat.say('/echo hi')` returns the texts the bot sent
 * to that chat while handling it.
 */
export async function startChat(env: Record<string, string> = {}, options: AppOptions = {}) {
  const adapter = new RecordingAdapter();
  const { app, lines } = makeTestApp(env, { ...options, adapters: [adapter] });
  await app.start();
  const say = async (text: string, o: SayOptions = {}): Promise<string[]> => {
    const chatType = o.chatType ?? 'private';
    const chatKey = `test-${chatType}_${o.chat ?? 'c1'}`;
    const before = adapter.sent.length;
    await app.ingest(
      createInboundMessage({
        adapter: 'test', botId: 'bot', chatType, chatId: o.chat ?? 'c1', userId: o.user ?? 'u1', userName: o.user ?? 'u1',
        segments: [{ type: 'text', text }], messageId: `say${++n}`,
        ...(o.role ? { senderRole: o.role } : {}), ...(o.language ? { language: o.language } : {}),
      }),
    );
    return adapter.sent.slice(before).filter((s) => s.chatKey === chatKey).map((s) => s.text);
  };
  return { app: app as App, adapter, lines, say };
}
