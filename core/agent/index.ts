export * from './prompt.js';
export * from './tool.js';
export * from './tag.js';
export * from './named-set.js';
export * from './llm.js';
export * from './provider.js';
export * from './openai-provider.js';
export * from './wire-names.js';
