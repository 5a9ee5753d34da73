import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';

/** What a socket carries (OneBot v11 §1.2, §1.3). */
export type FakeRole = 'universal' | 'api' | 'event';

/** The bot refused the reverse-mode fake; `status` is the HTTP status when it answered before the upgrade. */
export class FakeDialError extends Error {
  constructor(readonly status: number | undefined, message: string) {
    super(message);
  }
}

/** Forward mode, OneBot v11 §1.2: `/api` carries calls only, `/event` events only, any other path both. */
export function forwardRole(pathname: string): FakeRole {
  const path = pathname.replace(/\/+$/, '');
  return path === '/api' ? 'api' : path === '/event' ? 'event' : 'universal';
}

/** Forward mode, OneBot v11 §1.4: `Authorization: Bearer <t>` or `?access_token=<t>`. */
export function tokenAccepted(token: string | undefined, authorization: string | undefined, url: URL): boolean {
  if (!token) return true;
  const bearer = /^bearer\s+(.*)$/i.exec(authorization ?? '')?.[1]?.trim();
  return bearer === token || url.searchParams.get('access_token') === token;
}

/** Answers an upgrade request with a plain HTTP status, as Lagrange does for a bad token (reference §1.2). */
export function refuseUpgrade(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export interface ReverseHandshake {
  selfId: number;
  role: FakeRole;
  token?: string;
  roleNames?: Partial<Record<FakeRole, string>>;
  /** `null` removes a header the fake would send. */
  headers?: Record<string, string | null>;
}

/** Reverse mode, OneBot v11 §1.3: the headers NapCat sends (`X-Self-ID`, `X-Client-Role`, `Authorization`). */
export function reverseHeaders(handshake: ReverseHandshake): Record<string, string> {
  const names: Record<FakeRole, string> = { universal: 'Universal', api: 'API', event: 'Event', ...handshake.roleNames };
  const headers: Record<string, string> = { 'X-Self-ID': String(handshake.selfId), 'X-Client-Role': names[handshake.role], 'User-Agent': 'OneBot/11' };
  if (handshake.token !== undefined) headers.Authorization = `Bearer ${handshake.token}`;
  for (const [name, value] of Object.entries(handshake.headers ?? {})) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    if (value !== null) headers[name] = value;
  }
  return headers;
}

/**
 * Dials the bot and resolves with the open socket, or rejects with `FakeDialError`. `track` sees the socket
 * while it is connecting, so a stopping fake can cut it. Pongs are left to the caller (a silent fake keeps quiet).
 */
export function dialBot(url: string, headers: Record<string, string>, track: (ws: WebSocket, connecting: boolean) => void): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers, autoPong: false });
  track(ws, true);
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    ws.once('unexpected-response', (_req, res) => {
      status = res.statusCode;
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.once('open', () => {
      track(ws, false);
      resolve(ws);
    });
    ws.once('close', () => {
      track(ws, false);
      reject(new FakeDialError(status, `the bot refused the socket${status ? ` with HTTP ${status}` : ''}`));
    });
  });
}
