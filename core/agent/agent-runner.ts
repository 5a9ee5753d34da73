import type { Logger } from 'pino';
import { isUnavailable, toError } from '../errors/index.js';
import { BatchEvent, type HookRegistry } from '../hooks/index.js';
import type { Batch, ChatKey, Segment } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { AgentMemory, Recalled } from './agent-memory.js';
import type { AgentSettings } from './agent-settings.js';
import type { ChatTurn, LLMRequest, LLMResponse, MessageChain, StepResult, TagSet, ToolCallResult, ToolSet } from './llm.js';
import { NamedSet } from './named-set.js';
import type { Prompt } from './prompt.js';
import { loggableFailure, type ChatProvider } from './provider.js';
import type { ReplyFormat } from './reply-format.js';
import type { ChatLine } from './chat-render.js';
import { ReplyGuard } from './reply-guard.js';
import { readReply, withMessageIds } from './reply-reader.js';
import { buildRequest, systemText, withContext } from './request-builder.js';
import type { TagDefinition } from './tag.js';
import { RunLimit } from './run-limit.js';
import { stepTurns } from './step-turns.js';
import { ToolTurn } from './tool-runner.js';
import type { ToolDefinition } from './tool.js';

/** What the agent asks of the rest of the framework for one run; the runtime wires plugins and commands in. */
export interface AgentSources {
  /** Global tools (`registerTool`). */
  tools: ToolSet;
  /** Global tags (`registerTag`). */
  tags: TagSet;
  /** Tools that depend on the chat: plugin sandbox methods after `collectMethods`, exported commands. */
  chatTools(batch: Batch): Promise<ToolDefinition[]>;
  /**
   * What the chat said after `since` (ms) that is not in the batch and was not addressed to the bot
   * (recorded group chatter, system notes), oldest first.
   */
  recentChat(batch: Batch, since: number): Promise<ChatLine[]>;
  /** Plugin prompt injections for the chat, named `plugin:<key>:<name>`. */
  promptInjections(batch: Batch): Promise<Prompt[]>;
  /** The built-in tags for the chat's adapter (those it can send). */
  builtinTags(adapter: string): TagDefinition[];
  /** Records a note in the chat's history as a system message (BEHAVIOR and AGENT method results). */
  recordSystemNote(chatKey: ChatKey, text: string): void;
}

export interface AgentDeps {
  provider: ChatProvider;
  format: ReplyFormat;
  hooks: HookRegistry;
  memory: AgentMemory;
  sources: AgentSources;
  settings: AgentSettings;
  log: Logger;
  metrics: Metrics;
}

/** What a run gets from the session it runs in. */
export interface RunContext {
  /** Aborted by a channel reset: stop, send nothing more. */
  signal: AbortSignal;
  send(segments: Segment[]): Promise<{ messageId?: string | undefined } | undefined>;
  log: Logger;
}

export interface RunOutcome {
  steps: number;
  /** Every message sent, in order. */
  chains: MessageChain[];
  /** The hook event whose handler stopped the run. */
  stoppedAt?: 'llm_request' | 'llm_response' | 'after_xml_parse' | 'tool_result' | 'step_result' | undefined;
  /** Every model failed. */
  providerFailed?: boolean;
  /** The run went past `AGENT_RUN_TIMEOUT_MS` and was abandoned. */
  timedOut?: boolean;
}

/** What the run and its abandonment by the time limit share: whoever ends it first ends it. */
interface RunState {
  outcome: RunOutcome;
  finished: boolean;
}

const FINAL_STEP =
  '<system_reminder>This is the last step of this turn: tools are no longer available. Reply to the user now with what you have.</system_reminder>';

/**
 * The agent loop of one batch (KiraAI's `handle_im_batch_message` and executor, seed-systems §2.5, with
 * its quirks fixed): build the request, `llm_request`, then per step: call the model, `llm_response`,
 * read the reply, `after_xml_parse`, send it, run the tool calls (`tool_result` each), `step_result`; and
 * `final_result` when done. A stop in any hook ends the run at that point and nothing more is sent.
 */
export class AgentRunner {
  constructor(private readonly deps: AgentDeps) {}

  /**
   * Answers one batch within `AGENT_RUN_TIMEOUT_MS`. Past it the run's model and tool calls are aborted, the
   * run is abandoned (nothing more is sent, nothing of it remembered) and this resolves, so the session goes
   * on with the chat's next batch.
   */
  async run(batch: Batch, ctx: RunContext): Promise<RunOutcome> {
    const limit = new RunLimit(ctx.signal, this.deps.settings.runTimeoutMs);
    const state: RunState = { outcome: { steps: 0, chains: [] }, finished: false };
    const running = this.steps(batch, { ...ctx, signal: limit.signal }, state);
    try {
      return await Promise.race([running, limit.expired]);
    } catch (err) {
      if (!limit.reached) throw err;
      // Already counted as timed out (or, when the limit caught it in its final hooks, as what it was):
      // what the abandoned steps do from here on is their tail.
      running.catch((late: unknown) => ctx.log.debug({ err: toError(late) }, 'the abandoned agent run ended with an error'));
      if (state.finished) return state.outcome;
      return this.abandon(batch, state, limit.ms, ctx.log);
    } finally {
      limit.dispose();
    }
  }

