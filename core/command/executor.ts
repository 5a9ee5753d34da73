import type { Logger } from 'pino';
import type { SendResult } from '../adapter/index.js';
import { toError } from '../errors/index.js';
import { withTimeLimit } from '../hooks/index.js';
import type { ChatKey, Segment } from '../message/index.js';
import type { Counter, Metrics, Observer } from '../metrics/index.js';
import type { CommandContext, CommandSource, RegisteredCommand } from './command.js';
import type { ArgSpecs } from './args.js';
import type { Lang } from './i18n.js';
import type { CommandOverrides } from './overrides.js';
import { ArgumentError, convertJsonArgs, parseArgs, type ParseOptions } from './parser.js';
import { CommandPermission, permits } from './permission.js';
import type { CommandRegistry } from './registry.js';
import type { CommandResponse, CommandStatus } from './response.js';
import { LEVEL_NAMES, text } from './texts.js';

/** Who runs a command. Every caller is explicit: tool calls never run silently as a super user. */
export interface CommandCaller {
  userId: string;
  userName: string;
  chatKey: ChatKey;
  adapter: string;
  level: CommandPermission;
  lang: Lang;
  source: CommandSource;
}

export interface ExecuteRequest {
  /** As typed: full name, alias, short name. */
  name: string;
  /** Text arguments, parsed with the grammar. */
  raw?: string;
  /** JSON arguments (tool calls, the admin API), converted without text parsing. */
  json?: unknown;
  caller: CommandCaller;
}

/** A response with the command it came from (when one was found). */
export type ExecutionResponse = CommandResponse & { command?: RegisteredCommand };

/** A started command (`CommandExecutor.start`): its one response (none: the handler answered nothing), or its stream. */
export type CommandRun = { kind: 'once'; response: Promise<ExecutionResponse | undefined> } | { kind: 'stream'; responses: AsyncIterable<ExecutionResponse> };

function once(response: ExecutionResponse): CommandRun {
  return { kind: 'once', response: Promise.resolve(response) };
}

export interface ExecutorDeps {
  registry: CommandRegistry;
  overrides: CommandOverrides;
  log: Logger;
  metrics: Metrics;
  /** Per-step time limit for a handler, ms. */
  callTimeoutMs: number;
  parse: Omit<ParseOptions, 'lang'>;
  send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult>;
}

/**
 * Runs commands: resolve → enabled → permission → arguments → handler, streaming every response as it
 * comes. An `ArgumentError` (from parsing or thrown by the handler) becomes `invalid_args` with the usage;
 * any other error becomes `error`, logged with the plugin key and counted.
 */
export class CommandExecutor {
  private readonly counters = new WeakMap<RegisteredCommand, Partial<Record<CommandSource, Counter>>>();
  private readonly durations = new WeakMap<RegisteredCommand, Observer>();
  /** Parse options per caller language, made once rather than spread for every command. */
  private readonly parseOptions: Record<Lang, ParseOptions>;

  constructor(private readonly deps: ExecutorDeps) {
    this.parseOptions = { en_US: { ...deps.parse, lang: 'en_US' }, zh_CN: { ...deps.parse, lang: 'zh_CN' } };
  }

  private counter(command: RegisteredCommand, source: CommandSource): Counter {
    let bySource = this.counters.get(command);
    if (!bySource) this.counters.set(command, (bySource = {}));
    return (bySource[source] ??= this.deps.metrics.counter('commands_total', { command: command.fullName, source }));
  }

  /** The argument specs of the command `name` resolves to, when it resolves to exactly one. */
  argsOf(name: string): ArgSpecs | undefined {
    const resolution = this.deps.registry.resolve(name);
    return resolution.kind === 'found' ? resolution.command.args : undefined;
  }

  /** Runs a command and streams its responses: `start`'s answer as one sequence. */
  async *execute(req: ExecuteRequest): AsyncGenerator<ExecutionResponse> {
    const run = this.start(req);
    if (run.kind === 'stream') {
      yield* run.responses;
      return;
    }
    const response = await run.response;
    if (response) yield response;
  }

