/**
 * `nekomata/app`: run the framework inside your own program. `loadConfig` reads the settings (core's and every
 * adapter's), `openApp` assembles the app on the backends they name (Redis, or the embedded defaults),
 * `configuredAdapters` makes the adapters they enable, and `installProcessGuards` gives the process the same
 * error handling as `nekomata start`.
 *
 * @example
 * import { configuredAdapters, loadConfig, openApp } from 'nekomata/app';
 * const config = loadConfig(process.env);
 * const app = await openApp(config);
 * for (const adapter of configuredAdapters(app, config)) app.addAdapter(adapter);
 * await app.start();
 */

// --- Settings ---

/** Every setting, read once from the environment: core's and each adapter's. */
export { loadConfig, settingVariables, type AppConfig } from './config.js';
/** Core's part of the configuration, and the error a bad setting raises (naming the variables). */
export type { Config, ChatStrategy } from '../core/runtime/index.js';
/** The error a bad setting raises at start-up, naming each variable and what is wrong with it. */
export { ConfigError } from '../core/errors/index.js';

// --- The app ---

/** The assembled framework, and how to build it: `openApp` picks Redis or the embedded backends. */
export { App, createApp, openApp, type AppOptions } from '../core/runtime/index.js';
/** The adapters a configuration enables, wired as `nekomata start` wires them. */
export { configuredAdapters, consoleAdapterFor } from './adapters.js';
/** Process-level error handling (`uncaughtException`, `unhandledRejection`) traced to plugins. */
export { installProcessGuards, type ProcessGuardOptions } from '../core/runtime/index.js';
/** The app's logger (pino), as the CLI makes it. */
export { createLogger } from '../core/runtime/index.js';
/** What a channel reset reports (`app.resetChannel`). */
export type { ResetResult } from '../core/session/index.js';
/** What became of an ingested message (`app.ingest`). */
export type { IngestResult, IngestOutcome } from '../core/pipeline/index.js';

// --- Adapters ---

/** The adapter contract, for writing your own. */
export type { Adapter, AdapterHost } from '../core/adapter/index.js';
/** Chat in the terminal. */
export { ConsoleAdapter, type ConsoleAdapterOptions } from '../adapters/console/index.js';
/** QQ through OneBot v11 (NapCat, Lagrange, LLOneBot): forward and reverse WebSocket. */
export { OneBotAdapter, type OneBotAdapterOptions } from '../adapters/onebot/index.js';
/** Telegram through grammY: long polling or webhook; the native command menu. */
export { TelegramAdapter, telegramCommandSource, type TelegramAdapterOptions } from '../adapters/telegram/index.js';
/** Discord through discord.js: guilds, threads, DMs, slash commands and buttons. */
export { DiscordAdapter, discordCommandSource, agentActivity, type DiscordAdapterOptions } from '../adapters/discord/index.js';
/** The Web UI's chat: made-up users talk to the bot from the browser, behind the admin login. */
export { WebChatAdapter, webBatchSource, type WebChatAdapterOptions } from '../adapters/web/index.js';

// --- The admin server ---

/** The app's recent and live log lines, which the admin API shows: pass one to `createApp` with a logger writing into it. */
export { LogFeed, type LogRecord } from '../core/runtime/index.js';
/** A change made through the admin API, as `app.audit` keeps it. */
export type { AuditRecord } from '../core/admin/index.js';
/** What `GET /readyz` reports. */
export type { Readiness, ReadinessCheck } from '../core/http/index.js';

// --- Backends, for embedding with your own ---

/** The stores: SQLite (embedded) and Redis. */
export { openSqliteStore, openRedisStore, type Store } from '../core/store/index.js';
/** The debounce buffers: in-process and BullMQ on Redis. */
export { MemoryBufferDriver, BullMQBufferDriver, type BufferDriver, type BufferPolicy } from '../core/buffer/index.js';
/** The OpenAI-compatible model provider, and the contract of any other. */
export { OpenAIProvider, type ChatProvider } from '../core/agent/index.js';
/** Counters of what the app does and drops, and its histograms (`Metrics.histogram`: a family, and one series of it). */
export { Metrics, type Histogram, type Observer } from '../core/metrics/index.js';
/**
 * How the processes of one bot tell each other of chat-wide changes (`AppOptions.control`): within one process,
 * and on Redis; and the error a channel reset raises when a process did not confirm its part in time.
 */
export { LocalControlPlane, RedisControlPlane, ControlIncompleteError, type ControlPlane } from '../core/control/index.js';
