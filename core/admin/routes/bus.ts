import { createRoute, z } from '@hono/zod-openapi';
import { BUS_TOPICS, type BusFilter, type BusRecord } from '../../bus/index.js';
import { GUARDED, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';
import { sseStream } from '../sse.js';

const Record_ = z
  .object({
    id: z.string(), topic: z.enum(BUS_TOPICS), ts: z.number(), type: z.string(), plugin: z.string().optional(), chat: z.string().optional(),
    text: z.string().optional(), payload: z.unknown().optional(),
  })
  .openapi('BusRecord');

const topic = z.object({ topic: z.enum(BUS_TOPICS).openapi({ param: { name: 'topic', in: 'path' }, example: 'runs' }) });
// The filters the bus supports. `text` is a substring here, not a pattern: a pattern from a request could be made to backtrack for ever.
const filters = {
  plugin: z.string().max(200).optional().openapi({ description: 'Only records about this plugin (its key)' }),
  chat: z.string().max(200).optional().openapi({ description: 'Only records about this chat (its chat key)' }),
  type: z.string().max(500).optional().openapi({ description: 'Only these types, comma-separated', example: 'progress,succeeded' }),
  since: z.coerce.number().int().min(0).optional().openapi({ description: 'Only records at or after this time (ms since the epoch)' }),
  until: z.coerce.number().int().min(0).optional().openapi({ description: 'Only records at or before this time' }),
  text: z.string().max(500).optional().openapi({ description: 'Only records whose text contains this (case-sensitive)' }),
};
const tags = ['bus'];

const recent = createRoute({
  method: 'get', path: '/api/bus/{topic}', tags, summary: 'The newest records of a bus topic that pass the filters, oldest first',
  request: { params: topic, query: z.object({ ...filters, limit: z.coerce.number().int().min(1).max(1000).default(50) }) },
  responses: { 200: jsonResponse(z.array(Record_), 'Records'), ...GUARDED },
});
const live = createRoute({
  method: 'get', path: '/api/bus/{topic}/stream', tags, summary: 'A bus topic as Server-Sent Events (`record` events): the recent records that pass the filters, then each new one',
  request: { params: topic, query: z.object({ ...filters, limit: z.coerce.number().int().min(0).max(1000).default(50).openapi({ description: 'How many recent records come first' }) }) },
  responses: { 200: { description: '`record` events', content: { 'text/event-stream': { schema: z.string() } } }, ...GUARDED },
});

type FilterQuery = { plugin?: string | undefined; chat?: string | undefined; type?: string | undefined; since?: number | undefined; until?: number | undefined; text?: string | undefined };

function filterOf(q: FilterQuery): BusFilter {
  const types = q.type?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    ...(q.plugin ? { plugin: q.plugin } : {}), ...(q.chat ? { chat: q.chat } : {}), ...(types?.length ? { type: types } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}), ...(q.until !== undefined ? { until: q.until } : {}), ...(q.text ? { text: q.text } : {}),
  };
}

export function busRoutes(api: AdminApp, deps: AdminDeps): void {
  api.openapi(recent, async (c) => {
    const q = c.req.valid('query');
    const records = await deps.bus.topic(c.req.valid('param').topic).getRecent({ limit: q.limit, filter: filterOf(q) });
    return c.json(records, 200);
  });
  api.openapi(live, (c) => {
    const q = c.req.valid('query');
    const reader = deps.bus.topic(c.req.valid('param').topic);
    const filter = filterOf(q);
    return sseStream(c, async (send) => {
      // Watching first, holding what arrives until the recent records are sent: none is lost or sent twice.
      let held: BusRecord[] | undefined = [];
      const stop = reader.watch(filter, (r) => (held ? held.push(r) : void send('record', r)));
      const first = q.limit > 0 ? await reader.getRecent({ limit: q.limit, filter }) : [];
      const ids = new Set(first.map((r) => r.id));
      for (const r of [...first, ...held.filter((h) => !ids.has(h.id))]) void send('record', r);
      held = undefined;
      return stop;
    }) as never;
  });
}
