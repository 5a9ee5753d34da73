import type { Logger } from 'pino';
import type { z } from 'zod';
import type { JsonSchemaObject, TagDefinition, ToolDefinition } from '../agent/index.js';
import { NekomataError } from '../errors/index.js';
import type { HookEventName, HookEvents, MsgSignal } from '../hooks/index.js';
import type { SendResult } from '../adapter/index.js';
import type { Segment } from '../message/index.js';
import type { ChatContext } from './context.js';
import type { PluginServices } from './plugin-host.js';
import type { ArgSpecs, CommandHandler, CommandOptions, CommandPermission } from '../command/index.js';
import { validatePluginMetadata, type PluginMetadata } from './metadata.js';
import type { PluginConfig } from './plugin-config.js';
import type { PluginStore } from './plugin-store.js';
import type { SandboxMethod, SandboxMethodFn, SandboxMethodType } from './sandbox.js';
import type { HttpHandler, HttpMethod } from '../http/index.js';
import { cronProblem } from './plugin-timer.js';
import type {
  CustomEventHandler, EntryHandler, EntryOptions, LifecycleEvent, LifecycleHandler, PluginContext, PluginRoute,
} from './neko-types.js';

/** What a plugin registers that lives in a shared registry while the plugin is enabled. */
export type Declaration =
  | { kind: 'hook'; event: HookEventName; handler: (...args: never[]) => unknown; priority: number; eventName?: string | undefined }
  | { kind: 'command'; options: CommandOptions<ArgSpecs>; handler: CommandHandler<ArgSpecs> }
  | { kind: 'tool'; tool: ToolDefinition }
  | { kind: 'tag'; tag: TagDefinition }
  | { kind: 'timer'; id: string; schedule: TimerSchedule; fn: TimerCallback }
  | { kind: 'entry'; id: string; options: EntryOptions; fn: EntryHandler }
  | { kind: 'lifecycle'; event: LifecycleEvent; fn: LifecycleHandler }
  | { kind: 'custom_event'; type: string; id: string; fn: CustomEventHandler }
  | { kind: 'route'; route: PluginRoute };

/** What a plugin timer runs, told when the tick was due; a returned promise is awaited before the timer may run again. */
export type TimerCallback = (tick: { scheduledAt: number }) => unknown;

/**
 * When a plugin timer runs while the plugin is enabled: every `every` milliseconds, or on a `cron` pattern
 * (5 fields, or 6 with seconds first; `timezone` an IANA name, default the host's).
 */
export type TimerSchedule = { every: number } | { cron: string; timezone?: string };

const ID = /^[A-Za-z0-9_.-]{1,64}$/;
const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = ['startup', 'shutdown', 'reload', 'config_change'];

// setInterval takes a signed 32-bit delay; a longer one fires at once, in a loop.
const MAX_TIMER_MS = 2 ** 31 - 1;
const MIN_TIMER_MS = 10;

export interface HookRegistration {
  /** Higher runs first; default `Priority.MEDIUM`. */
  priority?: number;
  /** For `custom_event`: only events of this name. */
  eventName?: string;
}

export type InitMethod = () => unknown;
export type UserMessageCallback = (ctx: ChatContext, message: NonNullable<ChatContext['message']>) => MsgSignal | void | undefined | Promise<MsgSignal | void | undefined>;
export type SystemMessageCallback = (ctx: ChatContext, text: string) => MsgSignal | void | undefined | Promise<MsgSignal | void | undefined>;
export type ChannelResetCallback = (ctx: ChatContext) => unknown;
export type PromptInjectMethod = (ctx: ChatContext) => string | Promise<string>;
/** Returns the sandbox methods (or their names) available in this context (Nekro's collect filter). */
export type CollectMethods = (ctx: ChatContext) => Array<SandboxMethod | SandboxMethodFn | string> | Promise<Array<SandboxMethod | SandboxMethodFn | string>>;

export interface PromptInjection {
  name: string;
  description: string;
  fn: PromptInjectMethod;
}

