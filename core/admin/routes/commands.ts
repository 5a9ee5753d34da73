import { createRoute, z } from '@hono/zod-openapi';
import { CommandPermission, GLOBAL, resolveText, type ExecutionResponse, type Lang, type RegisteredCommand } from '../../command/index.js';
import { isChatKey, parseChatKey } from '../../message/index.js';
import { errorResponse, GUARDED, jsonBody, jsonResponse, type AdminApp, type AdminDeps } from '../admin-deps.js';
import { sseSequence } from '../sse.js';

const Level = z.enum(['public', 'user', 'advanced', 'super_user']);
const Scope = z.string().min(1).max(200).openapi({ description: '`global`, or a chat key such as `onebot-group_123`', example: 'global' });

const Command = z
  .object({
    fullName: z.string(),
    name: z.string(),
    namespace: z.string(),
    description: z.string(),
    aliases: z.array(z.string()),
    usage: z.string(),
    category: z.string(),
    plugin: z.string(),
    pluginEnabled: z.boolean(),
    permission: Level.openapi({ description: 'As declared' }),
    args: z.array(
      z.object({
        name: z.string(), type: z.enum(['str', 'int', 'float', 'bool']), description: z.string(), required: z.boolean(),
        positional: z.boolean(), greedy: z.boolean(), default: z.unknown().optional(), choices: z.array(z.string()).optional(),
        range: z.tuple([z.number(), z.number()]).optional(),
      }),
    ),
    overrides: z.object({
      permission: z.record(z.string(), Level).openapi({ description: 'By scope (`*` = global)' }),
      enabled: z.record(z.string(), z.boolean()).openapi({ description: 'By scope (`*` = global)' }),
    }),
  })
  .openapi('Command');

const name = z.object({ name: z.string().min(1).max(200).openapi({ param: { name: 'name', in: 'path' }, example: 'built_in:echo' }) });
const tags = ['commands'];

const list = createRoute({ method: 'get', path: '/api/commands', tags, summary: 'Commands with their arguments, permissions and overrides', responses: { 200: jsonResponse(z.array(Command), 'Every command'), ...GUARDED } });
const setPermission = createRoute({
  method: 'put', path: '/api/commands/{name}/permission', tags, summary: 'Override who may run the command, globally or in one chat',
  request: { params: name, body: jsonBody(z.object({ scope: Scope, level: Level.nullable().openapi({ description: 'null removes the override' }) })) },
  responses: { 200: jsonResponse(Command, 'The command afterwards'), 404: errorResponse('No such command'), 400: errorResponse('Invalid scope'), ...GUARDED },
});
const setEnabled = createRoute({
  method: 'put', path: '/api/commands/{name}/enabled', tags, summary: 'Enable or disable the command, globally or in one chat',
  request: { params: name, body: jsonBody(z.object({ scope: Scope, enabled: z.boolean() })) },
  responses: { 200: jsonResponse(Command, 'The command afterwards'), 404: errorResponse('No such command'), 400: errorResponse('Invalid scope'), ...GUARDED },
});
const execute = createRoute({
  method: 'post', path: '/api/commands/execute', tags, summary: 'Run a command as the admin (super user); its responses stream as Server-Sent Events',
  request: {
    body: jsonBody(
      z.object({
        text: z.string().min(1).max(10_000).openapi({ description: 'The command as typed in a chat, with or without the prefix', example: '/echo hello' }),
        chatKey: z.string().max(200).optional().openapi({ description: 'The chat it runs for (default `web-private_admin`)' }),
        lang: z.enum(['en_US', 'zh_CN']).optional(),
      }),
    ),
  },
  responses: {
    200: { description: '`response` events ({status, message, segments, data}) as the command yields them, then `end`', content: { 'text/event-stream': { schema: z.string() } } },
    400: errorResponse('Invalid chat key'),
    ...GUARDED,
  },
});

/** The chat a command run from the admin API belongs to, unless the request names one. */
export const ADMIN_CHAT = 'web-private_admin';

