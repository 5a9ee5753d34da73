import type { Logger } from 'pino';
import type { ToolDefinition } from '../agent/index.js';
import type { SendResult } from '../adapter/index.js';
import type { Disposer } from '../hooks/index.js';
import type { ChatKey, InboundMessage, Segment } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { InterceptorChain } from '../pipeline/index.js';
import type { ChatHistory } from '../session/index.js';
import type { KVStore, WaitStore } from '../store/index.js';
import type { ControlPlane } from '../control/index.js';
import { commandAgentTools } from './agent-tools.js';
import { commandInterceptor, deliver, waitInterceptor, type ChatEntryDeps } from './chat-entry.js';
import { CommandExecutor, type CommandCaller, type ExecuteRequest, type ExecutionResponse } from './executor.js';
import { langFromCode, type Lang } from './i18n.js';
import { CommandOverrides } from './overrides.js';
import { callerLevel, isCommandPermission, type CommandPermission } from './permission.js';
import type { CommandRegistry } from './registry.js';
import { settingsFor, type CommandSettings } from './settings.js';
import { text } from './texts.js';
import { WaitSessions, type WaitSession } from './wait.js';

export interface CommandServiceDeps {
  /**
   * The registry commands are added to. Made first, on its own, because plugins add commands to it and the
   * service needs the plugins in turn (`recordSystemMessage`): registry → plugins → service.
   */
  registry: CommandRegistry;
  kv: KVStore;
  /** Pending waits, shared by every process on the store. */
  waits: WaitStore;
  /** Tells every process of changed overrides and of waits starting and ending. */
  control: ControlPlane;
  history: ChatHistory;
  log: Logger;
  metrics: Metrics;
  settings: CommandSettings;
  send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult>;
  /** Records a text as a system message of the chat (Nekro's `push_system_message`). */
  recordSystemMessage(chatKey: ChatKey, text: string): Promise<unknown>;
}

const USERS = '__users__';
const GRANT_CACHE_MS = 10_000;

/**
 * The command system assembled: registry, overrides, executor, waits, and the two pipeline interceptors
 * (waits above commands) that make `/name args` work in every adapter's chats.
 */
export class CommandService {
  readonly registry: CommandRegistry;
  readonly overrides: CommandOverrides;
  readonly executor: CommandExecutor;
  readonly waits: WaitSessions;
  private readonly superUsers: ReadonlySet<string>;
  private readonly chat: ChatEntryDeps;
  private readonly grants = new Map<string, { value: string | undefined; until: number }>();

  constructor(private readonly deps: CommandServiceDeps) {
    const { settings } = deps;
    this.superUsers = new Set(settings.superUsers);
    this.registry = deps.registry;
    this.overrides = new CommandOverrides(deps.kv, deps.control, () => this.registry.notifyChanged());
    this.executor = new CommandExecutor({
      registry: this.registry, overrides: this.overrides, log: deps.log, metrics: deps.metrics, send: deps.send,
      callTimeoutMs: settings.callTimeoutMs,
      parse: { greedyAfterPositionals: settings.greedyAfterPositionals, strictBool: settings.strictBool },
    });
    this.waits = new WaitSessions({ store: deps.waits, control: deps.control, log: deps.log, onTimeout: (session) => void this.onWaitTimeout(session) });
    this.chat = {
      executor: this.executor, waits: this.waits, history: deps.history, log: deps.log, send: deps.send,
      settingsFor: (adapter) => settingsFor(settings, adapter),
      callerFor: (message) => this.callerNow(message),
    };
  }

  async start(): Promise<void> {
    await this.overrides.load();
    await this.waits.load();
  }

  /** Installs the chat entry points into the pipeline; the returned function removes them. */
  install(interceptors: InterceptorChain): Disposer {
    const a = interceptors.add(waitInterceptor(this.chat), { priority: 100, owner: 'core.commands.wait' });
    const b = interceptors.add(commandInterceptor(this.chat), { priority: 50, owner: 'core.commands' });
    return () => {
      a();
      b();
    };
  }

  /** The caller behind a chat message: its level (super user, platform role, stored grant) and language. */
  async callerFor(message: InboundMessage): Promise<CommandCaller> {
    return this.callerNow(message);
  }

