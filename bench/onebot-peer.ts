/**
 * Load generator for the OneBot benchmark (bench/onebot.ts): a minimal OneBot v11 implementation in forward
 * mode (the WS server the bot dials), self-contained so the benchmark does not depend on test code. It runs
 * in a worker thread, on its own event loop, so that its work is not charged to the bot under test.
 *
 * Protocol with the parent (`parentPort` messages):
 * - worker → parent: `{ kind: 'listening', url }` once the server listens; `{ kind: 'connected', bot }` and
 *   `{ kind: 'closed', bot }` as a bot's socket opens and closes, `bot` being the path it dialed (`/nekomata`);
 *   `{ kind: 'result', … }`.
 * - parent → worker: `{ kind: 'run', bot, … }` (a `RunRequest`) starts a run on that bot's socket, while the
 *   other bots stay connected and idle; `{ kind: 'stop' }`.
 *
 * A run: `messages` group message events (array form, text `/echo <n>` with `n = firstSeq + i`, message_id
 * `n`, from `users` users in `groups` groups), at most `inFlight` unanswered at any time. For every
 * `send_group_msg` the bot sends, the peer answers `{ status: 'ok', retcode: 0, data: { message_id }, echo }`
 * and, when the text is the `<n>` of a pending event of its group, records the time from sending that event
 * to receiving the action, then sends the next event. Other actions get `{ status: 'ok', data: null }`.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort } from 'node:worker_threads';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

export const SELF_ID = 10001;
const GROUP_BASE = 700_000;
const USER_BASE = 200_000;

export interface RunRequest {
  kind: 'run';
  /** The path the bot under test dialed. */
  bot: string;
  messages: number;
  inFlight: number;
  /** The first event's `<n>` (and message_id); runs use disjoint ranges. */
  firstSeq: number;
  groups: number;
  users: number;
  /** A run with no reply for this long ends as failed. */
  stallMs: number;
  /**
   * After the last expected reply, the peer listens this long more for duplicates before it reports. A reply
   * that comes later still, outside any run of its bot, is a stray: reported by that bot's next run.
   */
  graceMs: number;
}

export interface RunResult {
  kind: 'result';
  messages: number;
  answered: number;
  /** Replies for an `<n>` already answered. */
  duplicates: number;
  /** `send_group_msg` calls whose text is no pending `<n>`, or that went to the wrong group. */
  wrong: number;
  /** Actions other than `send_group_msg`. */
  otherActions: number;
  /** First event sent → last expected reply received, ms. */
  elapsedMs: number;
  /** Per answered event, ms (index = event order); NaN where unanswered. */
  latencies: Float64Array;
  stalled: boolean;
  /** The peer thread's on-CPU time over the run, ns (Linux schedstat; NaN elsewhere). */
  peerCpuNs: number;
  /** The first few problems, for the report. */
  problems: string[];
}

export type PeerMessage = { kind: 'listening'; url: string } | { kind: 'connected'; bot: string } | { kind: 'closed'; bot: string } | RunResult;

interface Segment {
  type: string;
  data: Record<string, unknown>;
}

