import type { UploadedFile } from './fake-body.js';
import { commandProblem, storedCommands } from './fake-commands.js';
import { CHANNEL, snowflake, user, type Json } from './fake-payloads.js';

/** One REST request the fake received. */
export interface RestCall {
  method: string;
  /** Without the `/api/v10` prefix, e.g. `/channels/123/messages`. */
  path: string;
  query: URLSearchParams;
  /** The JSON body, or multipart's `payload_json`. */
  body: unknown;
  files: UploadedFile[];
  contentType: string | undefined;
  authorization: string | undefined;
  /** What the fake answered. */
  status: number;
}

export interface RestAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A channel the fake knows; messages to any other id get 404 Unknown Channel (10003). */
export interface KnownChannel {
  id: string;
  type: number;
  guildId?: string;
  parentId?: string;
  recipient?: string;
}

export interface InteractionState {
  id: string;
  token: string;
  channelId: string;
  issuedAt: number;
  acked: boolean;
  original?: Json;
}

/** The state REST answers read and change; the fake owns it. */
export interface RestWorld {
  token: string;
  bot: Json;
  applicationId: string;
  gatewayUrl(): string;
  channels: Map<string, KnownChannel>;
  /** Channels where the bot lacks Send Messages: 403 Missing Permissions (50013). */
  forbidden: Set<string>;
  messages: Map<string, Json>;
  commands: Map<string, Json[]>;
  interactions: Map<string, InteractionState>;
  /** A callback later than this after the interaction was sent gets 404 Unknown interaction (Discord: 3 s). */
  interactionDeadlineMs: number;
  /** Largest upload per request (Discord: 10 MiB unless boosted). */
  uploadLimitBytes: number;
}

const error = (status: number, code: number, message: string, errors?: Json): RestAnswer => ({ status, body: { code, message, ...(errors ? { errors } : {}) } });
const ok = (body: unknown): RestAnswer => ({ status: 200, body });
// Interaction callbacks answer 204 with no body and no content type.
const noContent: RestAnswer = { status: 204 };

type Handler = (w: RestWorld, m: RegExpExecArray, call: RestCall) => RestAnswer;

/** Routes of REST v10 the fake implements, by method and path. */
const ROUTES: [string, RegExp, Handler][] = [
  ['GET', /^\/gateway\/bot$/, (w) => ok({ url: w.gatewayUrl(), shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } })],
  ['GET', /^\/gateway$/, (w) => ok({ url: w.gatewayUrl() })],
  ['GET', /^\/users\/@me$/, (w) => ok(w.bot)],
  ['GET', /^\/applications\/@me$/, (w) => ok({ id: w.applicationId, name: 'Neko', description: '', bot_public: true, bot_require_code_grant: false, flags: 0, bot: w.bot })],
  ['GET', /^\/channels\/(\d+)$/, (w, m) => channelAnswer(w, m[1]!)],
  ['POST', /^\/channels\/(\d+)\/messages$/, (w, m, call) => createMessage(w, m[1]!, call)],
  ['POST', /^\/channels\/(\d+)\/typing$/, (w, m) => (w.channels.has(m[1]!) ? noContent : error(404, 10003, 'Unknown Channel'))],
  ['POST', /^\/users\/@me\/channels$/, (w, _m, call) => openDm(w, call)],
  ['GET', /^\/applications\/(\d+)\/commands$/, (w) => ok(w.commands.get('global') ?? [])],
  ['PUT', /^\/applications\/(\d+)\/commands$/, (w, _m, call) => putCommands(w, 'global', undefined, call)],
  ['GET', /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/, (w, m) => ok(w.commands.get(m[2]!) ?? [])],
  ['PUT', /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/, (w, m, call) => putCommands(w, m[2]!, m[2]!, call)],
  ['POST', /^\/interactions\/(\d+)\/([^/]+)\/callback$/, (w, m, call) => interactionCallback(w, m[1]!, m[2]!, call)],
  ['PATCH', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/, (w, m, call) => editOriginal(w, m[2]!, call)],
  ['DELETE', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/, (w, m) => deleteOriginal(w, m[2]!)],
  ['POST', /^\/webhooks\/(\d+)\/([^/]+)$/, (w, m, call) => followUp(w, m[2]!, call)],
];

/** Answers a REST call as Discord would, from the world's state. */
export function answerRest(w: RestWorld, call: RestCall): RestAnswer {
  const route = ROUTES.find(([method, path]) => method === call.method && path.test(call.path));
  if (!route) return error(404, 0, '404: Not Found');
  const needsAuth = !call.path.startsWith('/interactions/') && !call.path.startsWith('/webhooks/');
  if (needsAuth && call.authorization !== `Bot ${w.token}`) return error(401, 0, '401: Unauthorized');
  return route[2](w, route[1].exec(call.path)!, call);
}

function channelAnswer(w: RestWorld, id: string): RestAnswer {
  const c = w.channels.get(id);
  if (!c) return error(404, 10003, 'Unknown Channel');
  return ok({ id: c.id, type: c.type, ...(c.guildId ? { guild_id: c.guildId } : {}), ...(c.parentId ? { parent_id: c.parentId } : {}), ...(c.recipient ? { recipients: [user({ id: c.recipient })] } : {}) });
}

function openDm(w: RestWorld, call: RestCall): RestAnswer {
  const recipient = String((call.body as Json | undefined)?.recipient_id ?? '');
  if (!/^\d+$/.test(recipient)) return error(400, 50035, 'Invalid Form Body');
  let dm = [...w.channels.values()].find((c) => c.type === CHANNEL.DM && c.recipient === recipient);
  if (!dm) {
    dm = { id: snowflake(), type: CHANNEL.DM, recipient };
    w.channels.set(dm.id, dm);
  }
  return ok({ id: dm.id, type: CHANNEL.DM, last_message_id: null, flags: 0, recipients: [user({ id: recipient })] });
}

