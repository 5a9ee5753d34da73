export { HttpServer, HttpListenError, type HttpSettings } from './http-server.js';
export { HttpRouteConflictError, type HttpHandler, type HttpMethod, type HttpRoutes } from './route-table.js';
export { isLoopbackHost } from './loopback.js';
