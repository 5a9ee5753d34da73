export * from './session-handler.js';
export * from './session-manager.js';
export * from './channel-reset.js';
export * from './reply-key.js';
export * from './chat-history.js';
