import { describe, expect, it } from 'vitest';
import { ConfigError, NekomataError } from '../../core/errors/index.js';
import { DEFAULT_AGENT_SETTINGS } from '../../core/agent/index.js';
import { loadConfig, settingVariables as configVariables, type AppConfig as Config } from '../../app/config.js';

const defaults: Config = {
  logLevel: 'info',
  logFormat: 'auto',
  dataDir: './data',
  buffer: { debounceMs: 1500, maxBatch: 10, maxWaitMs: 6000 },
  maxConcurrentChats: 32,
  dedupeTtlMs: 600_000,
  dedupeMaxIds: 200_000,
  chatStateIdleMs: 600_000,
  shutdownTimeoutMs: 10_000,
  resetTimeoutMs: 10_000,
  flood: { user: { messages: 20, windowMs: 10_000 }, chat: { messages: 60, windowMs: 10_000 } },
  console: { enabled: 'auto', userId: 'local', level: 'super_user' },
  chatPolicy: { private: 'buffer', groupMentioned: 'buffer', groupOther: 'record', wakeWords: [] },
  plugins: {
    dirs: [], enabled: [], watch: false, callTimeoutMs: 30_000, callPolicy: 'reject', callMaxDepth: 20, isolation: 'manifest',
    process: { callTimeoutMs: 30_000, memoryMb: 512, startTimeoutMs: 15_000, healthIntervalMs: 5_000, healthTimeoutMs: 5_000, stopTimeoutMs: 3_000, restartBaseMs: 500, restartMaxMs: 30_000, crashLoopCount: 5, crashLoopWindowMs: 60_000 },
  },
  runs: { timeoutMs: 300_000, cancelGraceMs: 5_000, keep: 500, concurrency: 8 },
  bus: { history: 10_000 },
  commands: {
    defaults: { enabled: true, prefix: '/', unauthorizedOutput: true, silentStatuses: [], recordInput: false, unknownReply: 'suggest', quoteReplies: false },
    adapters: {},
    superUsers: ['console:local'],
    defaultLang: 'en_US',
    agentLevel: 'user',
    greedyAfterPositionals: false,
    strictBool: false,
    callTimeoutMs: 30_000,
  },
  redis: undefined,
  role: 'all',
  http: undefined,
  onebot: undefined,
  telegram: undefined,
  discord: undefined,
  web: undefined,
  llm: undefined,
  proxy: undefined,
  agent: {
    persona: DEFAULT_AGENT_SETTINGS.persona, replyFormat: 'xml', maxSteps: 5, maxToolCalls: 5, toolTimeoutMs: 60_000,
    historyTurns: 20, historyTokens: 6000, contextMessages: 20, errorReply: '', allowAbsolutePaths: false,
    allowPrivateUrls: false, allowMentionAll: false, maxReplyChars: 6000, maxMessagesPerRun: 10, runTimeoutMs: 300_000,
  },
  typos: [],
};

function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect(e).toBeInstanceOf(NekomataError);
    return e as ConfigError;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

describe('loadConfig defaults', () => {
  it('uses every default when the environment is empty', () => {
    expect(loadConfig({})).toEqual(defaults);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', DEBOUNCE: '5' })).toEqual(defaults);
  });

  it('treats empty and blank values as unset', () => {
    const env = Object.fromEntries(configVariables.map((name) => [name, '']));
    expect(loadConfig(env)).toEqual(defaults);
    expect(loadConfig({ DEBOUNCE_MS: '   ', LOG_LEVEL: '\t', WAKE_WORDS: ' ' })).toEqual(defaults);
  });

  it('treats undefined values as unset', () => {
    expect(loadConfig({ DEBOUNCE_MS: undefined, CONSOLE: undefined })).toEqual(defaults);
  });
});