export function commandRoutes(api: AdminApp, deps: AdminDeps): void {
  const { commands } = deps;
  const view = (c: RegisteredCommand): z.infer<typeof Command> => ({
    fullName: c.fullName, name: c.name, namespace: c.namespace, description: c.description, aliases: [...c.aliases], usage: c.usage,
    category: c.category, plugin: c.source, pluginEnabled: c.pluginEnabled(), permission: c.permission,
    args: Object.entries(c.args).map(([argName, a]) => ({
      name: argName, type: a.type, description: a.description, required: a.required, positional: a.positional, greedy: a.greedy,
      ...(a.default !== undefined ? { default: a.default } : {}), ...(a.choices ? { choices: [...a.choices] } : {}), ...(a.range ? { range: [a.range[0], a.range[1]] as [number, number] } : {}),
    })),
    overrides: commands.overrides.of(c.fullName),
  });
  const scopeOf = (scope: string): string | undefined => (scope === 'global' || scope === GLOBAL ? GLOBAL : isChatKey(scope) ? scope : undefined);
  const badScope = (scope: string) => ({ error: `scope must be "global" or a chat key such as onebot-group_123, not "${scope.slice(0, 100)}"` });

  api.openapi(list, (c) => c.json(commands.registry.list({ includeInternal: true }).map(view), 200));
  /** The command and scope an override names, or the answer refusing them. */
  const target = (name: string, scope: string): { command: RegisteredCommand; scope: string } | { status: 400 | 404; body: { error: string } } => {
    const command = commands.registry.get(name);
    if (!command) return { status: 404, body: { error: `no command ${name} (full names look like built_in:echo)` } };
    const resolved = scopeOf(scope);
    return resolved ? { command, scope: resolved } : { status: 400, body: badScope(scope) };
  };
  api.openapi(setPermission, async (c) => {
    const body = c.req.valid('json');
    const t = target(c.req.valid('param').name, body.scope);
    if ('status' in t) return c.json(t.body, t.status);
    await commands.overrides.setPermission(t.command.fullName, t.scope, body.level ?? undefined, t.command.permission);
    deps.audit.record({ actor: c.get('actor'), action: 'command.permission', target: t.command.fullName, ok: true, detail: { scope: t.scope, level: body.level } });
    return c.json(view(t.command), 200);
  });
  api.openapi(setEnabled, async (c) => {
    const body = c.req.valid('json');
    const t = target(c.req.valid('param').name, body.scope);
    if ('status' in t) return c.json(t.body, t.status);
    await commands.overrides.setEnabled(t.command.fullName, t.scope, body.enabled);
    deps.audit.record({ actor: c.get('actor'), action: 'command.enabled', target: t.command.fullName, ok: true, detail: { scope: t.scope, enabled: body.enabled } });
    return c.json(view(t.command), 200);
  });
  api.openapi(execute, (c) => {
    const body = c.req.valid('json');
    const chatKey = body.chatKey ?? ADMIN_CHAT;
    if (!isChatKey(chatKey)) return c.json({ error: `not a chat key: ${chatKey.slice(0, 100)}` }, 400);
    const lang: Lang = body.lang ?? commands.defaultLang;
    const adapter = parseChatKey(chatKey).adapter;
    const text = body.text.trim().replace(new RegExp(`^${escape(commands.prefixFor(adapter))}`), '');
    const space = text.search(/\s/);
    const [commandName, raw] = space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space + 1)];
    const actor = c.get('actor');
    deps.audit.record({ actor, action: 'command.execute', target: commandName, ok: true, detail: { chatKey } });
    const responses = commands.execute({
      name: commandName, raw,
      caller: { userId: 'admin', userName: 'admin', chatKey, adapter, level: CommandPermission.SUPER_USER, lang, source: 'admin' },
    });
    return sseSequence(c, events(responses, lang)) as never;
  });
}

async function* events(responses: AsyncIterable<ExecutionResponse>, lang: Lang): AsyncGenerator<{ event: string; data: unknown }> {
  for await (const r of responses) {
    yield { event: 'response', data: { status: r.status, message: resolveText(r.message, lang), segments: r.segments ?? [], ...(r.data === undefined ? {} : { data: r.data }) } };
  }
  yield { event: 'end', data: {} };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
