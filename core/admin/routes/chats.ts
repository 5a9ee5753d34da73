import { createRoute, z } from '@hono/zod-openapi';
import { isChatKey } from '../../message/index.js';
import { errorResponse, GUARDED, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';

const ChatSummary = z.object({ chatKey: z.string(), count: z.number().int(), lastTime: z.number().int() }).openapi('ChatSummary');
const Entry = z
  .object({
    chatKey: z.string(), role: z.enum(['user', 'bot', 'system']), messageId: z.string(), userId: z.string(), userName: z.string(),
    text: z.string(), segments: z.array(z.record(z.string(), z.unknown())), time: z.number().int(),
  })
  .openapi('HistoryEntry');
const Reset = z.object({ dropped: z.number().int(), archived: z.number().int(), aborted: z.boolean() }).openapi('ResetResult');

const chatKey = z.object({ chatKey: z.string().min(1).max(200).openapi({ param: { name: 'chatKey', in: 'path' }, example: 'onebot-group_123' }) });
const tags = ['chats'];

const list = createRoute({
  method: 'get', path: '/api/chats', tags, summary: 'Chats with history, most recently active first',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: { 200: jsonResponse(z.array(ChatSummary), 'Chats'), ...GUARDED },
});
const history = createRoute({
  method: 'get', path: '/api/chats/{chatKey}/history', tags, summary: 'A chat’s newest history entries, oldest first',
  request: { params: chatKey, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) },
  responses: { 200: jsonResponse(z.array(Entry), 'History entries'), 400: errorResponse('Not a chat key'), ...GUARDED },
});
const reset = createRoute({
  method: 'post', path: '/api/chats/{chatKey}/reset', tags, summary: 'Reset a chat: its buffer, batch in progress, history and plugin state',
  request: { params: chatKey },
  responses: { 200: jsonResponse(Reset, 'What was cleared'), 400: errorResponse('Not a chat key'), ...GUARDED },
});

const notChat = (key: string) => ({ error: `not a chat key: "${key.slice(0, 100)}" (they look like onebot-group_123)` });

export function chatRoutes(api: AdminApp, deps: AdminDeps): void {
  api.openapi(list, async (c) => c.json(await deps.store.history.chats(c.req.valid('query').limit), 200));
  api.openapi(history, async (c) => {
    const key = c.req.valid('param').chatKey;
    if (!isChatKey(key)) return c.json(notChat(key), 400);
    const entries = await deps.store.history.recent(key, c.req.valid('query').limit);
    return c.json(entries.map((e) => ({ ...e, segments: e.segments as unknown as Record<string, unknown>[] })), 200);
  });
  api.openapi(reset, async (c) => {
    const key = c.req.valid('param').chatKey;
    if (!isChatKey(key)) return c.json(notChat(key), 400);
    const actor = c.get('actor');
    const result = await deps.resetChannel(key, `admin API (${actor.via}${actor.session ? ` ${actor.session}` : ''})`);
    deps.audit.record({ actor, action: 'chat.reset', target: key, ok: true, detail: { ...result } });
    return c.json(result, 200);
  });
}
