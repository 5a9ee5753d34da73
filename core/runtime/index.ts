export * from './config.js';
export * from './logger.js';
export * from './app.js';
export * from './open-app.js';
export * from './process-guards.js';
export { findSettingTypos, type SettingTypo } from './setting-typos.js';
export { routeLibraryConsole } from './library-console.js';
export { defineSettings, type SettingsSection, type AnySettingsSection, type SectionsConfig, type SettingIssue } from './settings-section.js';
export { intSetting, boolSetting, autoBoolSetting, listSetting, splitList, isHttpUrl } from './setting-types.js';
