import { createHash } from 'node:crypto';
import { parseChatKey } from '../message/index.js';
import type { ArgSpec } from './args.js';
import type { RegisteredCommand } from './command.js';
import type { CommandService } from './command-service.js';
import type { CommandCaller } from './executor.js';
import { resolveText, type Lang } from './i18n.js';
import type { CommandOverrides } from './overrides.js';
import { CommandPermission, permits } from './permission.js';
import type { CommandResponse, CommandStatus, OutputSegment } from './response.js';
import { text } from './texts.js';

/** One argument in a tool's parameter schema (JSON Schema draft 2020-12). */
export interface JsonSchemaProperty {
  type: 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  /** The choices of a `str` argument. */
  enum?: string[];
  /** The inclusive range of an `int` or `float` argument. */
  minimum?: number;
  maximum?: number;
  default?: string | number | boolean;
  /** Extra guidance for the model (an annotation, ignored by validators). */
  'x-prompt-hint'?: string;
}

/** A tool's parameters: an object of the command's arguments, nothing else. */
export interface JsonSchema {
  type: 'object';
  properties: Record<string, JsonSchemaProperty>;
  /** Omitted when no argument is required. */
  required?: string[];
  additionalProperties: false;
}

/** A command as an OpenAI-style function tool. */
export interface CommandTool {
  type: 'function';
  function: { name: string; description: string; parameters: JsonSchema };
}

/** The merged outcome of a tool call: everything the command said, in one answer for the model (§1.4.7 `merge_responses`). */
export interface MergedToolResult {
  status: CommandStatus;
  /** The intermediate (`processing`) messages, one a line. */
  process_log?: string;
  message: string;
  data?: unknown;
  /** Images and files the command produced, from every response. */
  segments?: OutputSegment[];
}

export interface ExportToolsOptions {
  chatKey: string;
  lang: Lang;
  /** When given, only the commands this level may run there (after overrides). */
  level?: CommandPermission;
}

export interface ToolCallRequest {
  toolName: string;
  /** The function call's arguments: JSON text, as models send them, or already parsed. */
  arguments: string | Record<string, unknown>;
  chatKey: string;
  /** Default `agent`. */
  userId?: string;
  /** Default `AI Agent`. */
  userName?: string;
  /** Default: the service's default language, else `en_US`. */
  lang?: Lang;
  /** Default: the service's agent level, else PUBLIC: a tool call never runs above what is configured. */
  level?: CommandPermission;
}

/**
 * What tool calls need of the command service. `CommandService` fits; `agentLevel` and `defaultLang` are
 * read when the service exposes them, so the configured agent principal applies without being passed.
 */
export type ToolCommandService = Pick<CommandService, 'registry' | 'execute'> & {
  readonly agentLevel?: CommandPermission;
  readonly defaultLang?: Lang;
};

const MAX_NAME = 64;
const HASH_LENGTH = 6;
const UNSAFE = /[^A-Za-z0-9_-]/gu;
const HASHED = new RegExp(`_[0-9a-f]{${HASH_LENGTH}}$`);

/**
 * A command's function name (Decision §1.4.7): `namespace__name` with `.` and every other character
 * outside `[A-Za-z0-9_-]` as `_`, at most 64 characters. OpenAI rejects dots, and the reference's short names
 * collide across plugins. A name that had to change, or could be mistaken for another one, ends in `_` and
 * six hex digits of its full name's hash, so two commands never share a tool name.
 *
 * @example
 * commandToolName(weather)   // 'weather_plugin__weather'
 * commandToolName(configSet) // 'my_plugin__config_set_3f9a1c'
 */
export function commandToolName(command: Pick<RegisteredCommand, 'fullName' | 'namespace' | 'name'>): string {
  const joined = `${command.namespace}__${command.name}`;
  const safe = joined.replace(UNSAFE, '_');
  if (safe === joined && safe.length <= MAX_NAME && decodesUniquely(command.namespace) && !HASHED.test(safe)) return safe;
  const hash = createHash('sha256').update(command.fullName).digest('hex').slice(0, HASH_LENGTH);
  return `${safe.slice(0, MAX_NAME - HASH_LENGTH - 1)}_${hash}`;
}

/** The first `__` of `ns__name` ends the namespace only when `ns` has no `__` and does not end in `_`. */
function decodesUniquely(namespace: string): boolean {
  return !namespace.includes('__') && !namespace.endsWith('_');
}

/**
 * The commands the agent may call in a chat, as function tools: not internal, plugin enabled, enabled in
 * that chat, and (with `level`) permitted to that level after overrides. Descriptions are localized and
 * name the tags (Decision §1.4.7).
 */
export function exportCommandTools(commands: readonly RegisteredCommand[], overrides: CommandOverrides, opts: ExportToolsOptions): CommandTool[] {
  const { chatKey, lang, level } = opts;
  return commands
    .filter((c) => !c.internal && c.pluginEnabled() && overrides.isEnabled(c.fullName, chatKey))
    .filter((c) => level === undefined || permits(level, overrides.effectivePermission(c.fullName, chatKey, c.permission)))
    .map((c) => ({
      type: 'function',
      function: { name: commandToolName(c), description: toolDescription(c, lang), parameters: parametersSchema(c) },
    }));
}

