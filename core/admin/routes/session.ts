import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse, jsonBody, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';

const Status = z
  .object({
    mode: z.enum(['token', 'loopback']).openapi({ description: '`token`: ADMIN_TOKEN is set and a login is needed; `loopback`: no token, loopback clients only' }),
    authenticated: z.boolean(),
    expiresAt: z.number().int().optional().openapi({ description: 'When the session ends (ms since the epoch)' }),
  })
  .openapi('SessionStatus');

const status = createRoute({
  method: 'get', path: '/api/session', tags: ['session'], summary: 'Whether this browser is logged in',
  responses: { 200: jsonResponse(Status, 'The login state') },
});

const login = createRoute({
  method: 'post', path: '/api/session', tags: ['session'], summary: 'Log in with the admin token: sets an HttpOnly, SameSite=Strict session cookie',
  request: { body: jsonBody(z.object({ token: z.string().min(1).max(1024) })) },
  responses: {
    200: jsonResponse(Status, 'Logged in; the cookie is set'),
    401: errorResponse('Wrong token'),
    403: errorResponse('Cross-origin login refused'),
    429: errorResponse('Too many failed logins from this address; see Retry-After'),
  },
});

const logout = createRoute({
  method: 'delete', path: '/api/session', tags: ['session'], summary: 'Log out: ends the session and clears the cookie',
  responses: { 204: { description: 'Logged out' } },
});

export function sessionRoutes(api: AdminApp, deps: AdminDeps): void {
  api.openapi(status, (c) => c.json(deps.access.status(c), 200));
  api.openapi(login, async (c) => {
    const result = await deps.access.login(c, c.req.valid('json').token);
    if (!result.ok) return result.response as never;
    return c.json({ mode: deps.access.mode, authenticated: true, expiresAt: result.expiresAt }, 200);
  });
  api.openapi(logout, (c) => {
    deps.access.logout(c);
    return c.body(null, 204);
  });
}
