import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { MediaRefusedError, ReplyTagError } from './reply-format.js';

/** Every address a host name resolves to (`dns.lookup` with `all: true`); injectable so tests need no DNS. */
export type HostLookup = (hostname: string) => Promise<readonly { address: string }[]>;

export const systemLookup: HostLookup = (hostname) => lookup(hostname, { all: true, verbatim: true });

export interface SendableUrlOptions {
  /** Also URLs on loopback, private and link-local addresses. */
  allowPrivateUrls: boolean;
  lookup?: HostLookup | undefined;
}

/**
 * Addresses the bot must not be made to fetch, or make its OneBot implementation fetch, for a chat user:
 * loopback, private networks, link-local (169.254.169.254 is the cloud metadata service), carrier-grade NAT
 * (100.100.100.200 is Alibaba Cloud's metadata), "this network", and their IPv6 counterparts. IPv4-mapped
 * IPv6 addresses (::ffff:127.0.0.1) match the IPv4 rules.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
PRIVATE.addAddress('::', 'ipv6');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');

/** Whether an IP address (v4 or v6, no brackets) is one the bot must not fetch. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Whether a media tag's value is written as a URL (any scheme) rather than a path. */
export function looksLikeUrl(value: string): boolean {
  return SCHEME.test(value);
}

/**
 * The URL a media tag names, if the bot may send it: http(s) only, and unless `allowPrivateUrls`, not on a
 * private address, whether written as one, as `localhost`, or as a host name resolving to one. A host name
 * that does not resolve is refused too: the bot cannot tell where it leads, and the OneBot implementation
 * that downloads it may resolve it differently (a name only its network knows). The check is made once,
 * here; a name that resolves elsewhere later (DNS rebinding) is beyond it.
 */
export async function sendableUrl(tag: string, value: string, opts: SendableUrlOptions): Promise<URL> {
  if (!URL.canParse(value)) throw new ReplyTagError(tag, `not a valid URL: ${value}`);
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MediaRefusedError(tag, 'scheme', `only http(s) URLs may be sent, not ${url.protocol}`);
  }
  if (opts.allowPrivateUrls) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  const refuse = (what: string): never => {
    throw new MediaRefusedError(tag, 'private_address', `${url.host} ${what}: URLs on private or loopback addresses are not sent`);
  };
  if (host === 'localhost' || host.endsWith('.localhost')) refuse('is this machine');
  if (isIP(host) !== 0) {
    if (isPrivateAddress(host)) refuse('is a private address');
    return url;
  }
  let addresses: readonly { address: string }[];
  try {
    addresses = await (opts.lookup ?? systemLookup)(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new MediaRefusedError(tag, 'unresolved', `${url.host} could not be resolved (${code}), so where it leads is unknown`);
  }
  if (addresses.length === 0) throw new MediaRefusedError(tag, 'unresolved', `${url.host} resolves to no address`);
  const inside = addresses.find((a) => isPrivateAddress(a.address));
  if (inside) refuse(`resolves to ${inside.address}`);
  return url;
}
