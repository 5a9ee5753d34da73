import { createRoute, z } from '@hono/zod-openapi';
import { levelNumber } from '../../runtime/log-feed.js';
import { GUARDED, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';
import { sseStream } from '../sse.js';

const Level = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info').openapi({ description: 'The lowest level shown' });
const Record_ = z
  .object({ seq: z.number().int(), time: z.number().int(), level: z.number().int(), levelName: z.string(), msg: z.string(), fields: z.record(z.string(), z.unknown()) })
  .openapi('LogRecord');

const recent = createRoute({
  method: 'get', path: '/api/logs', tags: ['logs'], summary: 'Recent log lines (a bounded buffer), oldest first',
  request: { query: z.object({ level: Level, limit: z.coerce.number().int().min(1).max(1000).default(200) }) },
  responses: { 200: jsonResponse(z.array(Record_), 'Log lines'), ...GUARDED },
});
const stream = createRoute({
  method: 'get', path: '/api/logs/stream', tags: ['logs'], summary: 'Live log lines as Server-Sent Events (`log` events), starting with the recent ones',
  request: { query: z.object({ level: Level, after: z.coerce.number().int().min(0).default(0).openapi({ description: 'Only lines after this seq' }) }) },
  responses: { 200: { description: '`log` events', content: { 'text/event-stream': { schema: z.string() } } }, ...GUARDED },
});

export function logRoutes(api: AdminApp, deps: AdminDeps): void {
  api.openapi(recent, (c) => {
    const q = c.req.valid('query');
    return c.json(deps.logFeed.recent({ limit: q.limit, minLevel: levelNumber(q.level) }), 200);
  });
  api.openapi(stream, (c) => {
    const q = c.req.valid('query');
    const minLevel = levelNumber(q.level);
    return sseStream(c, async (send) => {
      for (const r of deps.logFeed.recent({ limit: 200, minLevel, afterSeq: q.after })) await send('log', r);
      return deps.logFeed.subscribe((r) => void send('log', r), minLevel);
    }) as never;
  });
}
