import { z } from 'zod';
import { DEFAULT_AGENT_SETTINGS, type AgentSettings } from '../agent/index.js';
import type { CommandSettings } from '../command/index.js';
import type { IsolationSetting, ProcessLimits } from '../plugin/index.js';
import { findSettingTypos, type SettingTypo } from './setting-typos.js';
import type { ChatPolicy, FloodSettings } from '../pipeline/index.js';
import type { ProxySettings } from '../net/index.js';
import { exposureProblem, type HttpSettings } from '../http/index.js';
import { boolSetting as bool, intSetting as int, isHttpUrl, listSetting, splitList as list } from './setting-types.js';
import { parsePart, settingInput, settingsError, type AnySettingsSection, type SectionsConfig, type SettingIssue } from './settings-section.js';

const strategy = z.enum(['buffer', 'flush', 'trigger', 'record', 'discard']);
const status = z.enum(['success', 'error', 'unauthorized', 'not_found', 'invalid_args', 'disabled', 'processing', 'waiting']);
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
// Compared in constant time, but a short token is still guessed: at least 16 characters.
const secret = z.string().min(16, 'expected at least 16 characters, e.g. the output of `openssl rand -hex 24`');
/** `https://host[:port]` and nothing more: what a browser sends in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    return isHttpUrl(value) && new URL(value).origin === value;
  } catch {
    return false;
  }
}
const proxyUrl = z.string().refine(isHttpUrl, 'expected the http:// or https:// URL of an HTTP proxy, e.g. http://127.0.0.1:7890 (SOCKS proxies are not supported)');

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
    RESET_TIMEOUT_MS: int(100).default(10_000),
    FLOOD_USER_MESSAGES: int(0).default(20),
    FLOOD_USER_WINDOW_MS: int(1).default(10_000),
    FLOOD_CHAT_MESSAGES: int(0).default(60),
    FLOOD_CHAT_WINDOW_MS: int(1).default(10_000),
    CHAT_PRIVATE: strategy.default('buffer'),
    CHAT_GROUP_MENTIONED: strategy.default('buffer'),
    CHAT_GROUP_OTHER: strategy.default('record'),
    WAKE_WORDS: z.string().default(''),
    PLUGIN_DIRS: z.string().default(''),
    PLUGINS_ENABLED: z.string().default(''),
    PLUGIN_WATCH: bool.default(false),
    PLUGIN_CALL_TIMEOUT_MS: int(1).default(30_000),
    PLUGIN_ISOLATION: z.enum(['manifest', 'inline', 'process'], 'expected manifest, inline or process').default('manifest'),
    PLUGIN_MEMORY_MB: int(16).default(512),
    PLUGIN_START_TIMEOUT_MS: int(1).default(15_000),
    PLUGIN_HEALTH_INTERVAL_MS: int(10).default(5_000),
    PLUGIN_HEALTH_TIMEOUT_MS: int(1).default(5_000),
    PLUGIN_STOP_TIMEOUT_MS: int(1).default(3_000),
    PLUGIN_RESTART_BASE_MS: int(1).default(500),
    PLUGIN_RESTART_MAX_MS: int(1).default(30_000),
    PLUGIN_CRASH_LOOP_COUNT: int(1).default(5),
    PLUGIN_CRASH_LOOP_WINDOW_MS: int(1).default(60_000),
    PLUGIN_CALL_POLICY: z.enum(['reject', 'warn']).default('reject'),
    PLUGIN_CALL_MAX_DEPTH: int(1, 100).default(20),
    RUN_TIMEOUT_MS: int(1).default(300_000),
    RUN_CANCEL_GRACE_MS: int(0).default(5_000),
    RUN_KEEP: int(0).default(500),
    RUN_CONCURRENCY: int(1, 1000).default(8),
    BUS_HISTORY: int(1, 1_000_000).default(10_000),
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
    ADMIN_API: bool.default(true),
    ADMIN_TOKEN: secret.optional(),
    ADMIN_SESSION_TTL_MS: int(60_000, 30 * 86_400_000).default(43_200_000),
    ADMIN_ORIGINS: listSetting(z.string().refine(isOrigin, 'expected origins such as https://bot.example.com (scheme, host and port only)')),
    METRICS_TOKEN: secret.optional(),
    HTTPS_PROXY: proxyUrl.optional(),
    HTTP_PROXY: proxyUrl.optional(),
    NO_PROXY: z.string().optional(),
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
    const exposed = env.HTTP_PORT === undefined ? undefined : exposureProblem({ host: env.HTTP_HOST, admin: env.ADMIN_API ? { token: env.ADMIN_TOKEN } : undefined });
    if (exposed) ctx.addIssue({ code: 'custom', path: ['HTTP_HOST'], message: exposed, params: { variables: ['HTTP_HOST', 'ADMIN_TOKEN'] } });
    for (const name of ['FLOOD_USER_WINDOW_MS', 'FLOOD_CHAT_WINDOW_MS'] as const) {
      if (env.REDIS_URL && env[name] % 1000 !== 0) {
        // rate-limiter-flexible's Redis limiter sets the key's expiry in whole seconds (EX); a 1500 ms window would be 1 s.
        const message = `${name} (${env[name]}) must be whole seconds (a multiple of 1000) with REDIS_URL: Redis counts the window in seconds`;
        ctx.addIssue({ code: 'custom', path: [name], message, params: { variables: [name, 'REDIS_URL'] } });
      }
    }
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
  /** How long a channel reset waits for every process's part (its batch aborted, its plugins' callbacks). */
  resetTimeoutMs: number;
  /** Flood limits at ingest: at most `messages` per `windowMs` per user (any chat) and per chat; 0 messages = off. */
  flood: FloodSettings;
  chatPolicy: ChatPolicy;
  /** `callPolicy`/`callMaxDepth`: the A1 policy on calls between plugins (cycles, chain depth); `isolation`/`process`: where plugins run and the process host's limits. */
  plugins: { dirs: string[]; enabled: string[]; watch: boolean; callTimeoutMs: number; callPolicy: 'reject' | 'warn'; callMaxDepth: number; isolation: IsolationSetting; process: ProcessLimits };
  /** Runs of plugin entries: time limit, cancel grace, finished runs kept, runs executed at once per process (Redis). */
  runs: { timeoutMs: number; cancelGraceMs: number; keep: number; concurrency: number };
  /** Records kept per message-bus topic. */
  bus: { history: number };
  commands: CommandSettings;
  /** Set: the buffer, store and outbox run on Redis, shared by every process with the same URL and prefix. */
  /** `spoolMax`: messages a process holds while Redis is unreachable before it refuses more. */
  redis: { url: string; prefix: string; lockMs: number; partitions: number; spoolMax: number } | undefined;
  /** all: everything in one process; gateway: adapters, ingest and commands; worker: batches and sessions. */
  role: 'all' | 'gateway' | 'worker';
  /** Set when `HTTP_PORT` is: the app's HTTP server (health, metrics, the admin API and Web UI, webhooks). */
  http: HttpSettings | undefined;
  /** Set when `LLM_MODEL` is: batches are answered by the agent through this OpenAI-compatible API. */
  llm: { baseUrl: string; apiKey: string; models: string[]; timeoutMs: number; maxRetries: number } | undefined;
  /** Set when `HTTPS_PROXY` or `HTTP_PROXY` is: Telegram and the LLM provider go through it (`NO_PROXY` hosts directly). */
  proxy: ProxySettings | undefined;
  agent: Omit<AgentSettings, 'dataDir'>;
  /** Variables that look like settings of ours but are not (typos), warned about at start. */
  typos: readonly SettingTypo[];
}



