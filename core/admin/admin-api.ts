import { OpenAPIHono } from '@hono/zod-openapi';
import type { AccessEnv } from '../http/index.js';
import type { AdminApp, AdminDeps } from './admin-deps.js';
import { adapterRoutes } from './routes/adapters.js';
import { busRoutes } from './routes/bus.js';
import { chatRoutes } from './routes/chats.js';
import { commandRoutes } from './routes/commands.js';
import { logRoutes } from './routes/logs.js';
import { pluginRoutes } from './routes/plugins.js';
import { runRoutes } from './routes/runs.js';
import { sessionRoutes } from './routes/session.js';
import { systemRoutes } from './routes/system.js';
import { mountUi } from './ui.js';

/** Where the generated OpenAPI document is served (behind the login, like every `/api/` path). */
export const OPENAPI_PATH = '/api/openapi.json';

/**
 * The admin API and the Web UI as one Hono app, for `HttpServer.mount`. Every route is declared with zod
 * schemas for its path, query and body (@hono/zod-openapi validates them and answers 400 naming the fields),
 * and the OpenAPI 3.1 document is generated from the same declarations.
 */
export function createAdminApi(deps: AdminDeps, options: { ui?: string } = {}): AdminApp {
  const api: AdminApp = new OpenAPIHono<AccessEnv>({
    defaultHook: (result, c) => {
      if (result.success) return undefined;
      const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      return c.json({ error: `invalid request: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`, issues }, 400);
    },
  });
  sessionRoutes(api, deps);
  systemRoutes(api, deps);
  adapterRoutes(api, deps);
  pluginRoutes(api, deps);
  commandRoutes(api, deps);
  chatRoutes(api, deps);
  logRoutes(api, deps);
  runRoutes(api, deps);
  busRoutes(api, deps);
  api.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: { title: 'Nekomata admin API', version: deps.version, description: 'Manage a running Nekomata bot. Authenticate with `Authorization: Bearer <ADMIN_TOKEN>`, or log in (POST /api/session) for a session cookie.' },
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  mountUi(api, options.ui);
  return api;
}
