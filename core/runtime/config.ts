import { z } from 'zod';
import { DEFAULT_AGENT_SETTINGS, type AgentSettings } from '../agent/index.js';
import type { CommandSettings } from '../command/index.js';
import { ConfigError } from '../errors/index.js';
import { isHttpUrl, webhookIssues } from './webhook-settings.js';

// Whole decimal numbers only: Number() would also take '0x10' and '1e3', which nobody means in a setting.
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^-?\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `expected a number ≥ ${min}`).max(max, `expected a number ≤ ${max}`));
const strategy = z.enum(['buffer', 'flush', 'trigger', 'record', 'discard']);
const status = z.enum(['success', 'error', 'unauthorized', 'not_found', 'invalid_args', 'disabled', 'processing', 'waiting']);
const list = (value: string): string[] => value.split(',').map((w) => w.trim()).filter((w) => w.length > 0);
function parseJson(value: string, ctx: z.core.$RefinementCtx<unknown>): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a JSON object, e.g. {"onebot":{"prefix":"#"}}' });
    return z.NEVER;
  }
}
const adapterCommandSettings = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/, 'adapter names are lowercase'),
  z.strictObject({
    enabled: z.boolean().optional(),
    prefix: z.string().min(1).max(8).optional(),
    unauthorizedOutput: z.boolean().optional(),
    silentStatuses: z.array(status).optional(),
    recordInput: z.boolean().optional(),
    unknownReply: z.enum(['suggest', 'silent']).optional(),
    quoteReplies: z.boolean().optional(),
  }),
);
const bool = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const flag = z.enum(['auto', '0', '1', 'true', 'false']).transform((v) => (v === 'auto' ? 'auto' : v === '1' || v === 'true'));

/**
 * Every setting, read once from the environment (and `.env`). `.env.example` documents each one; keep
 * the two in step. A bad value stops start-up with a message naming the variable.
 */
