export * from './run-types.js';
export { RunStore } from './run-store.js';
export { RunStateError, type RunDeps } from './run-execution.js';
export { RunManager, RunNotFoundError, LocalRunQueue, type RunQueue } from './run-manager.js';
export { BullMQRunQueue } from './bullmq-runs.js';
