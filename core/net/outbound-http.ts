import { EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';

/** The outbound proxy settings (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) as the configuration read them. */
export interface ProxySettings {
  /** The proxy for http:// URLs, and for https:// ones when `httpsProxy` is unset. */
  httpProxy?: string | undefined;
  /** The proxy for https:// URLs (reached through CONNECT). */
  httpsProxy?: string | undefined;
  /** Hosts reached directly, comma- or space-separated: `example.com` (and its subdomains), `host:port`, or `*`. */
  noProxy?: string | undefined;
}

/**
 * Outbound HTTP for the parts that call out (Telegram's Bot API, the LLM provider; Discord later): undici's
 * `fetch` over one `EnvHttpProxyAgent`, which sends each request through the proxy its URL's scheme calls
 * for, or directly to `noProxy` hosts. Only the settings given count: undici would otherwise read the
 * process environment itself, behind the configuration's back. Without a proxy it is a plain connection pool.
 *
 * @example
 * const http = new OutboundHttp({ httpsProxy: 'http://127.0.0.1:7890', noProxy: 'localhost' });
 * const bot = new Bot(token, { client: { fetch: http.fetch } });
 * // a library that takes an undici dispatcher instead of a fetch: http.dispatcher
 */
export class OutboundHttp {
  /** undici's dispatcher, for clients that take one (undici's `request`, WebSocket clients built on undici). */
  readonly dispatcher: Dispatcher;
  /** A WHATWG `fetch` whose requests go through `dispatcher`. */
  readonly fetch: typeof globalThis.fetch;

  constructor(readonly settings: ProxySettings = {}) {
    this.dispatcher = new EnvHttpProxyAgent(envProxyAgentOptions(settings));
    const dispatcher = this.dispatcher;
    // undici's own fetch, not Node's: Node's bundled undici may be another version than the dispatcher's.
    this.fetch = ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
      undiciFetch(input, { ...init, signal: nativeSignal(init?.signal), dispatcher })) as unknown as typeof globalThis.fetch;
  }

  /** Whether any request may go through a proxy. */
  get proxied(): boolean {
    return Boolean(this.settings.httpProxy || this.settings.httpsProxy);
  }

  /** Which proxy serves what, for the log: credentials in a proxy URL are masked. */
  describe(): string {
    const { httpProxy, httpsProxy, noProxy } = this.settings;
    if (!this.proxied) return 'direct (no proxy)';
    const https = httpsProxy ?? httpProxy;
    const parts = [`https via ${https ? redactProxyUrl(https) : 'direct'}`, `http via ${httpProxy ? redactProxyUrl(httpProxy) : 'direct'}`];
    if (noProxy) parts.push(`direct to ${noProxy}`);
    return parts.join(', ');
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/**
 * undici's `EnvHttpProxyAgent` options for `settings`, for every undici a part builds its dispatcher with (this
 * one's, and discord.js's own, see adapters/discord/rest-agent.ts).
 */
export function envProxyAgentOptions(settings: ProxySettings): { httpProxy: string; httpsProxy: string; noProxy: string; proxyTunnel: boolean } {
  return {
    // '' rather than undefined: undefined makes undici fall back to the environment variables.
    httpProxy: settings.httpProxy ?? '',
    httpsProxy: settings.httpsProxy ?? '',
    noProxy: settings.noProxy ?? '',
    // http:// URLs as plain proxy requests, as curl does, not CONNECT (which proxies such as squid allow
    // to port 443 only); https:// ones are always tunnelled.
    proxyTunnel: false,
  };
}

/**
 * undici checks that a signal is Node's own AbortSignal; grammY on Node passes the `abort-controller`
 * package's, which undici refuses (every call would fail as a network error). Such a signal is followed by a
 * native one. Callers pass one signal per request, so the listener goes with it.
 */
function nativeSignal(given: AbortSignal | null | undefined): AbortSignal | undefined {
  if (!given) return undefined;
  if (given instanceof AbortSignal) return given;
  const signal: AbortSignal = given;
  const native = new AbortController();
  if (signal.aborted) native.abort(signal.reason);
  else signal.addEventListener('abort', () => native.abort(signal.reason), { once: true });
  return native.signal;
}

/** A proxy URL fit for a log: `http://user:secret@host:3128` becomes `http://***@host:3128`. */
export function redactProxyUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.username || u.password ? `${u.protocol}//***@${u.host}` : `${u.protocol}//${u.host}`;
  } catch {
    return '(not a URL)';
  }
}