function toolDescription(command: RegisteredCommand, lang: Lang): string {
  const description = resolveText(command.i18nDescription, lang, command.description);
  return command.tags.length > 0 ? `${description} (tags: ${command.tags.join(', ')})` : description;
}

/** The JSON Schema of a command's arguments; `additionalProperties: false` as `convertJsonArgs` refuses unknown keys. */
export function parametersSchema(command: Pick<RegisteredCommand, 'args'>): JsonSchema {
  const entries = Object.entries(command.args);
  const required = entries.filter(([, spec]) => spec.required).map(([name]) => name);
  return {
    type: 'object',
    properties: Object.fromEntries(entries.map(([name, spec]) => [name, propertySchema(spec)])),
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

const JSON_TYPES = { str: 'string', int: 'integer', float: 'number', bool: 'boolean' } as const;

function propertySchema(spec: ArgSpec): JsonSchemaProperty {
  const numeric = spec.type === 'int' || spec.type === 'float';
  return {
    type: JSON_TYPES[spec.type],
    ...(spec.description ? { description: spec.description } : {}),
    // Choices bind only `str` arguments (§1.4.4); an enum of strings on a number would refuse every value.
    ...(spec.type === 'str' && spec.choices && spec.choices.length > 0 ? { enum: [...spec.choices] } : {}),
    ...(numeric && spec.range ? { minimum: spec.range[0], maximum: spec.range[1] } : {}),
    ...(!spec.required && isJsonScalar(spec.default) ? { default: spec.default } : {}),
    ...(spec.promptHint ? { 'x-prompt-hint': spec.promptHint } : {}),
  };
}

function isJsonScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

const NOT_JSON: Record<Lang, string> = {
  en_US: 'the arguments are not valid JSON ({error})',
  zh_CN: '参数不是有效的 JSON ({error})',
};

/**
 * Runs a command called as a tool and merges its responses. The JSON arguments are converted directly
 * (no text parsing), and the call runs as an explicit agent caller whose level is checked like anyone's:
 * never silently as a super user (Decision §1.4.7). Throws `ChatKeyError` for a malformed `chatKey`, which
 * comes from the framework, not from the model.
 *
 * @example
 * const result = await executeCommandTool(app.commands, { toolName: 'weather_plugin__weather', arguments: '{"days":2}', chatKey: 'onebot-group_1' });
 * result.status // 'success'
 */
export async function executeCommandTool(service: ToolCommandService, req: ToolCallRequest): Promise<MergedToolResult> {
  const lang = req.lang ?? service.defaultLang ?? 'en_US';
  const command = service.registry.list().find((c) => commandToolName(c) === req.toolName);
  if (!command) return { status: 'not_found', message: text('notFound', lang, { name: req.toolName }) };
  const json = parseToolArguments(req.arguments);
  if (!json.ok) {
    return { status: 'invalid_args', message: text('invalidArgs', lang, { message: NOT_JSON[lang].replace('{error}', json.error) }) };
  }
  const caller: CommandCaller = {
    userId: req.userId ?? 'agent',
    userName: req.userName ?? 'AI Agent',
    chatKey: req.chatKey,
    adapter: parseChatKey(req.chatKey).adapter,
    level: req.level ?? service.agentLevel ?? CommandPermission.PUBLIC,
    lang,
    source: 'agent',
  };
  return mergeToolResponses(service.execute({ name: command.fullName, json: json.value, caller }), lang);
}

/** Models send `""` for a call without arguments. */
function parseToolArguments(input: string | Record<string, unknown>): { ok: true; value: unknown } | { ok: false; error: string } {
  if (typeof input !== 'string') return { ok: true, value: input };
  if (input.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(input) as unknown };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Merges a command's response stream (§1.4.7 `merge_responses`): `processing` messages into
 * `process_log`, the last other response wins status, message and data. A `waiting` response keeps its
 * status with the options in the message: the model cannot answer the prompt. A stream of only
 * `processing` messages succeeded, its last message being the result.
 */
export async function mergeToolResponses(responses: AsyncIterable<CommandResponse>, lang: Lang): Promise<MergedToolResult> {
  const log: string[] = [];
  const segments: OutputSegment[] = [];
  let final: CommandResponse | undefined;
  for await (const r of responses) {
    if (r.segments) segments.push(...r.segments);
    if (r.status !== 'processing') final = r;
    else {
      const message = resolveText(r.message, lang);
      if (message) log.push(message);
    }
  }
  if (!final && log.length === 0 && segments.length === 0) return { status: 'error', message: text('noResponse', lang) };
  const outcome = final ? terminal(final, lang) : { status: 'success' as const, message: log.pop() ?? '' };
  return {
    status: outcome.status,
    ...(log.length > 0 ? { process_log: log.join('\n') } : {}),
    message: outcome.message,
    ...(final?.data !== undefined ? { data: final.data } : {}),
    ...(segments.length > 0 ? { segments } : {}),
  };
}

function terminal(response: CommandResponse, lang: Lang): { status: CommandStatus; message: string } {
  const message = resolveText(response.message, lang);
  const options = response.status === 'waiting' && response.waitOptions?.length ? response.waitOptions : undefined;
  if (!options) return { status: response.status, message };
  const list = text('options', lang, { options: options.join(' / ') });
  return { status: response.status, message: message ? `${message}\n${list}` : list };
}
