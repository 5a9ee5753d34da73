export * from './bus-types.js';
export { matchesFilter } from './bus-filter.js';
export { MemoryBus } from './memory-bus.js';
export { RedisBus } from './redis-bus.js';
export { busView } from './bus-view.js';