  /** `callerFor` without a promise when the user's grant is cached, as it is for every command but the first. */
  private callerNow(message: InboundMessage): CommandCaller | Promise<CommandCaller> {
    const stored = this.grantOf(message.adapter, message.userId);
    return stored instanceof Promise ? stored.then((s) => this.caller(message, s)) : this.caller(message, stored);
  }

  private caller(message: InboundMessage, stored: string | undefined): CommandCaller {
    return {
      userId: message.userId,
      userName: message.userName,
      chatKey: message.chatKey,
      adapter: message.adapter,
      level: callerLevel({ adapter: message.adapter, userId: message.userId, role: message.senderRole, granted: isCommandPermission(stored) ? stored : undefined, superUsers: this.superUsers }),
      lang: langFromCode(message.language) ?? this.deps.settings.defaultLang,
      source: 'chat',
    };
  }

  /**
   * A user's stored level, read through a short cache: every command needs it, and a grant made by another
   * process (on a shared store) is seen within `GRANT_CACHE_MS`.
   */
  private grantOf(adapter: string, userId: string): string | undefined | Promise<string | undefined> {
    const key = `level:${adapter}:${userId}`;
    const cached = this.grants.get(key);
    if (cached && cached.until > Date.now()) return cached.value;
    return this.loadGrant(key);
  }

  private async loadGrant(key: string): Promise<string | undefined> {
    const value = await this.deps.kv.get({ pluginKey: USERS, key });
    if (this.grants.size > 10_000) this.grants.clear();
    this.grants.set(key, { value, until: Date.now() + GRANT_CACHE_MS });
    return value;
  }

  /** Stores a user's level (never above ADVANCED: super users come only from `SUPER_USERS`). */
  async grant(adapter: string, userId: string, level: CommandPermission | undefined): Promise<void> {
    this.grants.delete(`level:${adapter}:${userId}`);
    const key = { pluginKey: USERS, key: `level:${adapter}:${userId}` };
    if (level === undefined) await this.deps.kv.delete(key);
    else await this.deps.kv.set(key, level);
  }

  /** The level commands run at when the agent calls them as tools (`AGENT_COMMAND_PERMISSION`). */
  get agentLevel(): CommandPermission {
    return this.deps.settings.agentLevel;
  }

  get defaultLang(): Lang {
    return this.deps.settings.defaultLang;
  }

  /**
   * The commands the agent may call in a chat, as tools: only those the agent level (`AGENT_COMMAND_PERMISSION`)
   * may run there, so the model is never offered a command that would refuse it.
   */
  agentTools(chatKey: ChatKey, lang: Lang = this.defaultLang): ToolDefinition[] {
    return commandAgentTools(this, { chatKey, lang, level: this.agentLevel });
  }

  /** The command prefix in an adapter's chats. */
  prefixFor(adapter: string): string {
    return settingsFor(this.deps.settings, adapter).prefix;
  }

  isSuperUser(adapter: string, userId: string): boolean {
    return this.superUsers.has(`${adapter}:${userId}`);
  }

  /** Runs a command and streams its responses (admin API, tools, native commands). */
  execute(request: ExecuteRequest): AsyncGenerator<ExecutionResponse> {
    return this.executor.execute(request);
  }

  /** Runs a command for a chat caller and sends its responses to that chat, as a typed command would. */
  async executeInChat(request: ExecuteRequest): Promise<void> {
    const settings = settingsFor(this.deps.settings, request.caller.adapter);
    await deliver(this.chat, settings, request.caller, this.executor.start(request));
  }

  close(): void {
    this.waits.close();
    this.overrides.close();
  }

  /** Decision §1.4.6: the timeout notice is sent to the chat as well as recorded (users never saw it). */
  private async onWaitTimeout(session: WaitSession): Promise<void> {
    const notice = session.onTimeoutMessage || text('waitTimeout', session.lang);
    try {
      await this.deps.send(session.chatKey, [{ type: 'text', text: notice }]);
    } catch (err) {
      this.deps.log.error({ err, chatKey: session.chatKey }, 'wait timeout notice could not be sent');
    }
    await this.deps.recordSystemMessage(session.chatKey, notice);
  }
}