/** The parsed values of core's own variables, which a section's rules and options may read. */
export type CoreSettingValues = z.output<typeof envSchema>;

/** The names of core's settings (the app adds those of its adapters: `settingVariables` in `app/`). */
export const configVariables: readonly string[] = Object.keys(envSchema.shape);

// curl and undici read the lower-case proxy names too; the upper-case one wins when both are set.
const LOWER_CASE_TOO: ReadonlySet<string> = new Set(['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']);

/**
 * Reads core's configuration from `env`. Empty values count as unset. Throws `ConfigError` listing every bad
 * variable with what was expected and what was found. `loadSettings` adds the settings of other parts.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadSettings(env, []);
}

/**
 * Reads core's settings and those of `sections` (adapters) from `env`, once: each variable is checked by its
 * owner's schema, the rules between them are checked, and every problem is reported in one `ConfigError`.
 */
export function loadSettings<const S extends readonly AnySettingsSection[]>(env: Record<string, string | undefined>, sections: S): Config & SectionsConfig<S> {
  const names = [...configVariables, ...sections.flatMap((s) => Object.keys(s.variables))];
  const core = parsePart(envSchema, settingInput(env, configVariables, LOWER_CASE_TOO));
  const parts = sections.map((section) => parsePart(z.object(section.variables), settingInput(env, Object.keys(section.variables))));
  const lines = [...core.lines, ...parts.flatMap((p) => p.lines)];
  const coreValues = core.values as CoreSettingValues | undefined;
  if (coreValues) {
    sections.forEach((section, i) => {
      const values = parts[i]!.values;
      if (!values || !section.issues) return;
      for (const [variables, message] of section.issues(values as never, coreValues) as SettingIssue[]) lines.push({ names: variables, text: `  ${message}` });
    });
  }
  if (lines.length > 0 || !coreValues) throw settingsError(lines);
  let config = toConfig(coreValues, findSettingTypos(env, names));
  const result: Record<string, unknown> = {};
  sections.forEach((section, i) => {
    const values = parts[i]!.values as never;
    if (section.amend) config = section.amend(config, values);
    result[section.name] = section.read(values, coreValues);
  });
  return { ...config, ...result } as Config & SectionsConfig<S>;
}

