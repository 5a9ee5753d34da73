import OpenAI, { type ClientOptions } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Logger } from 'pino';
import { ValidationError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { LLMResponse } from './llm.js';
import { describeFailure, redactor, shownUrl, type Outcome } from './openai-failures.js';
import { fromOpenAIToolCalls, namesInCall, toOpenAIMessages, toOpenAIToolChoice, toOpenAITools } from './openai-messages.js';
import { ProviderError, type ChatProvider, type ProviderAttempt, type ProviderCall } from './provider.js';
import { WireNames } from './wire-names.js';

export interface OpenAIProviderOptions {
  /** The API root, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey: string;
  /** Primary model first, then fallbacks. */
  models: string[];
  /**
   * Per model: from sending the request to the last byte of the answer's body, its retries included; past it
   * the next model is tried.
   */
  timeoutMs: number;
  /** Per model: retries of 429, 408, 409, 5xx and connection errors, with the client's backoff (honours `retry-after`). */
  maxRetries: number;
  log: Logger;
  metrics: Metrics;
  /** The HTTP client, e.g. `OutboundHttp.fetch` to go through a proxy; default: the global `fetch`. */
  fetch?: typeof globalThis.fetch | undefined;
}

type Body = Omit<ChatCompletionCreateParamsNonStreaming, 'model'>;

/**
 * A `ChatProvider` for any OpenAI-compatible chat-completions API, through the official `openai` client
 * (non-streaming). Each model gets the client's own retries; once they are spent, the next model is tried
 * (§2.5 step 15); when every model failed, `complete` rejects with `ProviderError`.
 *
 * @example
 * const provider = new OpenAIProvider({ baseUrl: 'https://api.deepseek.com/v1', apiKey, models: ['deepseek-chat', 'deepseek-reasoner'],
 *   timeoutMs: 60_000, maxRetries: 2, log, metrics });
 */
const LLM_SECONDS = [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120];
const TOKEN_BUCKETS = [64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];

export class OpenAIProvider implements ChatProvider {
  readonly models: readonly string[];
  private readonly client: OpenAI;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  /** Failures are logged with the API they went to; never with the key. */
  private readonly endpoint: string;
  private readonly redact: (text: string) => string;

  constructor(private readonly opts: OpenAIProviderOptions) {
    const issues = optionIssues(opts);
    if (issues.length > 0) throw new ValidationError('OpenAI provider options', issues);
    this.models = [...opts.models];
    this.log = opts.log.child({ component: 'llm' });
    this.metrics = opts.metrics;
    this.redact = redactor(opts.apiKey);
    this.endpoint = this.redact(shownUrl(opts.baseUrl));
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
      logger: clientLogger(this.log, this.redact),
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
      // The client's own timeout ends when the headers arrive: a server or proxy that stalls in the body
      // would hold the chat forever. This deadline covers the whole answer, body and retries included.
      const deadline = AbortSignal.timeout(this.opts.timeoutMs);
      const started = performance.now();
      try {
        completion = await this.request(model, body, call.signal ? AbortSignal.any([call.signal, deadline]) : deadline);
      } catch (err) {
        if (call.signal?.aborted) {
          this.count(model, 'aborted', started);
          throw call.signal.reason;
        }
        const { attempt, outcome } = describeFailure(err, { model, timeoutMs: this.opts.timeoutMs, deadlineHit: deadline.aborted, redact: this.redact });
        attempts.push(attempt);
        this.count(model, outcome, started);
        this.logFailure(attempt, this.models[i + 1]);
        continue;
      }
      this.count(model, 'ok', started);
      return this.toResponse(model, completion, names);
    }
    throw new ProviderError(attempts, this.endpoint);
  }

  private logFailure(attempt: ProviderAttempt, next: string | undefined): void {
    const { model, status, code, type, errno, message } = attempt;
    this.log.warn(
      { baseUrl: this.endpoint, model, next, status, code, type, errno, cause: message },
      `LLM request to ${this.endpoint} for model ${model} failed: ${message}; ${next ? `trying the next model, ${next}` : 'no model left'}`,
    );
  }

  private async request(model: string, body: Body, signal: AbortSignal): Promise<ChatCompletion> {
    const pending = this.client.chat.completions.create({ ...body, model }, { signal });
    // The client checks the signal only between its retries, after a backoff sleep; abort must not wait for it.
    const completion = await settleOrAbort(pending, signal);
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
      const tokens = this.metrics.histogram('llm_request_tokens', { help: 'Tokens of one model request, by model and kind (prompt, completion).', labelNames: ['model', 'kind'], buckets: TOKEN_BUCKETS });
      tokens.observe({ model, kind: 'prompt' }, usage.promptTokens);
      tokens.observe({ model, kind: 'completion' }, usage.completionTokens);
    }
    return { text: choice.message.content ?? '', toolCalls, usage, model, finishReason: choice.finish_reason ?? undefined };
  }

  /** One request's outcome, counted, and its time measured (`llm_request_seconds`). */
  private count(model: string, outcome: Outcome, started: number): void {
    this.metrics.count('llm_requests_total', { model, outcome });
    this.metrics
      .histogram('llm_request_seconds', { help: 'Time of one request to the model (retries included), by model and outcome.', labelNames: ['model', 'outcome'], buckets: LLM_SECONDS })
      .observe({ model, outcome }, (performance.now() - started) / 1000);
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

/** The client's own lines (its details, with headers, are left out), without the key should a URL hold it. */
function clientLogger(log: Logger, redact: (text: string) => string): NonNullable<ClientOptions['logger']> {
  return {
    error: (msg: string) => log.error(redact(msg)),
    warn: (msg: string) => log.warn(redact(msg)),
    info: (msg: string) => log.debug(redact(msg)),
    debug: (msg: string) => log.trace(redact(msg)),
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
