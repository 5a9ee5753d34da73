import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { EntryNotFoundError, PluginNotFoundError, PluginNotRunningError } from '../../plugin/index.js';
import { isFinal, RunNotFoundError, type RunRecord } from '../../runs/index.js';
import { errorResponse, GUARDED, jsonBody, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';

const Status = z.enum(['queued', 'running', 'succeeded', 'failed', 'canceled', 'timed_out']);
const Run = z
  .object({
    id: z.string(), plugin: z.string(), entry: z.string(), args: z.unknown(), status: Status, startedBy: z.string().optional(),
    createdAt: z.number(), updatedAt: z.number(), startedAt: z.number().optional(), finishedAt: z.number().optional(),
    progress: z.number().openapi({ description: '0–1; 1 once succeeded' }), stage: z.string(), message: z.string(), metrics: z.record(z.string(), z.number()),
    cancelRequested: z.object({ reason: z.string(), at: z.number() }).optional(),
    result: z.unknown().optional(), error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .openapi('Run');
const Export = z
  .object({
    id: z.string(), runId: z.string(), at: z.number(), type: z.enum(['text', 'url', 'binary']), description: z.string().optional(),
    text: z.string().optional(), url: z.string().optional(), path: z.string().optional(), size: z.number().optional(), mime: z.string().optional(), name: z.string().optional(),
  })
  .openapi('RunExport');
const Entry = z
  .object({ plugin: z.string(), id: z.string(), description: z.string(), input: z.record(z.string(), z.unknown()).optional().openapi({ description: 'JSON Schema of the arguments, when the entry declares one' }) })
  .openapi('Entry');

const tags = ['runs'];
const id = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const notFound = errorResponse('No such run (never created, or evicted past RUN_KEEP)');

const entries = createRoute({ method: 'get', path: '/api/entries', tags, summary: 'The entries of enabled plugins, which a run can start, with their argument schemas', responses: { 200: jsonResponse(z.array(Entry), 'Entries'), ...GUARDED } });
const list = createRoute({
  method: 'get', path: '/api/runs', tags, summary: 'Stored runs, newest first',
  request: { query: z.object({ plugin: z.string().max(200).optional(), status: Status.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: { 200: jsonResponse(z.array(Run), 'Runs'), ...GUARDED },
});
const create = createRoute({
  method: 'post', path: '/api/runs', tags, summary: 'Start a run of a plugin’s entry; the arguments are checked against the entry’s schema first',
  request: {
    body: jsonBody(
      z.object({
        plugin: z.string().min(1).max(200).openapi({ description: 'The plugin key (author.moduleName)', example: 'nekomata.reports' }),
        entry: z.string().min(1).max(200).openapi({ example: 'build' }),
        args: z.record(z.string(), z.unknown()).default({}).openapi({ description: 'Checked against the entry’s input schema', example: { pages: 3 } }),
      }),
    ),
  },
  responses: {
    201: jsonResponse(Run, 'The queued run'),
    404: errorResponse('No such plugin, or it has no such entry'),
    409: errorResponse('The plugin is not enabled'),
    422: errorResponse('The arguments do not fit the entry’s schema; `issues` names each field'),
    ...GUARDED,
  },
});
const get = createRoute({ method: 'get', path: '/api/runs/{id}', tags, summary: 'One run', request: { params: id }, responses: { 200: jsonResponse(Run, 'The run'), 404: notFound, ...GUARDED } });
const exportsOf = createRoute({ method: 'get', path: '/api/runs/{id}/exports', tags, summary: 'What the run exported (text, url, binary files)', request: { params: id }, responses: { 200: jsonResponse(z.array(Export), 'Exports, oldest first'), 404: notFound, ...GUARDED } });
const cancel = createRoute({
  method: 'post', path: '/api/runs/{id}/cancel', tags, summary: 'Cancel a run: a queued one at once, a running one is signalled and abandoned after RUN_CANCEL_GRACE_MS',
  request: { params: id, body: { required: false, content: { 'application/json': { schema: z.object({ reason: z.string().max(500).optional() }) } } } },
  responses: { 200: jsonResponse(Run, 'The run afterwards (a finished run as it was)'), 404: notFound, ...GUARDED },
});
const stream = createRoute({
  method: 'get', path: '/api/runs/{id}/stream', tags, summary: 'A run’s progress as Server-Sent Events: `run` with the record now and at each change, ending once it is final',
  request: { params: id },
  responses: { 200: { description: '`run` events', content: { 'text/event-stream': { schema: z.string() } } }, 404: notFound, ...GUARDED },
});

const view = (r: RunRecord): z.infer<typeof Run> => JSON.parse(JSON.stringify(r)) as z.infer<typeof Run>;

export function runRoutes(api: AdminApp, deps: AdminDeps): void {
  const { runs } = deps;
  api.openapi(entries, (c) =>
    c.json(deps.entries.list().map((e) => ({ plugin: e.plugin, id: e.id, description: e.description, ...(e.validated ? { input: deps.entries.inputSchema(e.plugin, e.id) } : {}) })), 200));
  api.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const found = await runs.list({ ...(q.plugin ? { plugin: q.plugin } : {}), ...(q.status ? { status: q.status } : {}) });
    return c.json(found.slice(-q.limit).reverse().map(view), 200);
  });
  api.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const actor = c.get('actor');
    const refused = (status: 404 | 409 | 422, error: string, issues?: { path: string; message: string }[]) => {
      deps.audit.record({ actor, action: 'run.create', target: `${body.plugin}:${body.entry}`, ok: false, detail: { error } });
      return c.json({ error, ...(issues ? { issues } : {}) }, status);
    };
    let issues: { path: string; message: string }[];
    try {
      issues = deps.entries.inputIssues(body.plugin, body.entry, body.args);
    } catch (err) {
      if (err instanceof PluginNotFoundError || err instanceof EntryNotFoundError) return refused(404, err.message);
      if (err instanceof PluginNotRunningError) return refused(409, err.message);
      throw err;
    }
    // The paths are the arguments' own, as the UI's form names them; `args.` says where they sit in the body.
    if (issues.length > 0) return refused(422, `invalid arguments: ${issues.map((i) => `${i.path || '(arguments)'}: ${i.message}`).join('; ')}`, issues);
    const run = await runs.create({ plugin: body.plugin, entry: body.entry, args: body.args, startedBy: 'api' });
    deps.audit.record({ actor, action: 'run.create', target: `${body.plugin}:${body.entry}`, ok: true, detail: { run: run.id } });
    return c.json(view(run), 201);
  });
  const found = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof RunNotFoundError) return undefined;
      throw err;
    }
  };
  const missing = (runId: string) => ({ error: `no run ${runId.slice(0, 100)}: it never existed, or it was evicted (RUN_KEEP finished runs are kept)` });
  api.openapi(get, async (c) => {
    const runId = c.req.valid('param').id;
    const run = await found(() => runs.get(runId));
    return run ? c.json(view(run), 200) : c.json(missing(runId), 404);
  });
  api.openapi(exportsOf, async (c) => {
    const runId = c.req.valid('param').id;
    const items = await found(() => runs.exports(runId));
    return items ? c.json(items.map((e) => ({ ...e })), 200) : c.json(missing(runId), 404);
  });
  api.openapi(cancel, async (c) => {
    const runId = c.req.valid('param').id;
    const reason = (await c.req.json().catch(() => ({})) as { reason?: unknown }).reason;
    const run = await found(() => runs.cancel(runId, typeof reason === 'string' && reason ? reason.slice(0, 500) : 'canceled through the admin API'));
    if (!run) return c.json(missing(runId), 404);
    deps.audit.record({ actor: c.get('actor'), action: 'run.cancel', target: runId, ok: true, detail: { plugin: run.plugin, entry: run.entry, status: run.status } });
    return c.json(view(run), 200);
  });
  api.openapi(stream, async (c) => {
    const runId = c.req.valid('param').id;
    if (!(await found(() => runs.get(runId)))) return c.json(missing(runId), 404);
    return streamSSE(c, async (sse) => {
      let finished!: () => void;
      const done = new Promise<void>((resolve) => (finished = resolve));
      sse.onAbort(finished);
      // Each send reads the stored record, so events arrive in order and the last one is the final state.
      let tail = Promise.resolve();
      const send = (): void => {
        tail = tail.then(async () => {
          if (sse.aborted) return;
          const run = await runs.get(runId);
          await sse.writeSSE({ event: 'run', data: JSON.stringify(view(run)) });
          if (isFinal(run.status)) finished();
        }).catch(() => finished());
      };
      // Watching before the first read: a change between the two is sent, not lost.
      const stop = deps.bus.topic('runs').watch({}, (r) => {
        if ((r.payload as { id?: unknown } | undefined)?.id === runId) send();
      });
      send();
      await done;
      stop();
      await tail;
    }) as never;
  });
}
