export { HttpServer, HttpListenError, type HttpSettings, type HttpServerDeps } from './http-server.js';
export { HttpRouteConflictError, type HttpHandler, type HttpMethod, type HttpRoutes } from './route-table.js';
export { isLoopbackHost } from './loopback.js';
export { AdminAccess, clientAddress, SESSION_COOKIE, LOGIN_FAILURES_PER_MINUTE, type AccessEnv, type Actor, type AdminAccessSettings } from './admin-access.js';
export { exposureProblem } from './exposure.js';
export type { Readiness, ReadinessCheck } from './probes.js';
export { ADMIN_PREFIX } from './route-table.js';
