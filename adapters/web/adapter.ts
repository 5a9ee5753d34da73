import { z } from 'zod';
import type { Context } from 'hono';
import type { Adapter, AdapterHost, SendResult } from '../../core/adapter/index.js';
import { sseStream } from '../../core/admin/index.js';
import { toError } from '../../core/errors/index.js';
import { createInboundMessage, describeSegments, formatChatKey, isChatKey, parseChatKey, type ChatKey, type Segment } from '../../core/message/index.js';
import type { BatchSource } from './batches.js';
import { ChatFeed } from './chat-feed.js';

export interface WebChatAdapterOptions {
  /** Where released batches are seen (`webBatchSource(app.hooks)`); without one, the page shows messages and replies only. */
  batches?: BatchSource;
}

/** The web chat's routes, under the admin API: only a logged-in admin reaches them. */
export const WEB_CHAT_ROUTES = { send: '/api/webchat/messages', events: '/api/webchat/events' } as const;

const id = z.string().trim().min(1).max(64).regex(/^[\p{L}\p{N}_.-]+$/u, 'letters, digits, "_", "." or "-"');
const SendBody = z.object({
  /** `private` talks to the bot alone; `group` is a room other web users may join. */
  chat: z.object({ type: z.enum(['private', 'group']), id }),
  userId: id,
  userName: z.string().trim().max(64).optional(),
  text: z.string().min(1).max(4000),
  /** The sender's role in a group (an owner or admin gets ADVANCED commands), as on a platform. */
  role: z.enum(['owner', 'admin', 'member']).optional(),
});
const EventsQuery = z.object({ chatKey: z.string().refine((k) => isChatKey(k) && k.startsWith('web-'), 'expected a web chat key, e.g. web-group_lobby') });

/**
 * Chat with the bot from the browser, without a platform (Koishi's sandbox is the model): any number of
 * made-up users, in private chats or group rooms, each message going through the whole pipeline (commands,
 * hooks, buffer, agent). The page sees every message of its chat, each batch the buffer releases, and the
 * bot's replies, live over Server-Sent Events. Its routes are part of the admin API, behind its login.
 */
export class WebChatAdapter implements Adapter {
  readonly name = 'web';
  private readonly feed = new ChatFeed();
  private host: AdapterHost | undefined;
  private unroute: (() => void)[] = [];
  private unwatchBatches: (() => void) | undefined;
  private watchers = 0;
  private sent = 0;
  private received = 0;

  constructor(private readonly options: WebChatAdapterOptions = {}) {}

  async start(host: AdapterHost): Promise<void> {
    this.host = host;
    this.unroute = [
      host.http.route('POST', WEB_CHAT_ROUTES.send, (c) => this.onSend(c)),
      host.http.route('GET', WEB_CHAT_ROUTES.events, (c) => this.onEvents(c)),
    ];
  }

  async stop(): Promise<void> {
    for (const unroute of this.unroute.splice(0)) unroute();
    this.unwatchBatches?.();
    this.unwatchBatches = undefined;
  }

  async send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult> {
    const messageId = `web-out-${++this.sent}`;
    this.feed.publish({ type: 'reply', chatKey, id: messageId, text: describeSegments(segments), segments, time: Date.now() });
    return { messageId };
  }

  private async onSend(c: Context): Promise<Response> {
    const parsed = SendBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      return c.json({ error: `invalid message: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`, issues }, 400);
    }
    const host = this.host!;
    const body = parsed.data;
    const chatKey = formatChatKey(this.name, body.chat.type, body.chat.type === 'private' ? body.userId : body.chat.id);
    const message = createInboundMessage({
      adapter: this.name, botId: 'web', chatType: body.chat.type, chatId: parseChatKey(chatKey).id, userId: body.userId, userName: body.userName || body.userId,
      segments: [{ type: 'text', text: body.text }],
      // In a room, the bot is addressed as on a platform: by name.
      toMe: body.chat.type === 'private' || /(^|\s)@bot\b/i.test(body.text),
      messageId: `web-${process.pid}-${Date.now()}-${++this.received}`,
      ...(body.role ? { senderRole: body.role } : {}),
    });
    host.log.info({ chatKey, userId: body.userId }, `web chat message from ${body.userId} in ${chatKey}: ${clip(body.text)}`);
    try {
      const result = await host.ingest(message);
      this.feed.publish({ type: 'message', chatKey, id: message.messageId, userId: message.userId, userName: message.userName, text: body.text, time: message.time, outcome: result.outcome });
      return c.json({ chatKey, messageId: message.messageId, outcome: result.outcome }, 200);
    } catch (thrown) {
      host.log.error({ err: toError(thrown), chatKey }, 'web chat message was not ingested');
      return c.json({ error: `not taken: ${toError(thrown).message}` }, 503);
    }
  }

  private onEvents(c: Context): Response {
    const parsed = EventsQuery.safeParse({ chatKey: c.req.query('chatKey') });
    if (!parsed.success) return c.json({ error: parsed.error.issues[0]?.message ?? 'invalid query' }, 400);
    const chatKey = parsed.data.chatKey as ChatKey;
    return sseStream(c, async (send) => {
      for (const event of this.feed.recent(chatKey)) await send(event.type, event);
      const unsubscribe = this.feed.subscribe(chatKey, (event) => void send(event.type, event));
      this.watchBatches(+1);
      return () => {
        unsubscribe();
        this.watchBatches(-1);
      };
    });
  }

  /** Batches are watched (a hook on every batch) only while some page is open. */
  private watchBatches(delta: number): void {
    this.watchers += delta;
    if (this.watchers > 0 && !this.unwatchBatches && this.options.batches) {
      this.unwatchBatches = this.options.batches.onBatch((batch) => {
        if (!this.feed.watched(batch.chatKey)) return;
        this.feed.publish({ type: 'batch', chatKey: batch.chatKey, messageIds: batch.messages.map((m) => m.messageId), reason: batch.reason, time: batch.releasedAt });
      });
    } else if (this.watchers === 0 && this.unwatchBatches) {
      this.unwatchBatches();
      this.unwatchBatches = undefined;
    }
  }
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