  private async steps(batch: Batch, ctx: RunContext, state: RunState): Promise<RunOutcome> {
    const { hooks, settings, sources, memory, provider, format, metrics } = this.deps;
    const log = ctx.log;
    const chatKey = batch.chatKey;
    const event = new BatchEvent(batch);
    const outcome = state.outcome;
    const guard = new ReplyGuard({ maxChars: settings.maxReplyChars, maxMessages: settings.maxMessagesPerRun, allowMentionAll: settings.allowMentionAll, log, metrics });
    const lastMessage = batch.messages[batch.messages.length - 1];

    const [recalled, chatTools, injections] = await Promise.all([
      memory.recall(chatKey, settings.historyTokens),
      sources.chatTools(batch),
      sources.promptInjections(batch),
    ]);
    const recent = await sources.recentChat(batch, recalled.lastRunAt);
    const tools = sources.tools.copy();
    for (const tool of chatTools) {
      try {
        tools.add(tool);
      } catch (err) {
        // A plugin key plus method name can outgrow the 64 characters a tool name may have: skip that one.
        metrics.count('agent_tools_skipped_total', {});
        log.warn({ err, tool: tool.name }, 'a tool was left out of the request: its name is not a valid tool name');
      }
    }
    const request = buildRequest({ settings, batch, history: recalled.turns, recent, tools, injections });
    const tags = new NamedSet<TagDefinition>('tag');
    for (const tag of sources.builtinTags(lastMessage?.adapter ?? '')) tags.add(tag, 'core');
    for (const tag of sources.tags.list()) tags.add(tag, sources.tags.ownerOf(tag.name));

    // Hooks may add per-request tags; added after the global ones, they win a name clash (Decision §2.6).
    await hooks.emit('llm_request', event, request, tags);
    if (event.stopped) {
      outcome.stoppedAt = 'llm_request';
      return this.finish(batch, state, recalled, [], ctx.signal);
    }
    if (!request.systemPrompt.some((p) => p.name === 'format')) {
      request.systemPrompt.push({ name: 'format', content: format.instructions(tags), source: 'core' });
    }

    const userTurn = request.messages[request.messages.length - 1];
    const remembered: ChatTurn[] = userTurn?.role === 'user' ? [userTurn] : [];
    const base = withContext(request.messages, request.context);
    const system = systemText(request.systemPrompt);
    const turn = new ToolTurn({
      maxCalls: settings.maxToolCalls, timeoutMs: settings.toolTimeoutMs, chatKey,
      userId: lastMessage?.userId, signal: ctx.signal, log, metrics,
    });
    const said: ChatTurn[] = [];

    for (let step = 1; step <= settings.maxSteps; step++) {
      if (ctx.signal.aborted) break;
      const last = step === settings.maxSteps;
      outcome.steps = step;
      const messages = [...base, ...said, ...(last && step > 1 ? [{ role: 'user' as const, content: FINAL_STEP }] : [])];
      const response = await this.call(request, system, messages, last, ctx, batch);
      if (!response) {
        outcome.providerFailed = !ctx.signal.aborted;
        break;
      }

      await hooks.emit('llm_response', event, response);
      if (event.stopped) {
        outcome.stoppedAt = 'llm_response';
        break;
      }
      const reply = await readReply({
        text: response.text, tags, format, provider, system, messages, chatKey, signal: ctx.signal, log, metrics,
      });
      const chains = reply.chains;
      await hooks.emit('after_xml_parse', event, chains);
      if (event.stopped) {
        outcome.stoppedAt = 'after_xml_parse';
        break;
      }
      // The reply is sent before its tools run: the format tells the model so (KiraAI did the opposite).
      const sent = await this.sendAll(guard.admit(chains), ctx);
      outcome.chains.push(...sent.chains);

      const results: ToolCallResult[] = [];
      for (const call of response.toolCalls) {
        const result: ToolCallResult = event.stopped
          ? { call, result: { text: 'Not run: the turn was stopped.', attachments: [] }, isError: true, kind: tools.get(call.name)?.kind ?? 'tool', notice: 'skipped' }
          : last
            ? { call, result: { text: 'Not run: the step limit of this turn was reached.', attachments: [] }, isError: true, kind: tools.get(call.name)?.kind ?? 'tool', notice: 'limit' }
            : await turn.run(call, request.tools);
        results.push(result);
        if (!event.stopped) {
          await hooks.emit('tool_result', event, result);
          if (event.stopped) outcome.stoppedAt = 'tool_result';
        }
      }
      if (ctx.signal.aborted) break;
      for (const r of results) {
        if (!r.notice && (r.kind === 'behavior' || r.kind === 'agent')) sources.recordSystemNote(chatKey, `[${r.call.name}] ${r.result.text}`);
      }
      said.push(...stepTurns({ text: withMessageIds(reply.text, format.name, sent.ids), results, dataDir: settings.dataDir }));

      const stepResult: StepResult = { step, response, chains: sent.chains, toolResults: results };
      await hooks.emit('step_result', event, stepResult);
      if (event.stopped) {
        outcome.stoppedAt ??= 'step_result';
        break;
      }
      if (!needsAnotherRound(results) || last) break;
    }

    remembered.push(...said);
    return this.finish(batch, state, recalled, remembered, ctx.signal);
  }

