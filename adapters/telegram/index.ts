export * from './adapter.js';
export * from './errors.js';
export * from './menu.js';
export { splitText, sendSegments, MAX_TEXT, type SendTarget } from './send.js';
export { readText, type EntityContext, type ReadText } from './entities.js';
export { mediaSegments, mediaInput, type MediaSegment } from './media.js';
export { readMessage, toPlatformEvent, chatTarget, chatIdOf, updateKind, KNOWN_UPDATES } from './updates.js';