  /**
   * Starts a command: its handler is called now. A handler that answers once (most do), and every refusal,
   * comes back as one promised response, without an async generator and a `for await` on the chat's path: ~1 µs
   * of the ~15 µs an `/echo` costs between ingest and send (DESIGN-NOTES, issue 20, eleventh session). A
   * streaming handler comes back as its stream.
   */
  start(req: ExecuteRequest): CommandRun {
    const { caller } = req;
    const lang = caller.lang;
    const resolution = this.deps.registry.resolve(req.name);
    if (resolution.kind === 'ambiguous') return once(this.outcome('not_found', text('ambiguous', lang, { name: req.name, names: resolution.candidates.join(', ') })));
    if (resolution.kind === 'not_found') {
      const hint = resolution.suggestions.length > 0 ? `\n${text('didYouMean', lang, { names: resolution.suggestions.join(', ') })}` : '';
      return once({ ...this.outcome('not_found', text('notFound', lang, { name: req.name }) + hint), data: { suggestions: resolution.suggestions } });
    }
    const command = resolution.command;
    const { overrides } = this.deps;
    if (!command.pluginEnabled() || !overrides.isEnabled(command.fullName, caller.chatKey)) {
      return once(this.outcome('disabled', text('disabled', lang, { name: command.name }), command));
    }
    const needed = overrides.effectivePermission(command.fullName, caller.chatKey, command.permission);
    if (!permits(caller.level, needed)) {
      return once(this.outcome('unauthorized', text('unauthorized', lang, { name: command.name, level: LEVEL_NAMES[needed]![lang] }), command));
    }
    let args: Record<string, unknown>;
    try {
      const options = this.parseOptions[lang];
      args = req.json !== undefined ? convertJsonArgs(command.args, req.json, options) : parseArgs(command.args, req.raw ?? '', options);
    } catch (err) {
      return once(this.failure(err, command, lang));
    }
    this.counter(command, caller.source).inc();
    const started = performance.now();
    let result: ReturnType<RegisteredCommand['handler']>;
    try {
      result = command.handler(new ExecutionContext(caller, this.deps), args as never);
    } catch (err) {
      this.duration(command).observe((performance.now() - started) / 1000);
      return once(this.failure(err, command, lang));
    }
    if (isAsyncIterable(result)) return { kind: 'stream', responses: this.stream(result, command, lang, started) };
    return { kind: 'once', response: this.answer(result, command, lang, started) };
  }

  /** A handler's single answer, within the time limit. */
  private async answer(result: unknown, command: RegisteredCommand, lang: Lang, started: number): Promise<ExecutionResponse | undefined> {
    try {
      const response = await withTimeLimit(Promise.resolve(result as CommandResponse | undefined), this.deps.callTimeoutMs, `command ${command.fullName}`);
      return response ? { ...response, command } : undefined;
    } catch (err) {
      return this.failure(err, command, lang);
    } finally {
      this.duration(command).observe((performance.now() - started) / 1000);
    }
  }

  /** A streaming handler's answers, each step within the time limit. */
  private async *stream(result: AsyncIterable<CommandResponse>, command: RegisteredCommand, lang: Lang, started: number): AsyncGenerator<ExecutionResponse> {
    try {
      const it = result[Symbol.asyncIterator]();
      try {
        while (true) {
          const step = await withTimeLimit(it.next(), this.deps.callTimeoutMs, `command ${command.fullName}`);
          if (step.done) break;
          yield { ...step.value, command };
        }
      } finally {
        void Promise.resolve(it.return?.()).catch(() => undefined);
      }
    } catch (err) {
      yield this.failure(err, command, lang);
    } finally {
      this.duration(command).observe((performance.now() - started) / 1000);
    }
  }

  private duration(command: RegisteredCommand): Observer {
    let observer = this.durations.get(command);
    if (!observer) {
      const histogram = this.deps.metrics.histogram('command_duration_seconds', {
        help: 'Time a command took, from its handler’s start to its last response (streaming commands included), by command.',
        labelNames: ['command'],
        buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      });
      observer = histogram.labels({ command: command.fullName });
      this.durations.set(command, observer);
    }
    return observer;
  }

  private failure(err: unknown, command: RegisteredCommand, lang: Lang): ExecutionResponse {
    if (err instanceof ArgumentError) {
      const usage = command.usage ? `\n${text('usage', lang, { usage: command.usage })}` : '';
      return this.outcome('invalid_args', text('invalidArgs', lang, { message: err.message }) + usage, command, { argument: err.argument });
    }
    const error = toError(err);
    this.deps.metrics.count('command_errors_total', { command: command.fullName });
    this.deps.log.error({ err: error, plugin: command.source, command: command.fullName }, `command ${command.fullName} failed`);
    return this.outcome('error', text('failed', lang, { message: error.message }), command);
  }

  private outcome(status: CommandStatus, message: string, command?: RegisteredCommand, data?: unknown): ExecutionResponse {
    return { status, message, ...(data === undefined ? {} : { data }), ...(command ? { command } : {}) };
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<CommandResponse> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** A command's context: one allocation per call, the child logger made only when a handler logs. */
class ExecutionContext implements CommandContext {
  readonly userId: string;
  readonly userName: string;
  readonly chatKey: ChatKey;
  readonly adapter: string;
  readonly level: CommandPermission;
  readonly isSuperUser: boolean;
  readonly isAdvancedUser: boolean;
  readonly lang: Lang;
  readonly source: CommandSource;
  #log: Logger | undefined;

  constructor(caller: CommandCaller, private readonly deps: ExecutorDeps) {
    this.userId = caller.userId;
    this.userName = caller.userName;
    this.chatKey = caller.chatKey;
    this.adapter = caller.adapter;
    this.level = caller.level;
    this.isSuperUser = caller.level === CommandPermission.SUPER_USER;
    this.isAdvancedUser = permits(caller.level, CommandPermission.ADVANCED);
    this.lang = caller.lang;
    this.source = caller.source;
  }

  /** A method, not a property: call it as `ctx.send(…)`. */
  send(content: string | Segment[]): Promise<SendResult> {
    return this.deps.send(this.chatKey, typeof content === 'string' ? [{ type: 'text', text: content }] : content);
  }

  get log(): Logger {
    return (this.#log ??= this.deps.log.child({ chatKey: this.chatKey, userId: this.userId }));
  }
}
