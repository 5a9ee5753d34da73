import { z } from 'zod';
import { DEFAULT_AGENT_SETTINGS, type AgentSettings } from '../agent/index.js';
import type { CommandSettings } from '../command/index.js';
import { ConfigError } from '../errors/index.js';
import { discordSettings, type DiscordSettings } from './discord-settings.js';
import { oneBotIssues } from './onebot-settings.js';
import { findSettingTypos, type SettingTypo } from './setting-typos.js';
import type { FloodSettings } from '../pipeline/index.js';
import type { ProxySettings } from '../net/index.js';
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
const proxyUrl = z.string().refine(isHttpUrl, 'expected the http:// or https:// URL of an HTTP proxy, e.g. http://127.0.0.1:7890 (SOCKS proxies are not supported)');
// curl and undici read the lower-case proxy names too; the upper-case one wins when both are set.
const LOWER_CASE_TOO: ReadonlySet<string> = new Set(['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']);
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
    CHAT_STATE_IDLE_MS: int(0).default(600_000),
    SHUTDOWN_TIMEOUT_MS: int(0).default(10_000),
    FLOOD_USER_MESSAGES: int(0).default(20),
    FLOOD_USER_WINDOW_MS: int(1).default(10_000),
    FLOOD_CHAT_MESSAGES: int(0).default(60),
    FLOOD_CHAT_WINDOW_MS: int(1).default(10_000),
    CONSOLE: flag.default('auto'),
    CONSOLE_USER: z.string().min(1).default('local'),
    CONSOLE_USER_LEVEL: z.enum(['user', 'advanced', 'super_user']).default('super_user'),
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
    AGENT_ALLOW_PRIVATE_URLS: bool.default(false),
    AGENT_ALLOW_MENTION_ALL: bool.default(false),
    AGENT_MAX_REPLY_CHARS: int(1, 1_000_000).default(6000),
    AGENT_MAX_MESSAGES_PER_RUN: int(1, 1000).default(10),
    AGENT_RUN_TIMEOUT_MS: int(1000, 86_400_000).default(300_000),
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
    ONEBOT_ALLOW_NO_TOKEN: bool.default(false),
    ONEBOT_ACCOUNT_GRACE_MS: int(0).default(600_000),
    ONEBOT_CALL_TIMEOUT_MS: int(1).default(30_000),
    ONEBOT_MAX_FRAME_BYTES: int(1024).default(1024 * 1024),
    ONEBOT_QUOTE_COMMAND_REPLIES: bool.default(false),
    TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a token from @BotFather, like 123456:ABC-def…').optional(),
    TELEGRAM_API_ROOT: z.string().regex(/^https?:\/\//, 'expected an http(s) URL of a Bot API server').optional(),
    TELEGRAM_POLLING_TIMEOUT_SEC: int(0, 50).default(30),
    TELEGRAM_WEBHOOK_URL: z.string().refine(isHttpUrl, 'expected the public https URL Telegram posts updates to, e.g. https://bot.example.com/telegram').optional(),
    // Bot API setWebhook: secret_token is 1-256 characters A-Z, a-z, 0-9, _ and -.
    TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected 1-256 letters, digits, "_" or "-"').optional(),
    HTTPS_PROXY: proxyUrl.optional(),
    HTTP_PROXY: proxyUrl.optional(),
    NO_PROXY: z.string().optional(),

    DISCORD_TOKEN: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'expected the bot token from the Developer Portal (Bot → Reset Token): three parts separated by dots').optional(),
    DISCORD_API_URL: z.string().regex(/^https?:\/\//, 'expected the http(s) base URL of Discord\'s REST API, e.g. https://discord.com/api').optional(),
    DISCORD_GUILD_IDS: z.string().default('').pipe(z.transform(list)).pipe(z.array(z.string().regex(/^\d{17,20}$/, 'entries must be guild ids (snowflakes such as 1234567890123456789)'))),
    DISCORD_MESSAGE_CONTENT: bool.default(true),
    DISCORD_MEMBER_EVENTS: bool.default(false),
    DISCORD_MAX_UPLOAD_MB: int(1, 500).default(10),
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
    for (const name of ['FLOOD_USER_WINDOW_MS', 'FLOOD_CHAT_WINDOW_MS'] as const) {
      if (env.REDIS_URL && env[name] % 1000 !== 0) {
        // rate-limiter-flexible's Redis limiter sets the key's expiry in whole seconds (EX); a 1500 ms window would be 1 s.
        const message = `${name} (${env[name]}) must be whole seconds (a multiple of 1000) with REDIS_URL: Redis counts the window in seconds`;
        ctx.addIssue({ code: 'custom', path: [name], message, params: { variables: [name, 'REDIS_URL'] } });
      }
    }
    // Telegram user ids are numbers; a username would silently match nobody (and has no menu scope).
    const telegramNames = env.SUPER_USERS.filter((u) => u.startsWith('telegram:') && !/^telegram:\d+$/.test(u));
    if (telegramNames.length > 0) {
      const message = `SUPER_USERS: ${telegramNames.join(', ')} is not a Telegram user id: give the number (a bot such as @userinfobot tells yours), e.g. telegram:123456789`;
      ctx.addIssue({ code: 'custom', path: ['SUPER_USERS'], message, params: { variables: ['SUPER_USERS'] } });
    }
    for (const [variables, message] of webhookIssues(env)) ctx.addIssue({ code: 'custom', path: [variables[0]!], message, params: { variables } });
    for (const [variables, message] of oneBotIssues(env)) ctx.addIssue({ code: 'custom', path: [variables[0]!], message, params: { variables } });
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
  /** Forget the in-memory state of a chat idle this long (buffer counters, session); 0 = never. */
  chatStateIdleMs: number;
  shutdownTimeoutMs: number;
  /** Flood limits at ingest: at most `messages` per `windowMs` per user (any chat) and per chat; 0 messages = off. */
  flood: FloodSettings;
  /** `level`: what the person at the terminal may do; `super_user` adds `console:<userId>` to the super users. */
  console: { enabled: boolean | 'auto'; userId: string; level: 'user' | 'advanced' | 'super_user' };
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
        /** Reverse WS on a non-loopback host without a token: allowed only when this is set. */
        allowNoToken: boolean;
        /** A departed reverse-WS account's state is kept this long for its redial. */
        accountGraceMs: number;
        callTimeoutMs: number;
        maxFrameBytes: number;
      }
    | undefined;
  /** Set when `HTTP_PORT` is: the app's HTTP server (health check, webhooks). */
  http: { host: string; port: number } | undefined;
  /** Set when `TELEGRAM_BOT_TOKEN` is; `webhook` set when `TELEGRAM_WEBHOOK_URL` is (no polling then). */
  telegram: { token: string; apiRoot?: string; pollingTimeoutSec: number; webhook?: { url: string; secret: string } } | undefined;
  /** Set when `DISCORD_TOKEN` is. */
  discord: DiscordSettings | undefined;
  /** Set when `LLM_MODEL` is: batches are answered by the agent through this OpenAI-compatible API. */
  llm: { baseUrl: string; apiKey: string; models: string[]; timeoutMs: number; maxRetries: number } | undefined;
  /** Set when `HTTPS_PROXY` or `HTTP_PROXY` is: Telegram and the LLM provider go through it (`NO_PROXY` hosts directly). */
  proxy: ProxySettings | undefined;
  agent: Omit<AgentSettings, 'dataDir'>;
  /** Variables that look like settings of ours but are not (typos), warned about at start. */
  typos: readonly SettingTypo[];
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
    const value = (env[name]?.trim() || (LOWER_CASE_TOO.has(name) ? env[name.toLowerCase()]?.trim() : undefined));
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
    typos: findSettingTypos(env, configVariables),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    dataDir: e.DATA_DIR,
    buffer: { debounceMs: e.DEBOUNCE_MS, maxBatch: e.MAX_BATCH, maxWaitMs: e.MAX_WAIT_MS },
    maxConcurrentChats: e.MAX_CONCURRENT_CHATS,
    dedupeTtlMs: e.DEDUPE_TTL_MS,
    dedupeMaxIds: e.DEDUPE_MAX_IDS,
    chatStateIdleMs: e.CHAT_STATE_IDLE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    flood: {
      user: { messages: e.FLOOD_USER_MESSAGES, windowMs: e.FLOOD_USER_WINDOW_MS },
      chat: { messages: e.FLOOD_CHAT_MESSAGES, windowMs: e.FLOOD_CHAT_WINDOW_MS },
    },
    console: { enabled: e.CONSOLE, userId: e.CONSOLE_USER, level: e.CONSOLE_USER_LEVEL },
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
      // The person at the terminal runs the bot, so by default they may do everything (CONSOLE_USER_LEVEL).
      superUsers: e.CONSOLE_USER_LEVEL === 'super_user' ? [...new Set([...e.SUPER_USERS, `console:${e.CONSOLE_USER}`])] : e.SUPER_USERS,
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
    proxy: e.HTTPS_PROXY || e.HTTP_PROXY ? { httpsProxy: e.HTTPS_PROXY, httpProxy: e.HTTP_PROXY, noProxy: e.NO_PROXY } : undefined,
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
      allowPrivateUrls: e.AGENT_ALLOW_PRIVATE_URLS,
      allowMentionAll: e.AGENT_ALLOW_MENTION_ALL,
      maxReplyChars: e.AGENT_MAX_REPLY_CHARS,
      maxMessagesPerRun: e.AGENT_MAX_MESSAGES_PER_RUN,
      runTimeoutMs: e.AGENT_RUN_TIMEOUT_MS,
    },
    onebot:
      e.ONEBOT_WS_URLS.length > 0 || e.ONEBOT_REVERSE_PORT !== undefined
        ? {
            wsUrls: e.ONEBOT_WS_URLS,
            reverse: e.ONEBOT_REVERSE_PORT === undefined ? undefined : { host: e.ONEBOT_REVERSE_HOST, port: e.ONEBOT_REVERSE_PORT },
            accessToken: e.ONEBOT_ACCESS_TOKEN,
            allowNoToken: e.ONEBOT_ALLOW_NO_TOKEN,
            accountGraceMs: e.ONEBOT_ACCOUNT_GRACE_MS,
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
    discord: discordSettings(e),
  };
}

/** `ONEBOT_QUOTE_COMMAND_REPLIES=1` is `COMMAND_ADAPTERS={"onebot":{"quoteReplies":true}}`, unless that says otherwise. */
function withOneBotQuote(adapters: CommandSettings['adapters'], quote: boolean): CommandSettings['adapters'] {
  if (!quote || adapters.onebot?.quoteReplies !== undefined) return adapters;
  return { ...adapters, onebot: { ...adapters.onebot, quoteReplies: true } };
}