/** What the loader gives an activated plugin: the parts that only exist inside a running app. */
export interface PluginRuntime<S extends z.ZodObject> {
  readonly store: PluginStore;
  readonly config: PluginConfig<S>;
  /** `DATA_DIR/plugins/<author>.<moduleName>/`, created on first use. */
  dataDir(...parts: string[]): string;
  readonly log: Logger;
  isEnabled(): boolean;
  /** Registers a declaration made after activation, at once if the plugin is enabled. */
  declare(declaration: Declaration): void;
  emit(eventName: string, payload: unknown): Promise<void>;
  services(): PluginServices;
  onConfigChange(listener: (value: unknown, previous: unknown) => void): void;
  /** Calls another plugin's entry, with this plugin as the caller. */
  callPlugin(target: string, entryId: string, args: unknown, opts: { timeoutMs?: number }): Promise<unknown>;
  /** The N.E.K.O context: bus, runs, pushed messages, status. */
  context(): PluginContext;
}

// Registered symbols, not module-level state: a plugin module resolved to another copy of this file (a
// CommonJS plugin folder, a plugin with its own node_modules) must still be recognised and bound.
const PLUGIN_BRAND = Symbol.for('nekomata.plugin');
const RUNTIME = Symbol.for('nekomata.plugin.runtime');

/** Whether `value` is a Plugin, from this copy of the framework or another one. */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}

/** Loader only: binds a plugin to the app that activated it (or unbinds it with `undefined`). */
export function bindPlugin<S extends z.ZodObject>(plugin: Plugin<S>, runtime: PluginRuntime<S> | undefined): void {
  if (runtime && runtimeOf(plugin as Plugin)) {
    throw new NekomataError('PLUGIN_ALREADY_BOUND', `plugin ${plugin.key} is already loaded in an app: one instance serves one app (unload it first)`);
  }
  (plugin as unknown as Record<symbol, unknown>)[RUNTIME] = runtime;
}

/** Whether `plugin` is loaded in an app (one instance serves one app at a time). */
export function isBound(plugin: Plugin): boolean {
  return runtimeOf(plugin) !== undefined;
}

function runtimeOf(plugin: Plugin): PluginRuntime<z.ZodObject> | undefined {
  return (plugin as unknown as Record<symbol, PluginRuntime<z.ZodObject> | undefined>)[RUNTIME];
}

/** Using a runtime part (store, config, data directory) of a plugin that is not loaded. */
export class PluginNotLoadedError extends NekomataError {
  constructor(readonly pluginKey: string, what: string) {
    super('PLUGIN_NOT_LOADED', `plugin ${pluginKey} is not loaded, so it has no ${what} yet: use it from a callback or the init method`);
  }
}

/** An entry, route or custom-event handler declared with a bad id, a duplicate id or bad options. */
export class PluginRegistrationError extends NekomataError {
  constructor(readonly pluginKey: string, what: string, reason: string) {
    super('PLUGIN_REGISTRATION_INVALID', `${what} of plugin ${pluginKey} is invalid: ${reason}`);
  }
}

/** A timer declaration that can never run (bad id, a duplicate, an interval out of range). */
export class PluginTimerError extends NekomataError {
  constructor(readonly pluginKey: string, readonly timerId: string, reason: string) {
    super('PLUGIN_TIMER_INVALID', `timer "${timerId}" of plugin ${pluginKey} is invalid: ${reason}`);
  }
}

export interface PluginOptions<S extends z.ZodObject> extends PluginMetadata {
  /** The plugin's settings as a zod object schema; values are validated, defaulted and persisted. */
  config?: S;
}

/**
 * A plugin: Nekro Agent's `NekroPlugin` and KiraAI's hooks, tools and tags on one object. Create it at
 * module level, register on it, and export it as the module's default; the loader activates it.
 * @example
 * const plugin = new Plugin({ name: 'Echo', moduleName: 'echo', description: 'Says it back', version: '1.0.0', author: 'me', url: '' });
 * plugin.mountOnUserMessage(async (ctx, message) => { if (message.text === 'ping') await ctx.send('pong'); });
 * export default plugin;
 */
