export * from './driver.js';
export * from './policy.js';
export * from './memory-driver.js';
export * from './bullmq-driver.js';
export { BufferSpoolFullError } from './spool.js';