const envSchema = z
  .object({
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
    DATA_DIR: z.string().min(1).default('./data'),
    DEBOUNCE_MS: int(0).default(1500),
    MAX_BATCH: int(1).default(10),
    MAX_WAIT_MS: int(0).default(6000),
    MAX_CONCURRENT_CHATS: int(1).default(32),
    DEDUPE_TTL_MS: int(0).default(600_000),
    DEDUPE_MAX_IDS: int(1).default(200_000),
    SHUTDOWN_TIMEOUT_MS: int(0).default(10_000),
    CONSOLE: flag.default('auto'),
    CONSOLE_USER: z.string().min(1).default('local'),
    CHAT_PRIVATE: strategy.default('buffer'),
    CHAT_GROUP_MENTIONED: strategy.default('buffer'),
    CHAT_GROUP_OTHER: strategy.default('record'),
    WAKE_WORDS: z.string().default(''),
    PLUGIN_DIRS: z.string().default(''),
    PLUGINS_ENABLED: z.string().default(''),
    PLUGIN_WATCH: bool.default(false),
    PLUGIN_CALL_TIMEOUT_MS: int(1).default(30_000),
    COMMANDS_ENABLED: bool.default(true),
    COMMAND_PREFIX: z.string().min(1).max(8).default('/'),
    COMMAND_UNKNOWN_REPLY: z.enum(['suggest', 'silent']).default('suggest'),
    COMMAND_UNAUTHORIZED_OUTPUT: bool.default(true),
    COMMAND_SILENT_STATUSES: z.string().default('').pipe(z.transform(list)).pipe(z.array(status)),
    RECORD_COMMAND_INPUT: bool.default(false),
    COMMAND_ADAPTERS: z.string().default('{}').pipe(z.transform(parseJson)).pipe(adapterCommandSettings),
    COMMAND_GREEDY_AFTER_POSITIONALS: bool.default(false),
    COMMAND_STRICT_BOOL: bool.default(false),
    SUPER_USERS: z.string().default('').pipe(z.transform(list)).pipe(z.array(z.string().regex(/^[a-z][a-z0-9_]*:.+$/, 'entries must look like adapter:userId, e.g. onebot:12345'))),
    DEFAULT_LANG: z.enum(['zh_CN', 'en_US']).default('en_US'),
    AGENT_COMMAND_PERMISSION: z.enum(['public', 'user', 'advanced', 'super_user']).default('user'),
    LLM_BASE_URL: z.string().regex(/^https?:\/\//, 'expected the http(s) URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1').optional(),
    LLM_API_KEY: z.string().default(''),
    LLM_MODEL: z.string().optional(),
    LLM_FALLBACK_MODELS: z.string().default('').pipe(z.transform(list)),
    LLM_TIMEOUT_MS: int(1000).default(60_000),
    LLM_MAX_RETRIES: int(0, 10).default(2),
    AGENT_PERSONA: z.string().optional(),
    AGENT_REPLY_FORMAT: z.enum(['xml', 'text']).default('xml'),
    AGENT_MAX_STEPS: int(1, 50).default(5),
    AGENT_MAX_TOOL_CALLS: int(0, 100).default(5),
    AGENT_TOOL_TIMEOUT_MS: int(0).default(60_000),
    AGENT_HISTORY_TURNS: int(0, 1000).default(20),
    AGENT_HISTORY_TOKENS: int(0).default(6000),
    AGENT_CONTEXT_MESSAGES: int(0, 200).default(20),
    AGENT_ERROR_REPLY: z.string().default(''),
    AGENT_ALLOW_ABSOLUTE_PATHS: bool.default(false),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379').optional(),
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, "_", ".", ":" or "-"').default('nekomata'),
    ROLE: z.enum(['all', 'gateway', 'worker']).default('all'),
    BUFFER_LOCK_MS: int(500).default(10_000),
    BUFFER_PARTITIONS: int(1, 1024).default(8),
    BUFFER_SPOOL_MAX: int(0).default(20_000),
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    HTTP_PORT: int(0, 65535).optional(),
    ONEBOT_WS_URLS: z.string().default('').pipe(z.transform(list)).pipe(z.array(z.string().regex(/^wss?:\/\//, 'entries must be ws:// or wss:// URLs'))),
    ONEBOT_REVERSE_HOST: z.string().default('127.0.0.1'),
    ONEBOT_REVERSE_PORT: int(0, 65535).optional(),
    ONEBOT_ACCESS_TOKEN: z.string().default(''),
    ONEBOT_CALL_TIMEOUT_MS: int(1).default(30_000),
    ONEBOT_MAX_FRAME_BYTES: int(1024).default(1024 * 1024),
    ONEBOT_QUOTE_COMMAND_REPLIES: bool.default(false),
    TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a token from @BotFather, like 123456:ABC-def…').optional(),
    TELEGRAM_API_ROOT: z.string().regex(/^https?:\/\//, 'expected an http(s) URL of a Bot API server').optional(),
    TELEGRAM_POLLING_TIMEOUT_SEC: int(0, 50).default(30),
    TELEGRAM_WEBHOOK_URL: z.string().refine(isHttpUrl, 'expected the public https URL Telegram posts updates to, e.g. https://bot.example.com/telegram').optional(),
    // Bot API setWebhook: secret_token is 1-256 characters A-Z, a-z, 0-9, _ and -.
    TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected 1-256 letters, digits, "_" or "-"').optional(),
  })
  .superRefine((env, ctx) => {
    if (!env.LLM_MODEL && (env.LLM_BASE_URL || env.LLM_API_KEY || env.LLM_FALLBACK_MODELS.length > 0)) {
      const message = 'LLM_MODEL is not set: name the model to use (e.g. gpt-4o-mini, deepseek-chat, qwen2.5:7b), or unset the other LLM_* settings';
      ctx.addIssue({ code: 'custom', path: ['LLM_MODEL'], message, params: { variables: ['LLM_MODEL'] } });
    }
    if (env.ROLE !== 'all' && !env.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['ROLE'], message: `ROLE=${env.ROLE} needs REDIS_URL: gateways and workers meet in Redis`, params: { variables: ['ROLE', 'REDIS_URL'] } });
    }
    if (env.MAX_WAIT_MS < env.DEBOUNCE_MS) {
      const message = `MAX_WAIT_MS (${env.MAX_WAIT_MS}) must be ≥ DEBOUNCE_MS (${env.DEBOUNCE_MS}): raise MAX_WAIT_MS or lower DEBOUNCE_MS`;
      ctx.addIssue({ code: 'custom', path: ['MAX_WAIT_MS'], message, params: { variables: ['MAX_WAIT_MS', 'DEBOUNCE_MS'] } });
    }
    for (const [variables, message] of webhookIssues(env)) ctx.addIssue({ code: 'custom', path: [variables[0]!], message, params: { variables } });
  });

export type ChatStrategy = z.infer<typeof strategy>;

export interface Config {
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logFormat: 'auto' | 'pretty' | 'json';
  dataDir: string;
  buffer: { debounceMs: number; maxBatch: number; maxWaitMs: number };
  maxConcurrentChats: number;
  dedupeTtlMs: number;
  /** At most this many ids per generation of the duplicate filter (it keeps two). */
  dedupeMaxIds: number;
  shutdownTimeoutMs: number;
  console: { enabled: boolean | 'auto'; userId: string };
  chatPolicy: { private: ChatStrategy; groupMentioned: ChatStrategy; groupOther: ChatStrategy; wakeWords: string[] };
  plugins: { dirs: string[]; enabled: string[]; watch: boolean; callTimeoutMs: number };
  commands: CommandSettings;
  /** Set: the buffer, store and outbox run on Redis, shared by every process with the same URL and prefix. */
  /** `spoolMax`: messages a process holds while Redis is unreachable before it refuses more. */
  redis: { url: string; prefix: string; lockMs: number; partitions: number; spoolMax: number } | undefined;
  /** all: everything in one process; gateway: adapters, ingest and commands; worker: batches and sessions. */
  role: 'all' | 'gateway' | 'worker';
  /** Set when the OneBot adapter is enabled (ONEBOT_WS_URLS or ONEBOT_REVERSE_PORT). */
  onebot:
    | {
        wsUrls: string[];
        reverse: { host: string; port: number } | undefined;
        accessToken: string;
        callTimeoutMs: number;
        maxFrameBytes: number;
      }
    | undefined;
  /** Set when `HTTP_PORT` is: the app's HTTP server (health check, webhooks). */
  http: { host: string; port: number } | undefined;
  /** Set when `TELEGRAM_BOT_TOKEN` is; `webhook` set when `TELEGRAM_WEBHOOK_URL` is (no polling then). */
  telegram: { token: string; apiRoot?: string; pollingTimeoutSec: number; webhook?: { url: string; secret: string } } | undefined;
  /** Set when `LLM_MODEL` is: batches are answered by the agent through this OpenAI-compatible API. */
  llm: { baseUrl: string; apiKey: string; models: string[]; timeoutMs: number; maxRetries: number } | undefined;
  agent: Omit<AgentSettings, 'dataDir'>;
}



/** The names of every setting, for documentation checks. */
export const configVariables: readonly string[] = Object.keys(envSchema.shape);

/**
 * Reads the configuration from `env`. Empty values count as unset. Throws `ConfigError` listing every bad
 * variable with what was expected and what was found.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const name of configVariables) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') input[name] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      // A rule between two settings names both and already says what each is.
      const between = issue.code === 'custom' ? (issue.params as { variables?: string[] } | undefined)?.variables : undefined;
      if (between) return { names: between, text: `  ${issue.message}` };
      const name = String(issue.path[0] ?? '(environment)');
      const got = input[name] === undefined ? '' : ` (got "${input[name]}")`;
      return { names: [name], text: `  ${name}: ${issue.message}${got}` };
    });
    throw new ConfigError(
      [...new Set(lines.flatMap((l) => l.names))],
      `Invalid configuration; fix these settings in the environment or .env (see .env.example):\n${lines.map((l) => l.text).join('\n')}`,
    );
  }
  const e = parsed.data;
  return {
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    dataDir: e.DATA_DIR,
    buffer: { debounceMs: e.DEBOUNCE_MS, maxBatch: e.MAX_BATCH, maxWaitMs: e.MAX_WAIT_MS },
    maxConcurrentChats: e.MAX_CONCURRENT_CHATS,
    dedupeTtlMs: e.DEDUPE_TTL_MS,
    dedupeMaxIds: e.DEDUPE_MAX_IDS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    console: { enabled: e.CONSOLE, userId: e.CONSOLE_USER },
    chatPolicy: {
      private: e.CHAT_PRIVATE,
      groupMentioned: e.CHAT_GROUP_MENTIONED,
      groupOther: e.CHAT_GROUP_OTHER,
      wakeWords: list(e.WAKE_WORDS),
    },
    plugins: { dirs: list(e.PLUGIN_DIRS), enabled: list(e.PLUGINS_ENABLED), watch: e.PLUGIN_WATCH, callTimeoutMs: e.PLUGIN_CALL_TIMEOUT_MS },
    commands: {
      defaults: {
        enabled: e.COMMANDS_ENABLED,
        prefix: e.COMMAND_PREFIX,
        unauthorizedOutput: e.COMMAND_UNAUTHORIZED_OUTPUT,
        silentStatuses: e.COMMAND_SILENT_STATUSES,
        recordInput: e.RECORD_COMMAND_INPUT,
        unknownReply: e.COMMAND_UNKNOWN_REPLY,
        quoteReplies: false,
      },
      adapters: withOneBotQuote(e.COMMAND_ADAPTERS as CommandSettings['adapters'], e.ONEBOT_QUOTE_COMMAND_REPLIES),
      superUsers: e.SUPER_USERS,
      defaultLang: e.DEFAULT_LANG,
      agentLevel: e.AGENT_COMMAND_PERMISSION,
      greedyAfterPositionals: e.COMMAND_GREEDY_AFTER_POSITIONALS,
      strictBool: e.COMMAND_STRICT_BOOL,
      callTimeoutMs: e.PLUGIN_CALL_TIMEOUT_MS,
    },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, lockMs: e.BUFFER_LOCK_MS, partitions: e.BUFFER_PARTITIONS, spoolMax: e.BUFFER_SPOOL_MAX } : undefined,
    role: e.ROLE,
    http: e.HTTP_PORT === undefined ? undefined : { host: e.HTTP_HOST, port: e.HTTP_PORT },
    llm: e.LLM_MODEL
      ? {
          baseUrl: e.LLM_BASE_URL ?? 'https://api.openai.com/v1',
          apiKey: e.LLM_API_KEY,
          models: [e.LLM_MODEL, ...e.LLM_FALLBACK_MODELS],
          timeoutMs: e.LLM_TIMEOUT_MS,
          maxRetries: e.LLM_MAX_RETRIES,
        }
      : undefined,
    agent: {
      persona: e.AGENT_PERSONA ?? DEFAULT_AGENT_SETTINGS.persona,
      replyFormat: e.AGENT_REPLY_FORMAT,
      maxSteps: e.AGENT_MAX_STEPS,
      maxToolCalls: e.AGENT_MAX_TOOL_CALLS,
      toolTimeoutMs: e.AGENT_TOOL_TIMEOUT_MS,
      historyTurns: e.AGENT_HISTORY_TURNS,
      historyTokens: e.AGENT_HISTORY_TOKENS,
      contextMessages: e.AGENT_CONTEXT_MESSAGES,
      errorReply: e.AGENT_ERROR_REPLY,
      allowAbsolutePaths: e.AGENT_ALLOW_ABSOLUTE_PATHS,
    },
    onebot:
      e.ONEBOT_WS_URLS.length > 0 || e.ONEBOT_REVERSE_PORT !== undefined
        ? {
            wsUrls: e.ONEBOT_WS_URLS,
            reverse: e.ONEBOT_REVERSE_PORT === undefined ? undefined : { host: e.ONEBOT_REVERSE_HOST, port: e.ONEBOT_REVERSE_PORT },
            accessToken: e.ONEBOT_ACCESS_TOKEN,
            callTimeoutMs: e.ONEBOT_CALL_TIMEOUT_MS,
            maxFrameBytes: e.ONEBOT_MAX_FRAME_BYTES,
          }
        : undefined,
    telegram: e.TELEGRAM_BOT_TOKEN
      ? {
          token: e.TELEGRAM_BOT_TOKEN,
          ...(e.TELEGRAM_API_ROOT ? { apiRoot: e.TELEGRAM_API_ROOT } : {}),
          pollingTimeoutSec: e.TELEGRAM_POLLING_TIMEOUT_SEC,
          ...(e.TELEGRAM_WEBHOOK_URL ? { webhook: { url: e.TELEGRAM_WEBHOOK_URL, secret: e.TELEGRAM_WEBHOOK_SECRET! } } : {}),
        }
      : undefined,
  };
}

/** `ONEBOT_QUOTE_COMMAND_REPLIES=1` is `COMMAND_ADAPTERS={"onebot":{"quoteReplies":true}}`, unless that says otherwise. */
function withOneBotQuote(adapters: CommandSettings['adapters'], quote: boolean): CommandSettings['adapters'] {
  if (!quote || adapters.onebot?.quoteReplies !== undefined) return adapters;
  return { ...adapters, onebot: { ...adapters.onebot, quoteReplies: true } };
}
