import { createRoute, z } from '@hono/zod-openapi';
import { PluginConfigError, type PluginInfo } from '../../plugin/index.js';
import { errorResponse, GUARDED, jsonBody, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';

const Plugin = z
  .object({
    key: z.string(),
    name: z.string(),
    version: z.string(),
    description: z.string(),
    state: z.enum(['enabled', 'disabled', 'failed', 'unloaded']),
    builtin: z.boolean(),
    source: z.string().optional(),
    disabledBecause: z.string().optional(),
    hasConfig: z.boolean(),
    runtime: z.object({
      isolation: z.enum(['inline', 'process']).openapi({ description: 'inline: in the app process; process: in a process of its own (plugin.toml)' }),
      pid: z.number().int().optional().openapi({ description: 'The process it runs in; absent while an isolated plugin has none' }),
      processState: z.enum(['starting', 'running', 'restarting', 'stopping', 'stopped', 'crashed']).optional().openapi({ description: 'An isolated plugin’s process' }),
      memoryMb: z.number().int().optional().openapi({ description: 'An isolated plugin’s heap limit' }),
      restarts: z.number().int(),
      errors: z.number().openapi({ description: 'Calls of the plugin that threw or timed out since start' }),
      lastError: z.object({ type: z.string(), message: z.string() }).optional(),
    }),
  })
  .openapi('Plugin');

const PluginDetail = Plugin.extend({ docs: z.string().optional().openapi({ description: 'The plugin’s README' }) }).openapi('PluginDetail');

const Config = z
  .object({
    values: z.record(z.string(), z.unknown()),
    schema: z.record(z.string(), z.unknown()).openapi({ description: 'JSON Schema (draft 2020-12) of the accepted input' }),
  })
  .openapi('PluginConfig');

const key = z.object({ key: z.string().min(1).max(200).openapi({ param: { name: 'key', in: 'path' }, example: 'nekomata.built_in' }) });
const tags = ['plugins'];

const list = createRoute({ method: 'get', path: '/api/plugins', tags, summary: 'Plugins, their state and runtime', responses: { 200: jsonResponse(z.array(Plugin), 'Every plugin'), ...GUARDED } });
const get = createRoute({
  method: 'get', path: '/api/plugins/{key}', tags, summary: 'One plugin with its README', request: { params: key },
  responses: { 200: jsonResponse(PluginDetail, 'The plugin'), 404: errorResponse('No such plugin'), ...GUARDED },
});
const action = (verb: 'enable' | 'disable' | 'reload', summary: string) =>
  createRoute({
    method: 'post', path: `/api/plugins/{key}/${verb}`, tags, summary, request: { params: key },
    responses: { 200: jsonResponse(Plugin, 'The plugin afterwards'), 404: errorResponse('No such plugin'), 409: errorResponse('Refused in its state (a reload that failed keeps the old instance)'), ...GUARDED },
  });
const readConfig = createRoute({
  method: 'get', path: '/api/plugins/{key}/config', tags, summary: 'The plugin’s config values and JSON Schema', request: { params: key },
  responses: { 200: jsonResponse(Config, 'Values and schema'), 404: errorResponse('No such plugin'), ...GUARDED },
});
const writeConfig = createRoute({
  method: 'put', path: '/api/plugins/{key}/config', tags, summary: 'Change config values (merged into the current ones), validated by field',
  request: { params: key, body: jsonBody(z.object({ values: z.record(z.string(), z.unknown()) })) },
  responses: { 200: jsonResponse(Config, 'Saved'), 404: errorResponse('No such plugin'), 422: errorResponse('Invalid values: nothing was saved; `issues` names each field'), ...GUARDED },
});

export function pluginRoutes(api: AdminApp, deps: AdminDeps): void {
  const view = (info: PluginInfo): z.infer<typeof Plugin> => ({
    key: info.key, name: info.name, version: info.version, description: info.description, state: info.state, builtin: info.builtin,
    ...(info.source ? { source: info.source } : {}),
    ...(info.disabledBecause ? { disabledBecause: info.disabledBecause } : {}),
    hasConfig: Object.keys(deps.plugins.get(info.key)?.config.schema.shape ?? {}).length > 0,
    runtime: {
      ...(info.process
        ? {
          isolation: 'process' as const, processState: info.process.state, memoryMb: info.process.memoryMb, restarts: info.process.restarts,
          ...(info.process.pid !== undefined ? { pid: info.process.pid } : {}),
        }
        : { isolation: 'inline' as const, pid: process.pid, restarts: 0 }),
      errors: deps.metrics.snapshot().filter((s) => s.name === 'plugin_errors_total' && s.labels.plugin === info.key).reduce((n, s) => n + s.value, 0),
      ...(info.error
        ? { lastError: { type: info.error.type, message: info.error.message } }
        : info.process?.lastError ? { lastError: { type: 'ProcessExit', message: info.process.lastError.message } } : {}),
    },
  });
  const find = (k: string) => deps.plugins.list().find((p) => p.key === k);
  const notFound = (k: string) => ({ error: `no plugin ${k} (see GET /api/plugins)` });

  api.openapi(list, (c) => c.json(deps.plugins.list().map(view), 200));
  api.openapi(get, (c) => {
    const info = find(c.req.valid('param').key);
    if (!info) return c.json(notFound(c.req.valid('param').key), 404);
    return c.json({ ...view(info), ...(info.docs ? { docs: info.docs } : {}) }, 200);
  });
  for (const verb of ['enable', 'disable', 'reload'] as const) {
    api.openapi(action(verb, `${verb[0]!.toUpperCase()}${verb.slice(1)} the plugin`), async (c) => {
      const { key: k } = c.req.valid('param');
      if (!deps.plugins.get(k)) return c.json(notFound(k), 404);
      const actor = c.get('actor');
      try {
        if (verb === 'reload') await deps.plugins.reload(k);
        else await deps.plugins[verb](k);
      } catch (err) {
        deps.audit.record({ actor, action: `plugin.${verb}`, target: k, ok: false, detail: { error: (err as Error).message } });
        return c.json({ error: (err as Error).message }, 409);
      }
      deps.audit.record({ actor, action: `plugin.${verb}`, target: k, ok: true });
      return c.json(view(find(k)!), 200);
    });
  }
  api.openapi(readConfig, (c) => {
    const { key: k } = c.req.valid('param');
    const loaded = deps.plugins.get(k);
    if (!loaded) return c.json(notFound(k), 404);
    return c.json({ values: loaded.config.value as Record<string, unknown>, schema: loaded.config.jsonSchema() }, 200);
  });
  api.openapi(writeConfig, async (c) => {
    const { key: k } = c.req.valid('param');
    const loaded = deps.plugins.get(k);
    if (!loaded) return c.json(notFound(k), 404);
    const { values } = c.req.valid('json');
    const actor = c.get('actor');
    try {
      const saved = await loaded.config.update(values as never);
      deps.audit.record({ actor, action: 'plugin.config', target: k, ok: true, detail: { fields: Object.keys(values) } });
      return c.json({ values: saved as Record<string, unknown>, schema: loaded.config.jsonSchema() }, 200);
    } catch (err) {
      if (!(err instanceof PluginConfigError)) throw err;
      deps.audit.record({ actor, action: 'plugin.config', target: k, ok: false, detail: { fields: Object.keys(values), issues: err.issues } });
      return c.json({ error: err.message, issues: [...err.issues] }, 422);
    }
  });
}
