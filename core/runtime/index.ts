export * from './config.js';
export * from './logger.js';
export * from './app.js';
export * from './open-app.js';
export * from './process-guards.js';
export { findSettingTypos, type SettingTypo } from './setting-typos.js';
export { routeLibraryConsole } from './library-console.js';
