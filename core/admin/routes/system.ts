import { createRoute, z } from '@hono/zod-openapi';
import { GUARDED, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';

const System = z
  .object({
    version: z.string(),
    role: z.string(),
    pid: z.number().int(),
    node: z.string(),
    startedAt: z.number().int(),
    uptimeMs: z.number().int(),
    memory: z.object({ rss: z.number(), heapUsed: z.number(), heapTotal: z.number(), external: z.number() }),
    store: z.string(),
    buffer: z.object({
      description: z.string(),
      depth: z.object({ buffered: z.number().int(), queuedBatches: z.number().int(), activeBatches: z.number().int() }).nullable(),
    }),
    chatsHeld: z.number().int(),
    logSubscribers: z.number().int(),
  })
  .openapi('System');

const Counter = z.object({ name: z.string(), labels: z.record(z.string(), z.string()), value: z.number() }).openapi('CounterSample');

const AuditRecord = z
  .object({
    time: z.number().int(),
    actor: z.object({ via: z.enum(['token', 'session', 'loopback']), session: z.string().optional(), ip: z.string() }),
    action: z.string(),
    target: z.string(),
    ok: z.boolean(),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('AuditRecord');

const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

const system = createRoute({
  method: 'get', path: '/api/system', tags: ['system'], summary: 'Version, uptime, memory, buffer depth',
  responses: { 200: jsonResponse(System, 'The process and its parts'), ...GUARDED },
});
const counters = createRoute({
  method: 'get', path: '/api/system/counters', tags: ['system'], summary: 'Every counter and its value (the dashboard computes rates from two reads)',
  responses: { 200: jsonResponse(z.array(Counter), 'Counter samples'), ...GUARDED },
});
const audit = createRoute({
  method: 'get', path: '/api/audit', tags: ['system'], summary: 'Changes made through the admin API, newest first',
  request: { query: limitQuery },
  responses: { 200: jsonResponse(z.array(AuditRecord), 'Audit records'), ...GUARDED },
});

export function systemRoutes(api: AdminApp, deps: AdminDeps): void {
  api.openapi(system, async (c) => {
    const m = process.memoryUsage();
    const depth = deps.buffer.depth ? await deps.buffer.depth() : null;
    return c.json(
      {
        version: deps.version, role: deps.role, pid: process.pid, node: process.version,
        startedAt: deps.startedAt, uptimeMs: Date.now() - deps.startedAt,
        memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external },
        store: deps.store.description,
        buffer: { description: deps.buffer.description, depth },
        chatsHeld: deps.chatsHeld(),
        logSubscribers: deps.logFeed.subscribers,
      },
      200,
    );
  });
  api.openapi(counters, (c) => c.json(deps.metrics.snapshot().map((s) => ({ name: s.name, labels: { ...s.labels }, value: s.value })), 200));
  api.openapi(audit, (c) => c.json(deps.audit.recent(c.req.valid('query').limit), 200));
}
