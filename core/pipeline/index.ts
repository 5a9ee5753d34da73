export * from './duplicate-filter.js';
export * from './flood-limit.js';
export * from './interceptors.js';
export * from './pipeline.js';
export * from './batch-stage.js';
export * from './chat-lanes.js';
export * from './chat-policy.js';
export * from './shared-duplicates.js';