/** What Discord refuses in a message body (content length, empty messages, attachment count and size). */
function messageProblem(w: RestWorld, body: Json, files: UploadedFile[]): RestAnswer | undefined {
  const content = typeof body.content === 'string' ? body.content : '';
  if (content.length > 2000) return error(400, 50035, 'Invalid Form Body', { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } });
  if (files.length > 10) return error(400, 50035, 'Invalid Form Body', { files: { _errors: [{ code: 'MAX_FILES', message: 'at most 10 files' }] } });
  if (files.reduce((n, f) => n + f.size, 0) > w.uploadLimitBytes) return error(413, 40005, 'Request entity too large');
  const embeds = Array.isArray(body.embeds) ? body.embeds.length : 0;
  const components = Array.isArray(body.components) ? body.components.length : 0;
  if (!content.trim() && embeds === 0 && files.length === 0 && components === 0) return error(400, 50006, 'Cannot send an empty message');
  return undefined;
}

function storeMessage(w: RestWorld, channelId: string, body: Json, files: UploadedFile[], extra: Json = {}): Json {
  const id = snowflake();
  const reference = body.message_reference as Json | undefined;
  const stored: Json = {
    id, channel_id: channelId, author: w.bot, content: typeof body.content === 'string' ? body.content : '', timestamp: new Date().toISOString(),
    edited_timestamp: null, tts: false, mention_everyone: false, mentions: [], mention_roles: [], pinned: false,
    type: reference ? 19 : 0, flags: Number(body.flags ?? 0), embeds: body.embeds ?? [], components: body.components ?? [],
    attachments: files.map((f) => ({ id: snowflake(), filename: f.name, size: f.size, content_type: f.contentType, url: `https://cdn.discordapp.invalid/attachments/${channelId}/${id}/${f.name}` })),
    ...(reference ? { message_reference: { type: 0, channel_id: channelId, ...reference } } : {}),
    ...extra,
  };
  w.messages.set(id, stored);
  return stored;
}

function createMessage(w: RestWorld, channelId: string, call: RestCall): RestAnswer {
  if (!w.channels.has(channelId)) return error(404, 10003, 'Unknown Channel');
  if (w.forbidden.has(channelId)) return error(403, 50013, 'Missing Permissions');
  const body = (call.body ?? {}) as Json;
  return messageProblem(w, body, call.files) ?? ok(storeMessage(w, channelId, body, call.files));
}

function putCommands(w: RestWorld, scope: string, guildId: string | undefined, call: RestCall): RestAnswer {
  const problem = commandProblem(call.body);
  if (problem) return error(400, 50035, `Invalid Form Body (${problem})`);
  const stored = storedCommands(w.applicationId, guildId, call.body as Json[], w.commands.get(scope) ?? []);
  w.commands.set(scope, stored);
  return ok(stored);
}

function interactionCallback(w: RestWorld, id: string, token: string, call: RestCall): RestAnswer {
  const i = w.interactions.get(id);
  if (!i || i.token !== token) return error(404, 10062, 'Unknown interaction');
  if (i.acked) return error(400, 40060, 'Interaction has already been acknowledged.');
  if (Date.now() - i.issuedAt > w.interactionDeadlineMs) return error(404, 10062, 'Unknown interaction');
  const body = (call.body ?? {}) as { type?: number; data?: Json };
  // 4 CHANNEL_MESSAGE_WITH_SOURCE, 5 DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, 6 DEFERRED_UPDATE_MESSAGE, 7 UPDATE_MESSAGE.
  if (![4, 5, 6, 7].includes(Number(body.type))) return error(400, 50035, 'Invalid Form Body');
  if (body.type === 4) {
    const problem = messageProblem(w, body.data ?? {}, call.files);
    if (problem) return problem;
  }
  i.acked = true;
  if (body.type === 4) i.original = storeMessage(w, i.channelId, body.data ?? {}, call.files, { interaction_id: id });
  if (body.type === 5) i.original = storeMessage(w, i.channelId, { content: '', flags: body.data?.flags ?? 0 }, [], { interaction_id: id, deferred: true });
  return noContent;
}

function byToken(w: RestWorld, token: string): InteractionState | undefined {
  return [...w.interactions.values()].find((i) => i.token === token);
}

function editOriginal(w: RestWorld, token: string, call: RestCall): RestAnswer {
  const i = byToken(w, token);
  if (!i?.original) return error(404, 10008, 'Unknown Message');
  const body = (call.body ?? {}) as Json;
  const problem = messageProblem(w, { ...i.original, ...body }, call.files);
  if (problem) return problem;
  Object.assign(i.original, body, { edited_timestamp: new Date().toISOString(), deferred: false });
  return ok(i.original);
}

function deleteOriginal(w: RestWorld, token: string): RestAnswer {
  const i = byToken(w, token);
  if (!i?.original) return error(404, 10008, 'Unknown Message');
  w.messages.delete(String(i.original.id));
  i.original = undefined;
  return noContent;
}

function followUp(w: RestWorld, token: string, call: RestCall): RestAnswer {
  const i = byToken(w, token);
  if (!i?.acked) return error(404, 10015, 'Unknown Webhook');
  const body = (call.body ?? {}) as Json;
  return messageProblem(w, body, call.files) ?? ok(storeMessage(w, i.channelId, body, call.files, { webhook_id: w.applicationId }));
}
