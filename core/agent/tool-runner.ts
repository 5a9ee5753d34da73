import type { Logger } from 'pino';
import { TimeoutError, toError } from '../errors/index.js';
import type { ChatKey } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ToolCall, ToolCallResult, ToolSet } from './llm.js';
import { checkToolArguments, parseArgumentsText } from './tool-arguments.js';
import { toToolResult } from './tool-result-text.js';
import type { ToolCallContext, ToolDefinition, ToolKind, ToolResult } from './tool.js';
import { distance } from 'fastest-levenshtein';

export interface ToolTurnOptions {
  /** Calls executed per user turn (KiraAI's `max_tool_calls_per_turn`); repeats do not count. */
  maxCalls: number;
  /** Per call; ≤ 0 means no limit (KiraAI's `tool_call_timeout`). */
  timeoutMs: number;
  chatKey: ChatKey;
  userId?: string | undefined;
  /** The turn's signal: aborting it stops the running tool and every later call. */
  signal: AbortSignal;
  log: Logger;
  metrics: Metrics;
}

type Notice = NonNullable<ToolCallResult['notice']>;

/**
 * The tool calls of one user turn, across all the rounds of the agent loop: the per-turn limit and the
 * repeated-call guard live here, so the loop only hands calls over. `run` never throws: whatever goes wrong
 * becomes a result the model can read (KiraAI answers errors as tool messages too).
 *
 * @example
 * const turn = new ToolTurn({ maxCalls: 5, timeoutMs: 60_000, chatKey, signal, log, metrics });
 * for (const call of response.toolCalls) results.push(await turn.run(call, request.tools));
 */
export class ToolTurn {
  private made = 0;
  /**
   * Earlier calls of this turn by name + canonical arguments, with what they answered; a promise, so that
   * the same call made twice in one response (run in parallel) also runs once.
   */
  private readonly earlier = new Map<string, Promise<ToolResult>>();

  constructor(private readonly opts: ToolTurnOptions) {}

  /** Calls counted against `maxCalls` so far. */
  get callsMade(): number {
    return this.made;
  }

  async run(call: ToolCall, tools: ToolSet): Promise<ToolCallResult> {
    const tool = tools.get(call.name);
    const kind: ToolKind = tool?.kind ?? 'tool';
    const finish = (result: ToolResult, isError: boolean, notice?: Notice): ToolCallResult => {
      this.opts.metrics.count('agent_tool_calls_total', { tool: tool ? call.name : '(unknown)', outcome: notice ?? 'ok' });
      return { call, result, isError, kind, ...(notice ? { notice } : {}) };
    };
    const text = (t: string): ToolResult => ({ text: t, attachments: [] });

    const key = `${call.name}\u0000${canonicalArguments(call.arguments)}`;
    const before = this.earlier.get(key);
    if (before) {
      const earlier = await before;
      return finish(text(`You already called ${call.name} with these arguments in this turn; the result was: ${earlier.text} Do not call it again.`), true, 'repeat');
    }
    if (this.opts.signal.aborted) return finish(text(`The turn was cancelled before ${call.name} could run.`), true, 'skipped');
    if (this.made >= this.opts.maxCalls) {
      return finish(text(`Tool call limit (${this.opts.maxCalls} per turn) reached: answer with what you have.`), true, 'limit');
    }
    this.made++;

    const running = tool ? this.execute(tool, call) : Promise.resolve({ result: text(unknownToolText(call.name, tools)), notice: 'unknown' as const });
    this.earlier.set(key, running.then((o) => o.result));
    const outcome = await running;
    return finish(outcome.result, outcome.notice !== undefined, outcome.notice);
  }

  private async execute(tool: ToolDefinition, call: ToolCall): Promise<{ result: ToolResult; notice?: Notice }> {
    const fail = (t: string, notice: Notice) => ({ result: { text: t, attachments: [] }, notice });
    const { log, chatKey } = this.opts;
    try {
      const checked = checkToolArguments(tool, call.arguments);
      if (!checked.ok) return fail(`Invalid arguments for ${call.name}: ${checked.error}. Call it again with corrected arguments.`, 'invalid_args');
      const value = await this.withLimits(call.name, (signal) =>
        tool.execute(checked.args, { chatKey, ...(this.opts.userId !== undefined ? { userId: this.opts.userId } : {}), signal } satisfies ToolCallContext),
      );
      return { result: toToolResult(value) };
    } catch (thrown) {
      const err = toError(thrown);
      if (this.opts.signal.aborted) {
        log.info({ tool: call.name, chatKey }, `tool ${call.name} stopped: the turn was cancelled`);
        return fail(`The turn was cancelled while ${call.name} was running.`, 'skipped');
      }
      if (err instanceof TimeoutError) {
        log.warn({ err, tool: call.name, chatKey }, `tool ${call.name} timed out`);
        return fail(`Tool ${call.name} did not finish within ${err.ms} ms and was abandoned.`, 'timeout');
      }
      log.warn({ err, tool: call.name, chatKey }, `tool ${call.name} failed: ${err.message}`);
      return fail(`Failed to call tool '${call.name}': ${err.message}`, 'error');
    }
  }

  /**
   * Runs the tool with the turn's signal and the time limit combined. The tool gets the signal to stop its
   * work; a tool that ignores it is abandoned all the same, so a hung tool cannot hold the chat.
   */
  private async withLimits<T>(name: string, work: (signal: AbortSignal) => T | Promise<T>): Promise<T> {
    const { timeoutMs } = this.opts;
    const timer = new AbortController();
    const signal = timeoutMs > 0 ? AbortSignal.any([this.opts.signal, timer.signal]) : this.opts.signal;
    let handle: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      signal.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs > 0) handle = setTimeout(() => timer.abort(new TimeoutError(`tool ${name}`, timeoutMs)), timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(() => work(signal)), stopped]);
    } finally {
      clearTimeout(handle);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }
}

/** The arguments with object keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same call. */
export function canonicalArguments(raw: string): string {
  const parsed = parseArgumentsText(raw);
  return parsed.ok ? JSON.stringify(sortKeys(parsed.args)) : raw.trim();
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, sortKeys(obj[k])]));
}

function unknownToolText(name: string, tools: ToolSet): string {
  const names = tools.list().map((t) => t.name);
  const close = closeNames(name, names);
  if (close.length > 0) return `There is no tool named ${name}. Did you mean: ${close.join(', ')}?`;
  if (names.length === 0) return `There is no tool named ${name}, and no tools are available now.`;
  return `There is no tool named ${name}. Available tools: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}.`;
}

/** Names a model plausibly meant: a typo away, or the same last part (`roll_dice` for `author.dice.roll_dice`). */
export function closeNames(name: string, names: readonly string[], max = 3): string[] {
  const wanted = name.toLowerCase();
  const tail = (n: string) => n.toLowerCase().split('.').pop() ?? n;
  return names
    .map((n) => {
      const lower = n.toLowerCase();
      const edits = Math.min(distance(wanted, lower), distance(tail(name), tail(n)));
      const related = lower.includes(wanted) || wanted.includes(lower);
      return { n, score: related ? 0 : edits };
    })
    .filter((c) => c.score <= Math.max(2, Math.floor(Math.min(name.length, c.n.length) / 3)))
    .sort((a, b) => a.score - b.score || a.n.localeCompare(b.n))
    .slice(0, max)
    .map((c) => c.n);
}