function toConfig(e: CoreSettingValues, typos: SettingTypo[]): Config {
  return {
    typos,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    dataDir: e.DATA_DIR,
    buffer: { debounceMs: e.DEBOUNCE_MS, maxBatch: e.MAX_BATCH, maxWaitMs: e.MAX_WAIT_MS },
    maxConcurrentChats: e.MAX_CONCURRENT_CHATS,
    dedupeTtlMs: e.DEDUPE_TTL_MS,
    dedupeMaxIds: e.DEDUPE_MAX_IDS,
    chatStateIdleMs: e.CHAT_STATE_IDLE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    resetTimeoutMs: e.RESET_TIMEOUT_MS,
    flood: {
      user: { messages: e.FLOOD_USER_MESSAGES, windowMs: e.FLOOD_USER_WINDOW_MS },
      chat: { messages: e.FLOOD_CHAT_MESSAGES, windowMs: e.FLOOD_CHAT_WINDOW_MS },
    },
    chatPolicy: {
      private: e.CHAT_PRIVATE,
      groupMentioned: e.CHAT_GROUP_MENTIONED,
      groupOther: e.CHAT_GROUP_OTHER,
      wakeWords: list(e.WAKE_WORDS),
    },
    plugins: {
      dirs: list(e.PLUGIN_DIRS), enabled: list(e.PLUGINS_ENABLED), watch: e.PLUGIN_WATCH, callTimeoutMs: e.PLUGIN_CALL_TIMEOUT_MS,
      callPolicy: e.PLUGIN_CALL_POLICY, callMaxDepth: e.PLUGIN_CALL_MAX_DEPTH,
      isolation: e.PLUGIN_ISOLATION,
      process: {
        callTimeoutMs: e.PLUGIN_CALL_TIMEOUT_MS, memoryMb: e.PLUGIN_MEMORY_MB, startTimeoutMs: e.PLUGIN_START_TIMEOUT_MS,
        healthIntervalMs: e.PLUGIN_HEALTH_INTERVAL_MS, healthTimeoutMs: e.PLUGIN_HEALTH_TIMEOUT_MS, stopTimeoutMs: e.PLUGIN_STOP_TIMEOUT_MS,
        restartBaseMs: e.PLUGIN_RESTART_BASE_MS, restartMaxMs: e.PLUGIN_RESTART_MAX_MS,
        crashLoopCount: e.PLUGIN_CRASH_LOOP_COUNT, crashLoopWindowMs: e.PLUGIN_CRASH_LOOP_WINDOW_MS,
      },
    },
    runs: { timeoutMs: e.RUN_TIMEOUT_MS, cancelGraceMs: e.RUN_CANCEL_GRACE_MS, keep: e.RUN_KEEP, concurrency: e.RUN_CONCURRENCY },
    bus: { history: e.BUS_HISTORY },
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
      adapters: e.COMMAND_ADAPTERS as CommandSettings['adapters'],
      superUsers: e.SUPER_USERS,
      defaultLang: e.DEFAULT_LANG,
      agentLevel: e.AGENT_COMMAND_PERMISSION,
      greedyAfterPositionals: e.COMMAND_GREEDY_AFTER_POSITIONALS,
      strictBool: e.COMMAND_STRICT_BOOL,
      callTimeoutMs: e.PLUGIN_CALL_TIMEOUT_MS,
    },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, lockMs: e.BUFFER_LOCK_MS, partitions: e.BUFFER_PARTITIONS, spoolMax: e.BUFFER_SPOOL_MAX } : undefined,
    role: e.ROLE,
    http:
      e.HTTP_PORT === undefined
        ? undefined
        : {
            host: e.HTTP_HOST,
            port: e.HTTP_PORT,
            admin: e.ADMIN_API ? { token: e.ADMIN_TOKEN, sessionTtlMs: e.ADMIN_SESSION_TTL_MS, origins: e.ADMIN_ORIGINS } : undefined,
            metricsToken: e.METRICS_TOKEN,
          },
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
  };
}
