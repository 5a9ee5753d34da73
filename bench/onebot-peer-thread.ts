import type { PeerMessage, RunRequest, RunResult } from './onebot-peer.js';
import { PeerThread } from './peer-thread.js';

/** The groups and users the peer's events come from. */
export const GROUPS = 4;
export const USERS = 8;

/** The OneBot benchmark's load generator (bench/onebot-peer.ts) in its worker thread. */
export class Peer extends PeerThread<PeerMessage> {
  readonly url: Promise<string>;

  constructor() {
    super(new URL('./onebot-peer.ts', import.meta.url), 'onebot', 10_000);
    this.url = this.next('listening').then((m) => m.url);
  }

  /** `graceMs`: how long the peer listens for duplicates after the last reply (`RunRequest.graceMs`). */
  async run(bot: string, messages: number, inFlight: number, firstSeq: number, graceMs = 100): Promise<RunResult> {
    const request: RunRequest = { kind: 'run', bot, messages, inFlight, firstSeq, groups: GROUPS, users: USERS, stallMs: 10_000, graceMs };
    const result = this.next('result', 600_000);
    this.post(request);
    return result;
  }
}
