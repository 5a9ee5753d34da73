/** One request body as the fake received it, plus the request's `Authorization` header. */
export interface ChatCompletionRequest {
  model: string;
  messages: Record<string, unknown>[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: Record<string, unknown> } }[];
  tool_choice?: unknown;
  [field: string]: unknown;
  authorization: string | undefined;
}

/**
 * What the fake answers to one request. A `status` ≥ 400 answers an OpenAI error body instead of a
 * completion. `usage` defaults to 10 prompt / 5 completion tokens; `null` leaves the field out (as some
 * compatible servers do). `finishReason` defaults to `tool_calls` when there are tool calls, else `stop`.
 */
export interface FakeReply {
  text?: string;
  toolCalls?: { name: string; arguments: string | object; id?: string }[];
  status?: number;
  /** Sent as `retry-after`; fractions work (the openai client parses a float). */
  retryAfterSec?: number;
  errorMessage?: string;
  /** Waits this long before answering (for timeouts); the wait ends early if the client hangs up. */
  delayMs?: number;
  /**
   * Sends the status, the headers and this many bytes of the body, then nothing more, ever: a provider or
   * proxy that stalls mid-body. The connection stays open until the client gives up or the fake closes.
   */
  stallAfterBytes?: number;
  /** Extra response headers (a proxy echoing request headers back, say). */
  headers?: Record<string, string>;
  usage?: { prompt: number; completion: number } | null;
  finishReason?: string;
}

export interface FakeAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const ERROR_TYPES: Record<number, [type: string, code: string, message: string]> = {
  400: ['invalid_request_error', 'invalid_request', 'Invalid request.'],
  401: ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'],
  404: ['invalid_request_error', 'model_not_found', 'The model does not exist or you do not have access to it.'],
  429: ['requests', 'rate_limit_exceeded', 'Rate limit reached. Please try again later.'],
  500: ['server_error', 'server_error', 'The server had an error while processing your request.'],
  503: ['server_error', 'service_unavailable', 'The engine is currently overloaded, please try again later.'],
};

/** The HTTP answer for `reply`; `seq` numbers completions and tool calls so ids are unique per fake. */
export function answerFor(reply: FakeReply, model: string, seq: number): FakeAnswer {
  if (reply.status !== undefined && reply.status >= 400) return errorAnswer(reply);
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${seq}_${i}`,
    type: 'function',
    function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
  }));
  const message: Record<string, unknown> = { role: 'assistant', content: reply.text ?? (toolCalls.length ? null : ''), refusal: null };
  if (toolCalls.length) message.tool_calls = toolCalls;
  const body: Record<string, unknown> = {
    id: `chatcmpl-fake-${seq}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop') }],
  };
  const usage = reply.usage === undefined ? { prompt: 10, completion: 5 } : reply.usage;
  if (usage) body.usage = { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion };
  return { status: reply.status ?? 200, headers: { ...reply.headers }, body };
}

function errorAnswer(reply: FakeReply): FakeAnswer {
  const status = reply.status!;
  const [type, code, message] = ERROR_TYPES[status] ?? (status >= 500 ? ERROR_TYPES[500]! : ERROR_TYPES[400]!);
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.retryAfterSec !== undefined) headers['retry-after'] = String(reply.retryAfterSec);
  return { status, headers, body: { error: { message: reply.errorMessage ?? message, type, param: null, code } } };
}

/** The 404 OpenAI answers for a path it does not serve. */
export function unknownPathAnswer(method: string, path: string): FakeAnswer {
  return {
    status: 404,
    headers: {},
    body: { error: { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null } },
  };
}