/** On-CPU time of the calling thread, ns, from /proc/thread-self/schedstat (Linux); NaN elsewhere. */
export function threadCpuNs(file = '/proc/thread-self/schedstat'): number {
  try {
    return Number(fs.readFileSync(file, 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

const groupOf = (i: number, groups: number): number => GROUP_BASE + (i % groups);
const userOf = (i: number, groups: number, users: number): number => USER_BASE + (Math.floor(i / groups) % users);

/** A group message event as NapCat sends it in array form. */
function groupMessage(n: number, groupId: number, userId: number): string {
  const text = `/echo ${n}`;
  return JSON.stringify({
    time: Math.floor(Date.now() / 1000), self_id: SELF_ID, post_type: 'message', message_type: 'group', sub_type: 'normal',
    message_id: n, group_id: groupId, user_id: userId, anonymous: null,
    message: [{ type: 'text', data: { text } }], raw_message: text, font: 0,
    sender: { user_id: userId, nickname: `user-${userId}`, card: '', role: 'member' },
  });
}

function textOf(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (!Array.isArray(message)) return undefined;
  let text = '';
  for (const s of message as Segment[]) if (s?.type === 'text') text += String(s.data?.text ?? '');
  return text;
}

class Run {
  private readonly sentAt: Float64Array;
  private readonly latencies: Float64Array;
  private readonly done: Uint8Array;
  private next = 0;
  private answered = 0;
  private duplicates = 0;
  private wrong = 0;
  private otherActions = 0;
  private startedAt = 0;
  private endedAt = 0;
  private cpuAtStart = 0;
  private cpuAtEnd = Number.NaN;
  private readonly problems: string[] = [];
  private stallTimer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    readonly ws: WebSocket,
    private readonly r: RunRequest,
    private readonly report: (result: RunResult) => void,
    /** `send_group_msg` texts this bot sent since its last run ended: each a late duplicate or a wrong reply. */
    strays: readonly string[],
  ) {
    this.sentAt = new Float64Array(r.messages);
    this.latencies = new Float64Array(r.messages).fill(Number.NaN);
    this.done = new Uint8Array(r.messages);
    this.wrong = strays.length;
    for (const text of strays) this.problem(`send_group_msg ${JSON.stringify(text)} came after its run had ended`);
  }

  start(): void {
    this.cpuAtStart = threadCpuNs();
    this.startedAt = performance.now();
    this.armStall();
    for (let k = 0; k < this.r.inFlight && this.next < this.r.messages; k++) this.sendNext();
  }

  /** Checks and times one action the bot sent (already answered), and sends the next event. */
  onAction(action: string, params: Record<string, unknown>): void {
    if (action !== 'send_group_msg') {
      this.otherActions++;
      return;
    }
    const now = performance.now();
    const text = textOf(params.message);
    const i = text !== undefined && /^[1-9]\d*$/.test(text) ? Number(text) - this.r.firstSeq : -1;
    // Exactly the `<n>` of an event already sent (digits only, no sign, no leading zero).
    if (!(i >= 0 && i < this.next)) {
      this.wrong++;
      this.problem(`unexpected send_group_msg text ${JSON.stringify(text)} to group ${String(params.group_id)}`);
      return;
    }
    if (this.done[i]) {
      this.duplicates++;
      this.problem(`"${text}" answered more than once`);
      return;
    }
    if (String(params.group_id) !== String(groupOf(i, this.r.groups))) {
      this.wrong++;
      this.problem(`"${text}" went to group ${String(params.group_id)}, expected ${groupOf(i, this.r.groups)}`);
      return;
    }
    this.done[i] = 1;
    this.latencies[i] = now - this.sentAt[i]!;
    this.answered++;
    this.stallTimer?.refresh();
    if (this.next < this.r.messages) this.sendNext();
    else if (this.answered === this.r.messages) {
      this.endedAt = now;
      this.cpuAtEnd = threadCpuNs();
      clearTimeout(this.stallTimer);
      setTimeout(() => this.finish(false), this.r.graceMs);
    }
  }

  /** The socket closed under the run. */
  abort(): void {
    this.problem('the bot closed its socket during the run');
    this.finish(true);
  }

  private sendNext(): void {
    const i = this.next++;
    const frame = groupMessage(this.r.firstSeq + i, groupOf(i, this.r.groups), userOf(i, this.r.groups, this.r.users));
    this.sentAt[i] = performance.now();
    this.ws.send(frame);
  }

  private armStall(): void {
    this.stallTimer = setTimeout(() => {
      this.problem(`no reply for ${this.r.stallMs} ms: ${this.answered} of ${this.r.messages} answered, ${this.next} sent`);
      this.finish(true);
    }, this.r.stallMs);
  }

  private problem(text: string): void {
    if (this.problems.length < 5) this.problems.push(text);
  }

  private finish(stalled: boolean): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.stallTimer);
    this.report({
      kind: 'result', messages: this.r.messages, answered: this.answered, duplicates: this.duplicates, wrong: this.wrong,
      otherActions: this.otherActions, elapsedMs: (this.endedAt || performance.now()) - this.startedAt, latencies: this.latencies,
      stalled, peerCpuNs: this.cpuAtEnd - this.cpuAtStart, problems: this.problems,
    });
  }

  get isFinished(): boolean {
    return this.finished;
  }
}

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('bench/onebot-peer.ts runs as a worker thread of bench/onebot.ts');
  const post = (m: PeerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const bots = new Map<string, WebSocket>();
  /** Per bot path: `send_group_msg` texts that came while no run of that bot was on (see `RunRequest.graceMs`). */
  const strays = new Map<string, string[]>();
  let run: Run | undefined;
  let sentIds = 1_000_000_000;

  wss.on('listening', () => {
    const address = wss.address();
    if (typeof address === 'string' || address === null) throw new Error(`unexpected address ${String(address)}`);
    post({ kind: 'listening', url: `ws://127.0.0.1:${address.port}` });
  });
  wss.on('connection', (ws, request) => {
    const bot = request.url ?? '/';
    if (bots.has(bot)) {
      ws.close(1013, 'one socket per bot');
      return;
    }
    bots.set(bot, ws);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      let frame: { action?: unknown; params?: unknown; echo?: unknown };
      try {
        frame = JSON.parse(data.toString()) as typeof frame;
      } catch {
        return;
      }
      if (typeof frame.action !== 'string') return;
      const params = (frame.params ?? {}) as Record<string, unknown>;
      const result = frame.action === 'send_group_msg' ? { message_id: ++sentIds } : null;
      // Answer first, as an implementation does once QQ took the message; then the run may send the next event.
      ws.send(JSON.stringify({ status: 'ok', retcode: 0, data: result, echo: frame.echo }));
      if (run && !run.isFinished && run.ws === ws) run.onAction(frame.action, params);
      else if (frame.action === 'send_group_msg') {
        const list = strays.get(bot) ?? [];
        list.push(String(textOf(params.message)));
        strays.set(bot, list);
      }
    });
    ws.on('close', () => {
      if (bots.get(bot) === ws) bots.delete(bot);
      if (run && !run.isFinished && run.ws === ws) run.abort();
      post({ kind: 'closed', bot });
    });
    ws.send(JSON.stringify({ time: Math.floor(Date.now() / 1000), self_id: SELF_ID, post_type: 'meta_event', meta_event_type: 'lifecycle', sub_type: 'connect' }));
    post({ kind: 'connected', bot });
  });

  port.on('message', (m: RunRequest | { kind: 'stop' }) => {
    if (m.kind === 'stop') {
      for (const client of wss.clients) client.terminate();
      wss.close();
      port.close();
      return;
    }
    const ws = bots.get(m.bot);
    if (!ws) {
      post({
        kind: 'result', messages: m.messages, answered: 0, duplicates: 0, wrong: 0, otherActions: 0, elapsedMs: 0,
        latencies: new Float64Array(0), stalled: true, peerCpuNs: Number.NaN, problems: [`no bot is connected at ${m.bot}`],
      });
      return;
    }
    run = new Run(ws, m, (result) => post(result, [result.latencies.buffer as ArrayBuffer]), strays.get(m.bot) ?? []);
    strays.delete(m.bot);
    run.start();
  });
}

// Imported by bench/onebot.ts for its types and SELF_ID: only the worker serves.
if (!isMainThread) main();
