import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse, GUARDED, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';

const Adapter = z
  .object({
    name: z.string(),
    state: z.enum(['starting', 'open', 'closed']),
    canReconnect: z.boolean(),
    counters: z.object({
      received: z.number().openapi({ description: 'Messages it handed to the pipeline' }),
      sent: z.number().openapi({ description: 'Messages sent through it' }),
      events: z.number().openapi({ description: 'Non-message platform events' }),
    }),
  })
  .openapi('Adapter');

const name = z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/).openapi({ param: { name: 'name', in: 'path' }, example: 'onebot' }) });

const list = createRoute({
  method: 'get', path: '/api/adapters', tags: ['adapters'], summary: 'Adapters, their state and counters',
  responses: { 200: jsonResponse(z.array(Adapter), 'Every adapter'), ...GUARDED },
});
const reconnect = createRoute({
  method: 'post', path: '/api/adapters/{name}/reconnect', tags: ['adapters'], summary: 'Drop the adapter’s connections and dial again',
  request: { params: name },
  responses: {
    202: jsonResponse(z.object({ name: z.string(), reconnecting: z.literal(true) }), 'Reconnecting'),
    404: errorResponse('No such adapter'),
    409: errorResponse('The adapter cannot reconnect (it has no connection of its own, or it is closed)'),
    ...GUARDED,
  },
});

export function adapterRoutes(api: AdminApp, deps: AdminDeps): void {
  api.openapi(list, (c) => {
    const m = deps.metrics;
    const events = (adapter: string) => m.snapshot().filter((s) => s.name === 'platform_events_total' && s.labels.adapter === adapter).reduce((n, s) => n + s.value, 0);
    return c.json(
      deps.adapters().map((a) => ({
        ...a,
        counters: { received: m.get('messages_received_total', { adapter: a.name }), sent: m.get('messages_sent_total', { adapter: a.name }), events: events(a.name) },
      })),
      200,
    );
  });
  api.openapi(reconnect, async (c) => {
    const { name: adapter } = c.req.valid('param');
    const found = deps.adapters().find((a) => a.name === adapter);
    if (!found) return c.json({ error: `no adapter named ${adapter}` }, 404);
    if (!found.canReconnect || found.state !== 'open') {
      return c.json({ error: `adapter ${adapter} cannot reconnect (${found.canReconnect ? found.state : 'it has no connection to redial'})` }, 409);
    }
    const actor = c.get('actor');
    try {
      await deps.reconnect(adapter);
    } catch (err) {
      deps.audit.record({ actor, action: 'adapter.reconnect', target: adapter, ok: false, detail: { error: (err as Error).message } });
      throw err;
    }
    deps.audit.record({ actor, action: 'adapter.reconnect', target: adapter, ok: true });
    return c.json({ name: adapter, reconnecting: true as const }, 202);
  });
}