export class Plugin<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly moduleName: string;
  readonly description: string;
  readonly version: string;
  readonly author: string;
  readonly url: string;
  /** Adapters this plugin serves; empty = all. Every callback and hook is limited to them. */
  readonly supportAdapter: readonly string[];
  readonly isBuiltin: boolean;
  readonly isPackage: boolean;
  readonly configSchema: S | undefined;

  /** @internal read by the loader */ readonly declarations: Declaration[] = [];
  /** @internal */ initMethod: InitMethod | undefined;
  /** @internal */ cleanupMethod: InitMethod | undefined;
  /** @internal */ channelResetCallback: ChannelResetCallback | undefined;
  /** @internal */ userMessageCallback: UserMessageCallback | undefined;
  /** @internal */ systemMessageCallback: SystemMessageCallback | undefined;
  /** @internal */ collectMethods: CollectMethods | undefined;
  /** @internal */ readonly promptInjections: PromptInjection[] = [];
  /** @internal */ readonly sandboxMethods: SandboxMethod[] = [];
  /** @internal */ readonly enabledCallbacks: InitMethod[] = [];
  /** @internal */ readonly disabledCallbacks: InitMethod[] = [];

  constructor(options: PluginOptions<S>) {
    Object.defineProperty(this, PLUGIN_BRAND, { value: true });
    const { config, ...meta } = options;
    const m = validatePluginMetadata(meta);
    this.name = m.name;
    this.moduleName = m.moduleName;
    this.description = m.description;
    this.version = m.version;
    this.author = m.author;
    this.url = m.url;
    this.supportAdapter = m.supportAdapter ?? [];
    this.isBuiltin = m.isBuiltin ?? false;
    this.isPackage = m.isPackage ?? false;
    this.configSchema = config;
  }

  /** `author.moduleName`: the identity used for the store, config, data directory and logs. */
  get key(): string {
    return `${this.author}.${this.moduleName}`;
  }

  /** Whether this plugin serves `adapter` (Nekro's `support_adapter`; empty = every adapter). */
  supports(adapter: string): boolean {
    return this.supportAdapter.length === 0 || this.supportAdapter.includes(adapter);
  }

  // --- Nekro lifecycle and callbacks: one slot each; mounting again replaces the earlier one. ---

  /** Runs once per load, whether or not the plugin is enabled. */
  mountInitMethod<F extends InitMethod>(fn: F): F {
    this.initMethod = fn;
    return fn;
  }
  /** Runs on unload, on reload (for the old instance) and at app shutdown. */
  mountCleanupMethod<F extends InitMethod>(fn: F): F {
    this.cleanupMethod = fn;
    return fn;
  }
  /** Runs when a chat is reset, to drop what the plugin keeps for it. */
  mountOnChannelReset<F extends ChannelResetCallback>(fn: F): F {
    this.channelResetCallback = fn;
    return fn;
  }
  /** Sees every user message before the chat policy decides; may return a `MsgSignal`. */
  mountOnUserMessage<F extends UserMessageCallback>(fn: F): F {
    this.userMessageCallback = fn;
    return fn;
  }
  /** Sees every system message pushed into a chat; may return a `MsgSignal`. */
  mountOnSystemMessage<F extends SystemMessageCallback>(fn: F): F {
    this.systemMessageCallback = fn;
    return fn;
  }
  /** Adds text to the prompt of every agent run in chats this plugin serves. */
  mountPromptInjectMethod<F extends PromptInjectMethod>(info: { name: string; description?: string }, fn: F): F {
    this.promptInjections.push({ name: info.name, description: info.description ?? '', fn });
    return fn;
  }
  /** Chooses which of the plugin's sandbox methods the agent may use in a context. */
  mountCollectMethods<F extends CollectMethods>(fn: F): F {
    this.collectMethods = fn;
    return fn;
  }
  /** Offers a method to the agent as a tool; `type` decides what happens with its result. */
  mountSandboxMethod<F extends SandboxMethodFn>(type: SandboxMethodType, name: string, description: string, fn: F, parameters?: JsonSchemaObject | z.ZodType): F {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new NekomataError('SANDBOX_METHOD_NAME_INVALID', `sandbox method name "${name}" of ${this.key} must be letters, digits or "_", not starting with a digit`);
    }
    const i = this.sandboxMethods.findIndex((m) => m.name === name);
    const method: SandboxMethod = { type, name, description, fn, parameters };
    if (i >= 0) this.sandboxMethods[i] = method;
    else this.sandboxMethods.push(method);
    return fn;
  }
  /** Runs each time the plugin is enabled (and at load when it starts enabled). */
  onEnabled(fn: InitMethod): void {
    this.enabledCallbacks.push(fn);
  }
  onDisabled(fn: InitMethod): void {
    this.disabledCallbacks.push(fn);
  }

  // --- Nekro commands: registered while loaded; a disabled plugin's commands answer "disabled". ---

  /**
   * Registers a chat command `/<name>`; the handler's `args` are typed from the declaration.
   * @example
   * plugin.mountCommand({ name: 'weather', description: '查询天气', args: { city: Arg.str('城市名', { default: '北京', positional: true }) } },
   *   async (ctx, { city }) => CmdCtl.success(`${city}: 晴`));
   */
  mountCommand<A extends ArgSpecs = Record<never, never>>(options: CommandOptions<A>, handler: CommandHandler<A>): CommandHandler<A> {
    this.declare({ kind: 'command', options: options as CommandOptions<ArgSpecs>, handler: handler as unknown as CommandHandler<ArgSpecs> });
    return handler;
  }

  /** A group of commands named `group.sub`, sharing permission, category and tags. */
  mountCommandGroup(group: CommandGroupOptions): CommandGroup {
    return new CommandGroup(this as Plugin, group);
  }

  // --- KiraAI: hooks, tools, tags, custom events. Registered while the plugin is enabled. ---

  /** Registers a hook (KiraAI's `@on.<event>`). Handlers run from the highest priority down. */
  on<K extends HookEventName>(event: K, handler: HookEvents[K], opts: HookRegistration = {}): void {
    this.declare({ kind: 'hook', event, handler, priority: opts.priority ?? 0, eventName: opts.eventName });
  }
  /** A global tool for the agent (KiraAI's `@register.tool`). */
  registerTool<Args>(tool: ToolDefinition<Args>): void {
    this.declare({ kind: 'tool', tool: tool as unknown as ToolDefinition });
  }
  /** A global XML tag for the agent's replies (KiraAI's `@register.tag`). */
  registerTag(tag: TagDefinition): void {
    this.declare({ kind: 'tag', tag });
  }
  /**
   * Runs `fn` every `schedule.every` ms, or on `schedule.cron`, while the plugin is enabled (N.E.K.O's
   * `@timer_interval`); disabling or unloading the plugin stops it. With `REDIS_URL` a tick fires once across
   * the cluster. A throw or a rejection is the plugin's: logged, counted and reported to `exception` hooks, and
   * the timer keeps its schedule. A run still going when the next is due makes that one skip (counted).
   * @example
   * plugin.timer('cleanup', { every: 60_000 }, async () => { await plugin.store.delete({ key: 'stale' }); });
   * plugin.timer('daily', { cron: '0 9 * * *', timezone: 'Asia/Shanghai' }, () => plugin.ctx.pushMessage({ content: 'morning' }));
   */
  timer(id: string, schedule: TimerSchedule, fn: TimerCallback): void {
    if (!ID.test(id)) throw new PluginTimerError(this.key, id, 'a timer id is 1-64 letters, digits, "_", "." or "-"');
    if (this.declarations.some((d) => d.kind === 'timer' && d.id === id)) throw new PluginTimerError(this.key, id, 'this plugin already has a timer with that id');
    if ('cron' in schedule) {
      const problem = cronProblem(schedule.cron, schedule.timezone);
      if (problem) throw new PluginTimerError(this.key, id, problem);
      this.declare({ kind: 'timer', id, schedule: { cron: schedule.cron, timezone: schedule.timezone }, fn });
      return;
    }
    const every = schedule.every;
    if (!Number.isInteger(every) || every < MIN_TIMER_MS || every > MAX_TIMER_MS) {
      throw new PluginTimerError(this.key, id, `"every" must be a whole number of milliseconds from ${MIN_TIMER_MS} to ${MAX_TIMER_MS}, got ${String(every)}`);
    }
    this.declare({ kind: 'timer', id, schedule: { every }, fn });
  }

  // --- N.E.K.O: entries, lifecycle, custom events, calls, routes, context. Registered while enabled. ---

  /**
   * Declares an entry other plugins, runs and the API can call (N.E.K.O's `@plugin_entry`). Arguments are
   * validated against `options.input` (zod) before `fn` sees them.
   * @example
   * plugin.entry('add', { description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
   */
  entry<I extends z.ZodType>(id: string, options: EntryOptions<I>, fn: EntryHandler<I>): EntryHandler<I> {
    if (!ID.test(id)) throw new PluginRegistrationError(this.key, `entry "${id}"`, 'an entry id is 1-64 letters, digits, "_", "." or "-"');
    if (this.declarations.some((d) => d.kind === 'entry' && d.id === id)) throw new PluginRegistrationError(this.key, `entry "${id}"`, 'this plugin already has an entry with that id');
    if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) {
      throw new PluginRegistrationError(this.key, `entry "${id}"`, `timeoutMs must be a positive whole number of ms, got ${String(options.timeoutMs)}`);
    }
    this.declare({ kind: 'entry', id, options: options as EntryOptions, fn: fn as EntryHandler });
    return fn;
  }
  /**
   * Runs `fn` on a lifecycle event (N.E.K.O's `@lifecycle`): `startup` when the plugin is enabled (at load
   * too), `shutdown` when it is disabled or unloaded, `reload` on the new instance after a reload,
   * `config_change` after an accepted config update.
   */
  onLifecycle(event: LifecycleEvent, fn: LifecycleHandler): void {
    if (!LIFECYCLE_EVENTS.includes(event)) throw new PluginRegistrationError(this.key, `lifecycle handler "${String(event)}"`, `the events are ${LIFECYCLE_EVENTS.join(', ')}`);
    this.declare({ kind: 'lifecycle', event, fn });
  }
  /** Handles custom events of `type` (N.E.K.O's `@custom_event`); `id` names the handler within the plugin. */
  onCustomEvent(type: string, id: string, fn: CustomEventHandler): void {
    if (!ID.test(id)) throw new PluginRegistrationError(this.key, `custom event handler "${id}"`, 'an id is 1-64 letters, digits, "_", "." or "-"');
    if (type.length === 0) throw new PluginRegistrationError(this.key, `custom event handler "${id}"`, 'the event type is empty');
    if (this.declarations.some((d) => d.kind === 'custom_event' && d.type === type && d.id === id)) {
      throw new PluginRegistrationError(this.key, `custom event handler "${id}"`, `this plugin already handles "${type}" with that id`);
    }
    this.declare({ kind: 'custom_event', type, id, fn });
  }
  /**
   * Serves `method /plugins/<key><path>` on the app's HTTP server (`HTTP_PORT`) while the plugin is enabled.
   * @example
   * plugin.route('POST', '/webhook', async (c) => c.json({ got: await c.req.json() }));
   */
  route(method: HttpMethod, path: string, handler: HttpHandler): void {
    if (!/^\/[A-Za-z0-9_.~\-/]*$/.test(path) || path.includes('..')) {
      throw new PluginRegistrationError(this.key, `route ${method} ${path}`, 'the path starts with "/" and holds letters, digits, "_", ".", "~", "-" and "/", without ".."');
    }
    if (this.declarations.some((d) => d.kind === 'route' && d.route.method === method && d.route.path === path)) {
      throw new PluginRegistrationError(this.key, `route ${method} ${path}`, 'this plugin already serves it');
    }
    this.declare({ kind: 'route', route: { method, path, handler } });
  }
  /**
   * Calls another plugin's entry (N.E.K.O's `call_plugin`): validated against its input schema, limited to
   * `timeoutMs`, refused by the A1 policy when it would close a cycle. Throws `PluginNotFoundError`,
   * `PluginNotRunningError`, `EntryNotFoundError`, `ValidationError`, `PluginTimeoutError`,
   * `PluginExecutionError` or `PluginCallRefusedError`.
   */
  callPlugin(pluginKey: string, entryId: string, args: unknown = {}, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    return this.runtime('calls').callPlugin(pluginKey, entryId, args, opts);
  }
  /** N.E.K.O's `ctx`: `pushMessage`, `runs`, `bus` and `reportStatus`. */
  get ctx(): PluginContext {
    return this.runtime('context').context();
  }
  /** Emits a `custom_event` to every plugin listening for `eventName`. */
  emit(eventName: string, payload?: unknown): Promise<void> {
    return this.runtime('event bus').emit(eventName, payload);
  }

  // --- Runtime parts, available once loaded. ---

  /** The plugin's KV store (Nekro's `plugin.store`). */
  get store(): PluginStore {
    return this.runtime('store').store;
  }
  /** The plugin's validated settings. */
  get config(): z.output<S> {
    return this.runtime('config').config.value;
  }
  /** Calls `listener` after every accepted settings change; undone when the plugin unloads. */
  onConfigChange(listener: (value: z.output<S>, previous: z.output<S>) => void): void {
    this.runtime('config').onConfigChange(listener as (value: unknown, previous: unknown) => void);
  }
  /** Sends to any chat through its adapter. */
  send(chatKey: string, content: string | Segment[]): Promise<SendResult> {
    return this.runtime('services').services().send(chatKey, content);
  }
  /** Validates and persists new settings; refuses invalid ones with the field paths. */
  updateConfig(patch: Partial<z.input<S>>): Promise<z.output<S>> {
    return this.runtime('config').config.update(patch);
  }
  get isEnabled(): boolean {
    return runtimeOf(this as Plugin)?.isEnabled() ?? false;
  }
  /** The app's services (commands, plugins, channel reset): for plugins that manage the app. */
  get services(): PluginServices {
    return this.runtime('services').services();
  }
  get log(): Logger {
    return this.runtime('logger').log;
  }
  /** `DATA_DIR/plugins/<author>.<moduleName>/`, created on first use; `parts` may not leave it. */
  getPluginPath(...parts: string[]): string {
    return this.runtime('data directory').dataDir(...parts);
  }
  /** `author.moduleName[-suffix]`: a collection name no other plugin uses. */
  getVectorCollectionName(suffix?: string): string {
    return suffix ? `${this.key}-${suffix}` : this.key;
  }

  private declare(declaration: Declaration): void {
    this.declarations.push(declaration);
    runtimeOf(this as Plugin)?.declare(declaration);
  }

  private runtime(what: string): PluginRuntime<S> {
    const r = runtimeOf(this as Plugin);
    if (!r) throw new PluginNotLoadedError(this.key, what);
    return r as unknown as PluginRuntime<S>;
  }
}

export interface CommandGroupOptions {
  name: string;
  description: string;
  permission?: CommandPermission;
  category?: string;
  tags?: string[];
}

/** Nekro's command group: `group.command({ name: 'set' }, …)` registers `config.set`. */
export class CommandGroup {
  constructor(
    private readonly plugin: Plugin,
    readonly options: CommandGroupOptions,
  ) {}

  /** Registers `<group>.<name>`; permission, category and tags default to the group's; aliases are prefixed. */
  command<A extends ArgSpecs = Record<never, never>>(options: CommandOptions<A>, handler: CommandHandler<A>): CommandHandler<A> {
    const g = this.options;
    const full: CommandOptions<A> = {
      ...options,
      name: `${g.name}.${options.name}`,
      aliases: (options.aliases ?? []).map((a) => `${g.name}.${a}`),
      permission: options.permission ?? g.permission,
      category: options.category || g.category,
      tags: options.tags ?? g.tags,
    };
    return this.plugin.mountCommand(full, handler);
  }
}