describe('loadConfig parsing', () => {
  it('reads every variable', () => {
    const config = loadConfig({
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      DATA_DIR: '/var/lib/neko',
      DEBOUNCE_MS: '250',
      MAX_BATCH: '3',
      MAX_WAIT_MS: '900',
      MAX_CONCURRENT_CHATS: '4',
      DEDUPE_TTL_MS: '1000',
      DEDUPE_MAX_IDS: '5000',
      SHUTDOWN_TIMEOUT_MS: '2000',
      FLOOD_USER_MESSAGES: '0',
      FLOOD_USER_WINDOW_MS: '5000',
      FLOOD_CHAT_MESSAGES: '100',
      FLOOD_CHAT_WINDOW_MS: '60000',
      CONSOLE: 'true',
      CONSOLE_USER: 'me',
      CHAT_PRIVATE: 'trigger',
      CHAT_GROUP_MENTIONED: 'flush',
      CHAT_GROUP_OTHER: 'discard',
      WAKE_WORDS: 'neko,mata',
      PLUGIN_DIRS: './my-plugins, /opt/neko/plugin.ts',
      PLUGINS_ENABLED: 'me.weather,you.dice',
      PLUGIN_WATCH: '1',
      PLUGIN_CALL_TIMEOUT_MS: '5000',
      PLUGIN_ISOLATION: 'process',
      PLUGIN_MEMORY_MB: '256',
      COMMANDS_ENABLED: '0',
      COMMAND_PREFIX: '#',
      COMMAND_UNKNOWN_REPLY: 'silent',
      COMMAND_UNAUTHORIZED_OUTPUT: 'false',
      COMMAND_SILENT_STATUSES: 'not_found, disabled',
      RECORD_COMMAND_INPUT: '1',
      COMMAND_ADAPTERS: '{"onebot":{"prefix":"!","silentStatuses":["invalid_args"]}}',
      ONEBOT_QUOTE_COMMAND_REPLIES: '1',
      COMMAND_GREEDY_AFTER_POSITIONALS: 'true',
      COMMAND_STRICT_BOOL: '1',
      SUPER_USERS: 'onebot:10001, console:local',
      DEFAULT_LANG: 'zh_CN',
      AGENT_COMMAND_PERMISSION: 'advanced',
      REDIS_URL: 'redis://10.0.0.5:6379/2',
      REDIS_PREFIX: 'neko:prod',
      ROLE: 'worker',
    });
    expect(config).toEqual({
      logLevel: 'debug',
      logFormat: 'json',
      dataDir: '/var/lib/neko',
      buffer: { debounceMs: 250, maxBatch: 3, maxWaitMs: 900 },
      maxConcurrentChats: 4,
      dedupeTtlMs: 1000,
      dedupeMaxIds: 5000,
      chatStateIdleMs: 600_000,
      flood: { user: { messages: 0, windowMs: 5000 }, chat: { messages: 100, windowMs: 60_000 } },
      shutdownTimeoutMs: 2000,
      resetTimeoutMs: 10_000,
      console: { enabled: true, userId: 'me', level: 'super_user' },
      chatPolicy: { private: 'trigger', groupMentioned: 'flush', groupOther: 'discard', wakeWords: ['neko', 'mata'] },
      plugins: {
        dirs: ['./my-plugins', '/opt/neko/plugin.ts'], enabled: ['me.weather', 'you.dice'], watch: true, callTimeoutMs: 5000, callPolicy: 'reject', callMaxDepth: 20, isolation: 'process',
        process: { callTimeoutMs: 5000, memoryMb: 256, startTimeoutMs: 15_000, healthIntervalMs: 5_000, healthTimeoutMs: 5_000, stopTimeoutMs: 3_000, restartBaseMs: 500, restartMaxMs: 30_000, crashLoopCount: 5, crashLoopWindowMs: 60_000 },
      },
      runs: { timeoutMs: 300_000, cancelGraceMs: 5_000, keep: 500, concurrency: 8 },
      bus: { history: 10_000 },
      commands: {
        defaults: { enabled: false, prefix: '#', unauthorizedOutput: false, silentStatuses: ['not_found', 'disabled'], recordInput: true, unknownReply: 'silent', quoteReplies: false },
        adapters: { onebot: { prefix: '!', silentStatuses: ['invalid_args'], quoteReplies: true } },
        superUsers: ['onebot:10001', 'console:local', 'console:me'],
        defaultLang: 'zh_CN',
        agentLevel: 'advanced',
        greedyAfterPositionals: true,
        strictBool: true,
        callTimeoutMs: 5000,
      },
      redis: { url: 'redis://10.0.0.5:6379/2', prefix: 'neko:prod', lockMs: 10_000, partitions: 8, spoolMax: 20_000 },
      role: 'worker',
      http: undefined,
      onebot: undefined,
      telegram: undefined,
      discord: undefined,
      web: undefined,
      llm: undefined,
      proxy: undefined,
      agent: defaults.agent,
      typos: [],
    } satisfies Config);
  });

  it('trims values before reading them', () => {
    const config = loadConfig({ DEBOUNCE_MS: ' 200 ', LOG_LEVEL: ' warn\n', CHAT_PRIVATE: ' record ' });
    expect(config.buffer.debounceMs).toBe(200);
    expect(config.logLevel).toBe('warn');
    expect(config.chatPolicy.private).toBe('record');
  });

  it.each<[string, boolean | 'auto']>([
    ['auto', 'auto'],
    ['1', true],
    ['true', true],
    ['0', false],
    ['false', false],
  ])('reads CONSOLE=%s as %s', (value, expected) => {
    expect(loadConfig({ CONSOLE: value }).console.enabled).toBe(expected);
  });

  it('accepts the lower bounds: 0 for durations, 1 for counts', () => {
    const config = loadConfig({ DEBOUNCE_MS: '0', MAX_WAIT_MS: '0', MAX_BATCH: '1', MAX_CONCURRENT_CHATS: '1', DEDUPE_TTL_MS: '0' });
    expect(config.buffer).toEqual({ debounceMs: 0, maxBatch: 1, maxWaitMs: 0 });
    expect(config.maxConcurrentChats).toBe(1);
    expect(config.dedupeTtlMs).toBe(0);
  });

  it('accepts MAX_WAIT_MS equal to DEBOUNCE_MS', () => {
    expect(loadConfig({ DEBOUNCE_MS: '700', MAX_WAIT_MS: '700' }).buffer).toEqual({ debounceMs: 700, maxBatch: 10, maxWaitMs: 700 });
  });

  it.each<[string, string[]]>([
    ['neko', ['neko']],
    ['neko,mata', ['neko', 'mata']],
    [' neko , mata ,  cat ', ['neko', 'mata', 'cat']],
    ['neko,,mata,', ['neko', 'mata']],
    [',', []],
    ['hey neko, Mata-chan', ['hey neko', 'Mata-chan']],
  ])('splits WAKE_WORDS=%j on commas and trims each word', (value, expected) => {
    expect(loadConfig({ WAKE_WORDS: value }).chatPolicy.wakeWords).toEqual(expected);
  });
});

