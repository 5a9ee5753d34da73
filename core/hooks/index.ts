export * from './priority.js';
export * from './signal.js';
export * from './message-event.js';
export * from './events.js';
export * from './hook-registry.js';
export * from './time-limit.js';
