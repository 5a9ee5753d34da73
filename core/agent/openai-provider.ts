import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, type ClientOptions } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Logger } from 'pino';
import { ValidationError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { LLMResponse } from './llm.js';
import { fromOpenAIToolCalls, namesInCall, toOpenAIMessages, toOpenAIToolChoice, toOpenAITools } from './openai-messages.js';
import { ProviderError, type ChatProvider, type ProviderAttempt, type ProviderCall } from './provider.js';
import { WireNames } from './wire-names.js';

export interface OpenAIProviderOptions {
  /** The API root, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey: string;
  /** Primary model first, then fallbacks. */
  models: string[];
  /** Per HTTP request; a timed-out request counts as a connection error and is retried. */
  timeoutMs: number;
  /** Per model: retries of 429, 408, 409, 5xx and connection errors, with the client's backoff (honours `retry-after`). */
  maxRetries: number;
  log: Logger;
  metrics: Metrics;
  /** The HTTP client, e.g. `OutboundHttp.fetch` to go through a proxy; default: the global `fetch`. */
  fetch?: typeof globalThis.fetch | undefined;
}

type Body = Omit<ChatCompletionCreateParamsNonStreaming, 'model'>;
type Outcome = 'ok' | 'http_error' | 'timeout' | 'connection_error' | 'bad_response' | 'aborted';

/**
 * A `ChatProvider` for any OpenAI-compatible chat-completions API, through the official `openai` client
 * (non-streaming). Each model gets the client's own retries; once they are spent, the next model is tried
 * (§2.5 step 15); when every model failed, `complete` rejects with `ProviderError`.
 *
 * @example
 * const provider = new OpenAIProvider({ baseUrl: 'https://api.deepseek.com/v1', apiKey, models: ['deepseek-chat', 'deepseek-reasoner'],
 *   timeoutMs: 60_000, maxRetries: 2, log, metrics });
 */
export class OpenAIProvider implements ChatProvider {
  readonly models: readonly string[];
  private readonly client: OpenAI;
  private readonly log: Logger;
  private readonly metrics: Metrics;

  constructor(private readonly opts: OpenAIProviderOptions) {
    const issues = optionIssues(opts);
    if (issues.length > 0) throw new ValidationError('OpenAI provider options', issues);
    this.models = [...opts.models];
    this.log = opts.log.child({ component: 'llm' });
    this.metrics = opts.metrics;
    this.client = new OpenAI({
      baseURL: opts.baseUrl,
      // Local servers (Ollama, llama.cpp, vLLM) need no key; the client insists on one, so give it a
      // placeholder and send no Authorization header at all.
      apiKey: opts.apiKey || 'no-key',
      ...(opts.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      timeout: opts.timeoutMs,
      maxRetries: opts.maxRetries,
      // The client reports each retry at info; keep those, one level down, in our log.
      logLevel: 'info',
      logger: clientLogger(this.log),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
  }

  async complete(call: ProviderCall): Promise<LLMResponse> {
    call.signal?.throwIfAborted();
    const names = new WireNames(namesInCall(call.tools, call.messages, call.toolChoice));
    const body: Body = { messages: toOpenAIMessages(call.system, call.messages, names) };
    if (call.tools.length > 0) {
      body.tools = toOpenAITools(call.tools, names);
      body.tool_choice = toOpenAIToolChoice(call.toolChoice, names);
    }
    const attempts: ProviderAttempt[] = [];
    for (const [i, model] of this.models.entries()) {
      let completion: ChatCompletion;
      try {
        completion = await this.request(model, body, call.signal);
      } catch (err) {
        if (call.signal?.aborted) {
          this.count(model, 'aborted');
          throw call.signal.reason;
        }
        const attempt = this.describe(model, err);
        attempts.push(attempt.attempt);
        this.count(model, attempt.outcome);
        const next = this.models[i + 1];
        this.log.warn({ model, next, status: attempt.attempt.status, err: attempt.attempt.message }, next ? 'LLM model failed; trying the next model' : 'LLM model failed; no model left');
        continue;
      }
      this.count(model, 'ok');
      return this.toResponse(model, completion, names);
    }
    throw new ProviderError(attempts);
  }

  private async request(model: string, body: Body, signal: AbortSignal | undefined): Promise<ChatCompletion> {
    const pending = this.client.chat.completions.create({ ...body, model }, signal ? { signal } : {});
    // The client checks the signal only between its retries, after a backoff sleep; abort must not wait for it.
    const completion = signal ? await settleOrAbort(pending, signal) : await pending;
    if (!Array.isArray(completion?.choices) || completion.choices.length === 0) {
      throw new BadResponseError(completion);
    }
    return completion;
  }

  private toResponse(model: string, completion: ChatCompletion, names: WireNames): LLMResponse {
    const choice = completion.choices[0]!;
    const toolCalls = fromOpenAIToolCalls(choice.message.tool_calls, names);
    const ignored = (choice.message.tool_calls?.length ?? 0) - toolCalls.length;
    if (ignored > 0) {
      this.log.warn({ model, ignored }, 'LLM answered with non-function tool calls; they were left out');
      this.metrics.count('llm_tool_calls_ignored_total', { model }, ignored);
    }
    const usage = completion.usage ? { promptTokens: completion.usage.prompt_tokens ?? 0, completionTokens: completion.usage.completion_tokens ?? 0 } : undefined;
    if (usage) {
      this.metrics.count('llm_tokens_total', { model, kind: 'prompt' }, usage.promptTokens);
      this.metrics.count('llm_tokens_total', { model, kind: 'completion' }, usage.completionTokens);
    }
    return { text: choice.message.content ?? '', toolCalls, usage, model, finishReason: choice.finish_reason ?? undefined };
  }

  private describe(model: string, err: unknown): { attempt: ProviderAttempt; outcome: Outcome } {
    if (err instanceof APIConnectionTimeoutError) {
      return { attempt: { model, message: `timed out after ${this.opts.timeoutMs} ms (${this.opts.maxRetries} retries)` }, outcome: 'timeout' };
    }
    if (err instanceof APIConnectionError) {
      const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return { attempt: { model, message: `connection failed${cause}` }, outcome: 'connection_error' };
    }
    if (err instanceof APIError && err.status !== undefined) {
      return { attempt: { model, status: err.status, message: err.message }, outcome: 'http_error' };
    }
    // BadResponseError, or the client failing to read the answer.
    return { attempt: { model, message: err instanceof Error ? err.message : String(err) }, outcome: 'bad_response' };
  }

  private count(model: string, outcome: Outcome): void {
    this.metrics.count('llm_requests_total', { model, outcome });
  }
}

/** A 200 answer without a choice (some compatible servers put an error object in a 200 body). */
class BadResponseError extends Error {
  constructor(body: unknown) {
    const error = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
    super(typeof error === 'string' ? `answer had no choices: ${error}` : 'answer had no choices');
  }
}

function settleOrAbort<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
  });
}

function clientLogger(log: Logger): NonNullable<ClientOptions['logger']> {
  return {
    error: (msg: string) => log.error(msg),
    warn: (msg: string) => log.warn(msg),
    info: (msg: string) => log.debug(msg),
    debug: (msg: string) => log.trace(msg),
  };
}

function optionIssues(o: OpenAIProviderOptions): string[] {
  const issues: string[] = [];
  if (o.models.length === 0 || o.models.some((m) => m.trim() === '')) issues.push('models must list at least one non-empty model name');
  if (!Number.isInteger(o.timeoutMs) || o.timeoutMs <= 0) issues.push(`timeoutMs must be a positive integer (got ${o.timeoutMs})`);
  if (!Number.isInteger(o.maxRetries) || o.maxRetries < 0) issues.push(`maxRetries must be an integer ≥ 0 (got ${o.maxRetries})`);
  if (!/^https?:\/\//.test(o.baseUrl)) issues.push(`baseUrl must be an http(s) URL (got "${o.baseUrl}")`);
  return issues;
}
