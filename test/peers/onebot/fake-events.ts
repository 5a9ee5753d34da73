/**
 * Event frames and message encoding for the fake OneBot peer. Written from the spec (reference onebot11.md
 * §3–§4), independently of the adapter's own codec, so tests of that codec are not checked against itself.
 */

export interface FakeSegment {
  type: string;
  data: Record<string, unknown>;
}
export type FakeMessage = string | FakeSegment[];
export type MessageFormat = 'array' | 'string';
export type FakeEvent = { time: number; self_id: number; post_type: string } & Record<string, unknown>;

const now = (): number => Math.floor(Date.now() / 1000);

/** Builds any event for `selfId`; `fields` says the rest (`post_type` included). */
export function event(selfId: number, fields: { post_type: string } & Record<string, unknown>): FakeEvent {
  return { time: now(), self_id: selfId, ...fields };
}

export function lifecycleConnect(selfId: number): FakeEvent {
  return event(selfId, { post_type: 'meta_event', meta_event_type: 'lifecycle', sub_type: 'connect' });
}

export function heartbeat(selfId: number, intervalMs: number): FakeEvent {
  return event(selfId, { post_type: 'meta_event', meta_event_type: 'heartbeat', status: { online: true, good: true }, interval: intervalMs });
}

/** The message in the peer's configured format, plus its `raw_message` (always the CQ string). */
export function formatMessage(message: FakeMessage, format: MessageFormat): { message: FakeMessage; raw_message: string } {
  const segments = typeof message === 'string' ? parseCQ(message) : message;
  const raw = encodeCQ(segments);
  return { message: format === 'array' ? segments : raw, raw_message: raw };
}

/** CQ string → segments (§3.2): a malformed `[CQ:` is text; values split on the first `=`. */
export function parseCQ(text: string): FakeSegment[] {
  const segments: FakeSegment[] = [];
  const code = /\[CQ:([A-Za-z0-9_.-]+)((?:,[^,=\]]+=[^,\]]*)*)\]/g;
  let last = 0;
  for (const match of text.matchAll(code)) {
    if (match.index > last) segments.push({ type: 'text', data: { text: unescapeCQ(text.slice(last, match.index)) } });
    const data: Record<string, unknown> = {};
    for (const pair of (match[2] ?? '').split(',').slice(1)) {
      const eq = pair.indexOf('=');
      data[pair.slice(0, eq)] = unescapeCQ(pair.slice(eq + 1));
    }
    segments.push({ type: match[1] ?? 'text', data });
    last = match.index + match[0].length;
  }
  if (last < text.length) segments.push({ type: 'text', data: { text: unescapeCQ(text.slice(last)) } });
  return segments;
}

/** Segments → CQ string (§3.2): text escapes `& [ ]`, parameter values also `,`; `&` first. */
export function encodeCQ(segments: FakeSegment[]): string {
  return segments
    .map((s) => {
      if (s.type === 'text') return escapeCQ(String(s.data.text ?? ''), false);
      const params = Object.entries(s.data).map(([k, v]) => `,${k}=${escapeCQ(String(v), true)}`);
      return `[CQ:${s.type}${params.join('')}]`;
    })
    .join('');
}

function escapeCQ(text: string, inParam: boolean): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/\[/g, '&#91;').replace(/\]/g, '&#93;');
  return inParam ? escaped.replace(/,/g, '&#44;') : escaped;
}

function unescapeCQ(text: string): string {
  return text.replace(/&#44;/g, ',').replace(/&#91;/g, '[').replace(/&#93;/g, ']').replace(/&amp;/g, '&');
}