describe('loadConfig errors', () => {
  it.each<[string, Record<string, string>, string, string]>([
    ['a number that is not a number', { DEBOUNCE_MS: 'abc' }, 'DEBOUNCE_MS', 'abc'],
    ['a fractional number', { DEBOUNCE_MS: '1.5' }, 'DEBOUNCE_MS', '1.5'],
    ['a negative duration', { DEDUPE_TTL_MS: '-1' }, 'DEDUPE_TTL_MS', '-1'],
    ['a batch size of 0', { MAX_BATCH: '0' }, 'MAX_BATCH', '0'],
    ['no concurrent chats', { MAX_CONCURRENT_CHATS: '0' }, 'MAX_CONCURRENT_CHATS', '0'],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'loud'],
    ['an unknown log format', { LOG_FORMAT: 'xml' }, 'LOG_FORMAT', 'xml'],
    ['an unknown private strategy', { CHAT_PRIVATE: 'maybe' }, 'CHAT_PRIVATE', 'maybe'],
    ['an unknown group strategy', { CHAT_GROUP_OTHER: 'ignore' }, 'CHAT_GROUP_OTHER', 'ignore'],
    ['a console flag of yes', { CONSOLE: 'yes' }, 'CONSOLE', 'yes'],
  ])('rejects %s, naming the variable and the bad value', (_name, env, variable, value) => {
    const error = configErrorOf(env);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.variables).toEqual([variable]);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(`"${value}"`);
  });

  it('names both settings, with their values, when MAX_WAIT_MS is below DEBOUNCE_MS', () => {
    const error = configErrorOf({ DEBOUNCE_MS: '500', MAX_WAIT_MS: '100' });
    expect(error.variables).toEqual(['MAX_WAIT_MS', 'DEBOUNCE_MS']);
    expect(error.message).toContain('MAX_WAIT_MS (100) must be ≥ DEBOUNCE_MS (500)');
  });

  it('reads the Telegram settings and refuses a malformed token', () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: '123456:ABC-def_9' }).telegram).toEqual({ token: '123456:ABC-def_9', pollingTimeoutSec: 30 });
    expect(configErrorOf({ TELEGRAM_BOT_TOKEN: 'not a token' }).variables).toEqual(['TELEGRAM_BOT_TOKEN']);
    expect(configErrorOf({ TELEGRAM_BOT_TOKEN: '1:a', TELEGRAM_POLLING_TIMEOUT_SEC: '90' }).variables).toEqual(['TELEGRAM_POLLING_TIMEOUT_SEC']);
  });

  it('refuses flood windows that are not whole seconds with REDIS_URL, and a negative count', () => {
    expect(loadConfig({ FLOOD_USER_WINDOW_MS: '1500' }).flood.user.windowMs).toBe(1500);
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', FLOOD_CHAT_WINDOW_MS: '1500' })).toThrow(
      /FLOOD_CHAT_WINDOW_MS \(1500\) must be whole seconds \(a multiple of 1000\) with REDIS_URL/,
    );
    expect(() => loadConfig({ FLOOD_USER_MESSAGES: '-1' })).toThrow(/FLOOD_USER_MESSAGES: expected a number ≥ 0/);
    expect(() => loadConfig({ FLOOD_USER_WINDOW_MS: '0' })).toThrow(/FLOOD_USER_WINDOW_MS: expected a number ≥ 1/);
  });

  it('needs REDIS_URL for the gateway and worker roles', () => {
    const error = configErrorOf({ ROLE: 'gateway' });
    expect(error.variables).toEqual(['ROLE', 'REDIS_URL']);
    expect(error.message).toContain('ROLE=gateway needs REDIS_URL');
    expect(configErrorOf({ REDIS_URL: 'localhost:6379' }).variables).toEqual(['REDIS_URL']);
  });

  it('explains the clash even when MAX_WAIT_MS was left at its default', () => {
    const error = configErrorOf({ DEBOUNCE_MS: '7000' });
    expect(error.variables).toEqual(['MAX_WAIT_MS', 'DEBOUNCE_MS']);
    expect(error.message).toContain('MAX_WAIT_MS (6000) must be ≥ DEBOUNCE_MS (7000)');
  });

  it('refuses a Telegram super user given by name: Telegram ids are numbers', () => {
    const error = configErrorOf({ SUPER_USERS: 'telegram:123456789, telegram:@alice, onebot:abc' });
    expect(error.variables).toEqual(['SUPER_USERS']);
    expect(error.message).toContain('SUPER_USERS: telegram:@alice is not a Telegram user id');
  });

  it.each(['0x10', '1e3', '1.5', '12ms'])('takes only whole decimal numbers: DEBOUNCE_MS=%s is refused', (value) => {
    expect(configErrorOf({ DEBOUNCE_MS: value }).variables).toEqual(['DEBOUNCE_MS']);
  });

  it('reports several bad values together, once each, in one error', () => {
    const error = configErrorOf({ DEBOUNCE_MS: 'abc', MAX_BATCH: '0', LOG_LEVEL: 'loud', CONSOLE: 'yes', CHAT_PRIVATE: 'maybe' });
    expect([...error.variables].sort()).toEqual(['CHAT_PRIVATE', 'CONSOLE', 'DEBOUNCE_MS', 'LOG_LEVEL', 'MAX_BATCH']);
    for (const [name, value] of [
      ['DEBOUNCE_MS', 'abc'],
      ['MAX_BATCH', '0'],
      ['LOG_LEVEL', 'loud'],
      ['CONSOLE', 'yes'],
      ['CHAT_PRIVATE', 'maybe'],
    ] as const) {
      expect(error.message).toMatch(new RegExp(`${name}: .*\\(got "${value}"\\)`));
    }
  });

  it('tells the user where to fix the settings', () => {
    expect(configErrorOf({ MAX_BATCH: '0' }).message).toMatch(/\.env/);
  });
});

