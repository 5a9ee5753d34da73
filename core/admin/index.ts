export { createAdminApi, OPENAPI_PATH } from './admin-api.js';
export { AuditTrail, type AuditRecord } from './audit.js';
export type { AdminApp, AdminDeps, AdapterStatus } from './admin-deps.js';
export { ADMIN_CHAT } from './routes/commands.js';
export { sseStream, sseSequence, type SendEvent } from './sse.js';
export { uiFolder } from './ui.js';
