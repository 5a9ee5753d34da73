/**
 * `nekomata`: what a plugin author imports. Every name here is chosen and documented; anything else in the
 * package is internal and may change without notice. Embedding the framework (`createApp`, adapters, settings)
 * is `nekomata/app`; testing a plugin is `nekomata/testing`.
 *
 * @example
 * import { CmdCtl, Plugin } from 'nekomata';
 * const plugin = new Plugin({ name: 'Echo', moduleName: 'echo', description: 'Says it back', version: '1.0.0', author: 'me', url: '' });
 * plugin.mountCommand({ name: 'say', description: 'Say it back' }, async (ctx) => CmdCtl.success(ctx.rawArgs));
 * export default plugin;
 */

// --- The plugin: one object carrying Nekro Agent's, KiraAI's and N.E.K.O's ways of registering ---

/** A plugin: metadata, config schema, and everything it registers. Export one as your module's default. */
export { Plugin, PluginNotLoadedError, PluginTimerError } from './plugin/index.js';
/** What `new Plugin({...})` takes, and the metadata rules it checks. */
export type { PluginOptions, PluginMetadata } from './plugin/index.js';
/** A group of commands named `group.sub` (`plugin.mountCommandGroup`). */
export { CommandGroup, type CommandGroupOptions } from './plugin/index.js';
/** Thrown when a plugin's metadata breaks a rule (name, moduleName, version). */
export { PluginMetadataError } from './plugin/index.js';
/** KiraAI's class style: `class Mine extends BasePlugin`, with `@on.<event>()` and `@register.tool/tag()`. */
export { BasePlugin, on, register } from './plugin/index.js';
/** The functions the mount methods take. */
export type {
  InitMethod, UserMessageCallback, SystemMessageCallback, ChannelResetCallback, PromptInjectMethod, CollectMethods,
  TimerCallback, TimerSchedule, HookRegistration,
} from './plugin/index.js';
/** What a Nekro-style callback learns about its chat (`AgentCtx` is Nekro's name for it). */
export type { ChatContext, AgentCtx } from './plugin/index.js';
/** The plugin's key-value store (`plugin.store`) and its four scopes. */
export type { PluginStore, PluginStoreAddress, PluginStoreWrite, PluginStoreListQuery, PluginStoreScope, LegacyPluginStore } from './plugin/index.js';
/** An invalid config update, with each field's problem. */
export { PluginConfigError, type PluginConfigIssue } from './plugin/index.js';
/** A path that would leave the plugin's data directory (`getPluginPath`). */
export { PathEscapeError } from './plugin/index.js';
/** Nekro's sandbox methods (`mountSandboxMethod`): their types and functions. */
export { SandboxMethodType, type SandboxMethod, type SandboxMethodFn } from './plugin/index.js';
/** The app's services, for plugins that manage it (`plugin.services`). */
export type { PluginServices, PluginInfo, PluginState } from './plugin/index.js';
/** N.E.K.O's class style: `@entry`, `@lifecycle`, `@timer` and `@customEvent` on `BasePlugin` methods. */
export { entry, lifecycle, timer, customEvent } from './plugin/index.js';
/** What `plugin.entry`, `onLifecycle`, `onCustomEvent` and `route` take, and what an entry learns about its call. */
export type {
  EntryOptions, EntryHandler, EntryCall, LifecycleEvent, LifecycleHandler, LifecycleInfo, CustomEventHandler, PluginRoute,
} from './plugin/index.js';
/** N.E.K.O's `ctx` (`plugin.ctx`): pushed messages, runs, the message bus, status. */
export type { PluginContext, PluginRuns, PushMessage } from './plugin/index.js';
/**
 * Errors of calls into plugins, inline or isolated (`plugin.callPlugin`, hooks and commands of a plugin process):
 * not loaded, not running, no such entry, past its limit, the plugin threw, its process unreachable; the A1
 * policy's refusal; a bad registration.
 */
export {
  PluginNotFoundError, PluginNotRunningError, EntryNotFoundError, PluginTimeoutError, PluginExecutionError, PluginCommunicationError,
  PluginCallRefusedError, PluginRegistrationError,
} from './plugin/index.js';
/** Runs of entries (`ctx.runs`): their records, states, progress and exports. */
export type { RunRecord, RunStatus, RunExport, RunExportInput, RunHandle, RunProgress } from './runs/index.js';
/** A run id that names no stored run, and progress or exports refused by the run's state. */
export { RunNotFoundError, RunStateError } from './runs/index.js';
/** The message bus as plugins read it (`ctx.bus.<topic>`): topics, records and filters. */
export type { BusView, BusTopicReader, BusTopicName, BusRecord, BusFilter, RecentQuery } from './bus/index.js';