  private async abandon(batch: Batch, state: RunState, ms: number, log: Logger): Promise<RunOutcome> {
    state.finished = true;
    const outcome: RunOutcome = { ...state.outcome, timedOut: true };
    this.deps.metrics.count('agent_runs_total', { outcome: 'timeout' });
    log.error({ limitMs: ms, steps: outcome.steps }, `the agent run went past AGENT_RUN_TIMEOUT_MS (${ms} ms): it was aborted and abandoned, and the chat goes on with its next batch`);
    await this.deps.hooks.emit('final_result', new BatchEvent(batch), outcome.chains);
    return outcome;
  }

  /** One model call; `undefined` when every model failed (reported) or the run was aborted. */
  private async call(request: LLMRequest, system: string, messages: ChatTurn[], last: boolean, ctx: RunContext, batch: Batch): Promise<LLMResponse | undefined> {
    try {
      return await this.deps.provider.complete({
        system,
        messages,
        tools: request.tools.list(),
        toolChoice: last ? 'none' : request.toolChoice,
        signal: ctx.signal,
      });
    } catch (thrown) {
      if (ctx.signal.aborted) return undefined;
      const error = toError(thrown);
      this.deps.metrics.count('agent_provider_failures_total', {});
      ctx.log.error({ err: loggableFailure(error) }, 'the language model did not answer; the batch gets no reply');
      await this.deps.hooks.emit('exception', { error, stage: 'llm', owner: 'core', chatKey: batch.chatKey });
      const text = this.deps.settings.errorReply;
      if (text) await this.sendAll([[{ type: 'text', text }]], ctx);
      return undefined;
    }
  }

  private async sendAll(chains: MessageChain[], ctx: RunContext): Promise<{ chains: MessageChain[]; ids: (string | undefined)[] }> {
    const sent: MessageChain[] = [];
    const ids: (string | undefined)[] = [];
    for (const chain of chains) {
      if (ctx.signal.aborted || chain.length === 0) continue;
      try {
        const result = await ctx.send(chain);
        if (!result) continue;
        sent.push(chain);
        ids.push(result.messageId);
      } catch (err) {
        // Redis or the gateway out of reach: the batch must run again (its sent replies keep their keys), not
        // count as answered.
        if (isUnavailable(err)) throw err;
        // One message the platform refused does not take the rest of the reply with it.
        this.deps.metrics.count('agent_send_errors_total', {});
        ctx.log.warn({ err: toError(err) }, 'a reply message could not be sent; the rest of the reply goes on');
      }
    }
    return { chains: sent, ids };
  }

  private async finish(batch: Batch, state: RunState, recalled: Recalled, remembered: ChatTurn[], signal: AbortSignal): Promise<RunOutcome> {
    const outcome = state.outcome;
    // Abandoned at the time limit, which already ended the run.
    if (state.finished) return outcome;
    state.finished = true;
    // `final_result` always fires (the reference declared it and never did), on an event of its own so that a
    // stop earlier in the run does not cut its handlers short.
    await this.deps.hooks.emit('final_result', new BatchEvent(batch), outcome.chains);
    this.deps.metrics.count('agent_runs_total', { outcome: outcome.providerFailed ? 'provider_failed' : outcome.stoppedAt ? 'stopped' : 'ok' });
    // Aborted by a channel reset, which already cleared the memory: writing the run back would undo it.
    if (!signal.aborted) await this.deps.memory.append(batch.chatKey, recalled, remembered);
    return outcome;
  }
}

/**
 * Whether the model must see this step's tool results: anything but a run of BEHAVIOR methods (which act
 * and are done) needs another round; AGENT and MULTIMODAL_AGENT methods always force one.
 */
function needsAnotherRound(results: readonly ToolCallResult[]): boolean {
  if (results.length === 0) return false;
  return results.some((r) => r.kind !== 'behavior' || r.notice !== undefined);
}
