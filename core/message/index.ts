export * from './segment.js';
export * from './chat-key.js';
export * from './inbound.js';
export * from './render.js';
export * from './batch.js';
