/**
 * Nekomata's public API: everything a plugin or adapter author imports comes from here.
 * @example
 * import { Priority } from 'nekomata';
 * app.hooks.on('im_message', (event) => { if (event.message.text.includes('spam')) event.discard({ force: true }); }, { priority: Priority.HIGH });
 */
export * from './errors/index.js';
export * from './message/index.js';
export * from './metrics/index.js';
export * from './hooks/index.js';
export * from './buffer/index.js';
export * from './store/index.js';
export * from './session/index.js';
export * from './pipeline/index.js';
export * from './adapter/index.js';
export * from './http/index.js';
export * from './net/index.js';
export * from './agent/index.js';
export * from './plugin/index.js';
export * from './command/index.js';
export * from './redis/index.js';
export * from './outbox/index.js';
export * from './runtime/index.js';
