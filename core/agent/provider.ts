import { NekomataError } from '../errors/index.js';
import type { ChatTurn, LLMRequest, LLMResponse } from './llm.js';
import type { ToolDefinition } from './tool.js';

/** One completion request, as the agent loop hands it to a provider. */
export interface ProviderCall {
  /** The system message (sections already joined); empty = no system message. */
  system: string;
  messages: ChatTurn[];
  tools: ToolDefinition[];
  toolChoice: LLMRequest['toolChoice'];
  /** Abort = stop at once, try no fallback model, reject with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * A chat model behind some API (KiraAI's model group): `complete` tries `models` in order and fails over on
 * provider errors (§2.5 step 15).
 *
 * @example
 * const res = await provider.complete({ system: 'You are Neko.', messages: [{ role: 'user', content: 'hi' }], tools: [], toolChoice: 'auto' });
 */
export interface ChatProvider {
  /** Primary model first, then fallbacks. */
  readonly models: readonly string[];
  complete(call: ProviderCall): Promise<LLMResponse>;
}

/** Why one model did not answer. */
export interface ProviderAttempt {
  model: string;
  /** HTTP status, when the API answered with an error. */
  status?: number;
  /** The provider's error code and type from the error body (`invalid_api_key`, `invalid_request_error`). */
  code?: string;
  type?: string;
  /** The system error of a failed connection (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`). */
  errno?: string;
  message: string;
}

/** Every model failed; `attempts` names each model and why, in the order tried; `endpoint` is where they were asked. */
export class ProviderError extends NekomataError {
  constructor(readonly attempts: ProviderAttempt[], readonly endpoint?: string) {
    super(
      'LLM_PROVIDER_FAILED',
      `every model failed${endpoint ? ` at ${endpoint}` : ''}: ${attempts.map((a) => `${a.model}: ${a.message.replace(/\.$/, '')}`).join('; ')}. Check the provider's base URL, key and model names, or add a fallback model`,
    );
  }
}

/**
 * A provider's error as it may be logged: message, code, stack, and for `ProviderError` its attempts and
 * endpoint. Nothing else: HTTP clients hang the request on their errors (axios' `config.headers`, a
 * proxy's echo), and with it the API key. It keeps the error's class, so the log still names its type.
 */
export function loggableFailure(error: Error): Error {
  const code = (error as { code?: unknown }).code;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  return Object.assign(copy, {
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error instanceof ProviderError ? { attempts: error.attempts, endpoint: error.endpoint } : {}),
    stack: error.stack,
  });
}
