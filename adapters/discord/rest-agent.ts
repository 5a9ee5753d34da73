import { createRequire } from 'node:module';
import type { RESTOptions } from 'discord.js';
import { envProxyAgentOptions, type ProxySettings } from '../../core/net/index.js';

/** An undici dispatcher, as discord.js's REST takes it. */
export type RestAgent = NonNullable<RESTOptions['agent']>;

/** The parts of undici the REST dispatcher is built from. */
interface Undici {
  Agent: new () => RestAgent;
  EnvHttpProxyAgent: new (options: ReturnType<typeof envProxyAgentOptions>) => RestAgent;
}

/**
 * The undici that discord.js's REST client (`@discordjs/rest`) loads, wherever npm put it: resolved from
 * discord.js to its REST package, and from there to undici.
 */
function restUndici(): Undici {
  const fromDiscord = createRequire(createRequire(import.meta.url).resolve('discord.js'));
  return createRequire(fromDiscord.resolve('@discordjs/rest'))('undici') as Undici;
}

/**
 * The dispatcher for every REST call of the Discord adapter, made with the same undici as the request it
 * dispatches. Without one of its own, REST took the process-wide dispatcher, which the first undici a process
 * loads installs: Node's own, or undici 7 (Nekomata's `OutboundHttp`, the LLM client) when that came first, and
 * undici 7 does not read undici 6's multipart bodies, so every upload failed with "action is not a function".
 * Through a proxy (HTTPS_PROXY) it failed always: the adapter was given `OutboundHttp`'s undici 7 dispatcher.
 * The proxy settings are read as `OutboundHttp` reads them (`envProxyAgentOptions`).
 */
export function discordRestAgent(proxy: ProxySettings | undefined): RestAgent {
  const undici = restUndici();
  if (!proxy?.httpProxy && !proxy?.httpsProxy) return new undici.Agent();
  return new undici.EnvHttpProxyAgent(envProxyAgentOptions(proxy));
}
