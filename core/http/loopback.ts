import { isIPv4, isIPv6 } from 'node:net';

/**
 * Whether a listen address is reachable from this machine only: `localhost`, 127.0.0.0/8, `::1` (or an IPv4
 * loopback mapped into IPv6). `0.0.0.0`, `::`, names and other addresses may be reached from elsewhere.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (!isIPv6(h)) return false;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && mapped[1]!.startsWith('127.');
}
