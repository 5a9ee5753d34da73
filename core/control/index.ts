export * from './control-plane.js';
export * from './redis-control-plane.js';