describe('settings that look like ours but are not', () => {
  it('names each with the closest real setting, and leaves other variables alone', () => {
    const config = loadConfig({ DEBOUNCE_MSS: '200', ONEBOT_WS_URL: 'ws://127.0.0.1:3001', TELEGRAM_TOKEN: 'x', PATH: '/usr/bin', HOME: '/root', LANG: 'C', NODE_ENV: 'production', npm_config_cache: '/tmp' });
    expect(config.typos).toEqual([
      { variable: 'DEBOUNCE_MSS', closest: 'DEBOUNCE_MS' },
      { variable: 'ONEBOT_WS_URL', closest: 'ONEBOT_WS_URLS' },
      { variable: 'TELEGRAM_TOKEN', closest: expect.stringMatching(/^TELEGRAM_/) },
    ]);
    expect(config.buffer.debounceMs).toBe(1500);
  });
});

describe('the console user', () => {
  it('is a super user by default, since whoever is at the terminal runs the bot, unless CONSOLE_USER_LEVEL says otherwise', () => {
    expect(loadConfig({}).commands.superUsers).toEqual(['console:local']);
    expect(loadConfig({ CONSOLE_USER: 'me', SUPER_USERS: 'console:me' }).commands.superUsers).toEqual(['console:me']);
    expect(loadConfig({ CONSOLE_USER_LEVEL: 'user' }).commands.superUsers).toEqual([]);
    expect(configErrorOf({ CONSOLE_USER_LEVEL: 'root' }).variables).toEqual(['CONSOLE_USER_LEVEL']);
  });
});
