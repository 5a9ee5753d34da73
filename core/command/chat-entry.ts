import type { Logger } from 'pino';
import { seg, type InboundMessage, type Segment } from '../message/index.js';
import type { AfterIntercept, Interceptor } from '../pipeline/index.js';
import type { ChatHistory } from '../session/index.js';
import type { CommandCaller, CommandExecutor, CommandRun, ExecutionResponse } from './executor.js';
import { resolveText } from './i18n.js';
import { responseToSegments } from './response.js';
import type { AdapterCommandSettings } from './settings.js';
import { text } from './texts.js';
import { callbackArgs, type WaitSessions } from './wait.js';

export interface ChatEntryDeps {
  executor: CommandExecutor;
  waits: WaitSessions;
  history: ChatHistory;
  log: Logger;
  settingsFor(adapter: string): AdapterCommandSettings;
  /** A plain value when nothing needs loading (the usual case): no await then. */
  callerFor(message: InboundMessage): CommandCaller | Promise<CommandCaller>;
  send(chatKey: string, segments: Segment[]): Promise<unknown>;
}

/** Splits `/name rest` into the command name and its raw arguments; undefined when it is not a command. */
export function detectCommand(textIn: string, prefix: string): { name: string; raw: string } | undefined {
  const t = textIn.trim();
  if (prefix === '' || !t.startsWith(prefix)) return undefined;
  const body = t.slice(prefix.length);
  const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(body);
  if (!m) return undefined;
  return { name: m[1]!, raw: m[2] ?? '' };
}

/**
 * Commands in chat (Nekro §1.4.2): a prefixed message is always taken (it never reaches plugins or the
 * bot), cancels the user's pending wait, and its responses are routed to the chat per status.
 */
export function commandInterceptor(deps: ChatEntryDeps): Interceptor {
  return async (message, after) => {
    const settings = deps.settingsFor(message.adapter);
    if (!settings.enabled) return false;
    const detected = detectCommand(message.text, settings.prefix);
    if (!detected) return false;
    if (deps.waits.has(message.chatKey, message.userId)) await deps.waits.cancel(message.chatKey, message.userId);
    if (settings.recordInput) deps.history.record({ kind: 'message', message });
    const found = deps.callerFor(message);
    const caller = found instanceof Promise ? await found : found;
    const started = deps.executor.start({ name: detected.name, raw: detected.raw, caller });
    after.defer((await run(deps, settings, caller, started, settings.quoteReplies ? message.messageId : undefined)).sent);
    return true;
  };
}

/** The next non-command message of a waiting user in that chat goes to the wait's callback command. */
export function waitInterceptor(deps: ChatEntryDeps): Interceptor {
  // Not async: every message passes here and almost none has a wait, so the answer is a plain `false`.
  return (message, after) => (deps.waits.has(message.chatKey, message.userId) ? takeWait(deps, message, after) : false);
}

async function takeWait(deps: ChatEntryDeps, message: InboundMessage, after: AfterIntercept): Promise<boolean> {
  const settings = deps.settingsFor(message.adapter);
  if (settings.enabled && detectCommand(message.text, settings.prefix)) return false;
  const session = await deps.waits.take(message.chatKey, message.userId);
  if (!session) return false;
  const caller = await deps.callerFor(message);
  const raw = callbackArgs(message.text, session.contextData, deps.executor.argsOf(session.callbackCmd));
  const started = deps.executor.start({ name: session.callbackCmd, raw, caller });
  after.defer((await run(deps, settings, caller, started, settings.quoteReplies ? message.messageId : undefined)).sent);
  return true;
}

/** Runs a command to its end and sends each response to the chat, in order; resolves once all are sent. */
export async function deliver(deps: ChatEntryDeps, settings: AdapterCommandSettings, caller: CommandCaller, started: CommandRun): Promise<void> {
  await (await run(deps, settings, caller, started)).sent;
}

/**
 * Runs a command to its end: each response is filtered, rendered and, for `waiting`, its wait session started,
 * before the next is taken; sending them is started at once, one after the other in order, and not waited for.
 * With `quote`, each reply quotes that message. Resolves once the command has ended, with `sent`: the last
 * send, which never rejects (a failed send is logged).
 */
async function run(deps: ChatEntryDeps, settings: AdapterCommandSettings, caller: CommandCaller, started: CommandRun, quote?: string): Promise<{ sent: Promise<void> }> {
  const replies = new Replies(deps, settings, caller, quote);
  // `take` answers a promise only for a wait to start: no await (and no turn of the microtask queue) otherwise.
  if (started.kind === 'once') {
    const r = await started.response;
    const waiting = r && replies.take(r);
    if (waiting) await waiting;
  } else {
    for await (const r of started.responses) {
      const waiting = replies.take(r);
      if (waiting) await waiting;
    }
  }
  return { sent: replies.sending ?? Promise.resolve() };
}

/** A command's responses on their way to the chat, in order. */
class Replies {
  /** The last send started; each waits for the one before it. */
  sending: Promise<void> | undefined;

  constructor(
    private readonly deps: ChatEntryDeps,
    private readonly settings: AdapterCommandSettings,
    private readonly caller: CommandCaller,
    private readonly quote: string | undefined,
  ) {}

  /** Renders `r` and starts its send; resolves (later than that) only for a `waiting` one, once its wait started. */
  take(r: ExecutionResponse): Promise<void> | undefined {
    const { deps, settings, caller } = this;
    if (settings.silentStatuses.includes(r.status)) return undefined;
    if (r.status === 'unauthorized' && !settings.unauthorizedOutput) return undefined;
    if (r.status === 'not_found' && settings.unknownReply === 'silent') return undefined;
    const segments = responseToSegments(r, caller.lang);
    if (r.status !== 'waiting') return this.send(r, segments);
    // Buttons where the platform has them (Telegram's inline keyboard), else the same "Options: a / b" line.
    if (r.waitOptions?.length) segments.push(seg.buttons(r.waitOptions, { title: text('optionsTitle', caller.lang), userId: caller.userId }));
    if (!r.callbackCmd) return this.send(r, segments);
    return deps.waits
      .start({
        chatKey: caller.chatKey, userId: caller.userId, callbackCmd: r.callbackCmd, contextData: r.contextData ?? {},
        options: r.waitOptions ?? [], timeoutSec: r.waitTimeoutSec ?? 60, onTimeoutMessage: r.onTimeoutMessage, lang: caller.lang,
      })
      .then(() => this.send(r, segments));
  }

  private send(r: ExecutionResponse, segments: Segment[]): undefined {
    if (segments.length === 0) return undefined;
    if (this.quote !== undefined && !segments.some((s) => s.type === 'reply')) segments.unshift(seg.reply(this.quote));
    // The first send starts now, so that replies to a chat's commands leave in the order the commands ran.
    // (An inline arrow, not a named one: under tsx, naming a closure made per response costs a defineProperty.)
    const { deps, caller } = this;
    this.sending = this.sending ? this.sending.then(() => sendResponse(deps, caller, r, segments)) : sendResponse(deps, caller, r, segments);
    return undefined;
  }
}

async function sendResponse(deps: ChatEntryDeps, caller: CommandCaller, r: ExecutionResponse, segments: Segment[]): Promise<void> {
  try {
    await deps.send(caller.chatKey, segments);
  } catch (err) {
    deps.log.error({ err, chatKey: caller.chatKey, status: r.status }, `command output could not be sent: ${resolveText(r.message, caller.lang).slice(0, 80)}`);
  }
}
