import type { ChatKey } from '../../core/message/index.js';

/** What a web chat page is shown: users' messages (every tab of the chat sees them), batches and replies. */
export type WebChatEvent =
  | { type: 'message'; chatKey: ChatKey; id: string; userId: string; userName: string; text: string; time: number; outcome: string }
  | { type: 'batch'; chatKey: ChatKey; messageIds: string[]; reason: string; time: number }
  | { type: 'reply'; chatKey: ChatKey; id: string; text: string; segments: unknown[]; time: number };

type Listener = (event: WebChatEvent) => void;

/** Events kept per chat, so that a page opened (or reloaded) later shows the conversation so far. */
const KEPT_PER_CHAT = 200;
/** Chats remembered: the least recently active is forgotten first. */
const MAX_CHATS = 500;

/** The web chat's conversations in this process: a bounded recent list per chat, and the pages watching each. */
export class ChatFeed {
  private readonly chats = new Map<ChatKey, { events: WebChatEvent[]; listeners: Set<Listener> }>();

  publish(event: WebChatEvent): void {
    const chat = this.chat(event.chatKey);
    chat.events.push(event);
    if (chat.events.length > KEPT_PER_CHAT) chat.events.shift();
    for (const l of chat.listeners) l(event);
  }

  recent(chatKey: ChatKey): WebChatEvent[] {
    return [...(this.chats.get(chatKey)?.events ?? [])];
  }

  /** Whether a page watches the chat (batches are only looked at for chats someone sees). */
  watched(chatKey: ChatKey): boolean {
    return (this.chats.get(chatKey)?.listeners.size ?? 0) > 0;
  }

  subscribe(chatKey: ChatKey, listener: Listener): () => void {
    const chat = this.chat(chatKey);
    chat.listeners.add(listener);
    return () => void chat.listeners.delete(listener);
  }

  private chat(chatKey: ChatKey): { events: WebChatEvent[]; listeners: Set<Listener> } {
    let chat = this.chats.get(chatKey);
    if (chat) {
      // Re-inserted: the map's order is the order of activity, oldest first.
      this.chats.delete(chatKey);
    } else {
      chat = { events: [], listeners: new Set() };
      if (this.chats.size >= MAX_CHATS) {
        const idle = [...this.chats].find(([, c]) => c.listeners.size === 0);
        if (idle) this.chats.delete(idle[0]);
      }
    }
    this.chats.set(chatKey, chat);
    return chat;
  }
}