// --- N.E.K.O's runtime: plugin.toml and plugins isolated in processes of their own ---

/** A `plugin.toml` as read and checked, and how a plugin is hosted (`[plugin.runtime] isolation`). */
export type { PluginManifest, IsolationMode } from './manifest/index.js';
/** A `plugin.toml` refused: a bad field (named), an SDK range that refuses this version, a dependency that cannot be met. */
export { PluginManifestError, PluginSdkError, PluginDependencyError, type DependencyProblem } from './manifest/index.js';
/** An isolated plugin's process as operators see it (`PluginInfo.process`). */
export type { ProcessStatus, ProcessState } from './plugin/index.js';

// --- Hooks: the pipeline's events, their order and the decisions they make ---

/** Hook priorities: higher runs first (KiraAI's `Priority`). */
export { Priority, type PriorityName } from './hooks/index.js';
/** Nekro's message signals (`mountOnUserMessage` returns one). */
export { MsgSignal } from './hooks/index.js';
/** Every hook event and the arguments its handlers receive; the event objects. */
export { MessageEvent, BatchEvent } from './hooks/index.js';
/** The map of hook events to their handlers' arguments, the strategies a hook chooses, and each event's payload. */
export type {
  HookEvents, HookEventName, Strategy, StrategyOptions, BufferedEvent, ExceptionEvent, ChannelResetEvent, MessageSentEvent,
  PlatformEvent, CustomEvent, Disposer,
} from './hooks/index.js';

// --- Messages: the one model every adapter produces ---

/** A received message, its chat key and a released batch. */
export type { InboundMessage, ChatKey, ChatType, Batch } from './message/index.js';
/** Segments of a message, and `seg` to build them: `seg.text('hi')`, `seg.at(userId)`, `seg.image(url)`. */
export { seg } from './message/index.js';
/** Each segment type: text, mentions, media, files, replies, faces, forwards, raw platform data and buttons. */
export type {
  Segment, SegmentType, TextSegment, AtSegment, ImageSegment, AudioSegment, VideoSegment, FileSegment, ReplySegment, FaceSegment,
  ForwardSegment, ForwardNode, RawSegment, ButtonsSegment,
} from './message/index.js';
/** Reading chat keys and segments. */
export { parseChatKey, formatChatKey, isChatKey, describeSegments, plainText } from './message/index.js';
/** What a send returns (the platform's message id). */
export type { SendResult } from './adapter/index.js';

// --- Commands: typed, permissioned, usable in chat, natively, from the admin API and by the agent ---

/** Argument declarations (`Arg.str`, `Arg.int`, …), whose types flow into the handler. */
export { Arg, type ArgSpec, type ArgSpecs, type ArgOptions, type ArgType, type InferArgs } from './command/index.js';
/** A command's answers: `CmdCtl.success`, `failed`, `message`, `wait`. */
export { CmdCtl, type CommandResponse, type CommandStatus, type CommandContent, type WaitOptions, type OutputSegment } from './command/index.js';
/** Permission levels: PUBLIC < USER < ADVANCED < SUPER_USER. */
export { CommandPermission } from './command/index.js';
/** What a command handler receives and returns. */
export type { CommandContext, CommandOptions, CommandHandler, CommandResult, Lang, I18nText } from './command/index.js';

// --- The agent: tools, tags and what its hooks see ---

/** A tool the model may call (`plugin.registerTool`), and what it returns. */
export { BaseTool, type ToolDefinition, type ToolResult, type ToolCallContext, type JsonSchemaObject } from './agent/index.js';
/** An XML tag the model may write in its reply (`plugin.registerTag`). */
export { BaseTag, ReplyTagError, type TagDefinition, type TagContext } from './agent/index.js';
/** What `llm_request`, `llm_response`, `tool_result`, `step_result` and `final_result` hooks receive. */
export type { LLMRequest, LLMResponse, ChatTurn, ToolCall, ToolCallResult, StepResult, MessageChain, ToolSet, TagSet, TokenUsage } from './agent/index.js';

// --- Errors: every code in one table; each error says what went wrong and what to do ---

/** The base of every error the framework throws on purpose, and the table of their codes. */
export { NekomataError, ERROR_CODES, type ErrorCode } from './errors/index.js';
/** Errors a plugin may meet or throw itself. */
export { ValidationError, TimeoutError, ClosedError, ChatKeyError, UnavailableError } from './errors/index.js';
