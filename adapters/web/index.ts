export { WebChatAdapter, WEB_CHAT_ROUTES, type WebChatAdapterOptions } from './adapter.js';
export { webBatchSource, type BatchSource } from './batches.js';
export { ChatFeed, type WebChatEvent } from './chat-feed.js';
export { webChatSettings, type WebChatSettings } from './settings.js';
